"""Property tests: the extractor never raises on text and always returns valid, unique wnids."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from catlip.text import SynsetExtractor, is_wnid

DEFAULT = SynsetExtractor()
NO_COMPOUNDS = SynsetExtractor(compounds=False, pos="none")
WORDS = st.sampled_from(
    [
        "a",
        "dog",
        "traffic",
        "light",
        "lights",
        "fire",
        "hydrant",
        "teddy",
        "bear",
        "men",
        "white",
        "can",
        "t-shirt",
        "over",
        "&amp;",
        "http://x.y/z.jpg",
        "'s",
        "-",
        "2",
        "😀",
        "café",
        "the",
    ]
)


def check(labels: list[str]) -> None:
    assert isinstance(labels, list)
    assert all(is_wnid(x) for x in labels)
    assert len(set(labels)) == len(labels)


@given(st.text())
def test_arbitrary_unicode(text: str) -> None:
    check(DEFAULT(text))
    check(NO_COMPOUNDS(text))


@given(st.lists(WORDS, max_size=30).map(" ".join))
def test_caption_like_text(text: str) -> None:
    labels = DEFAULT(text)
    check(labels)
    assert DEFAULT(text) == labels  # deterministic


@given(st.lists(st.text(max_size=40), max_size=8))
def test_batch_matches_calls(texts: list[str]) -> None:
    assert DEFAULT.batch(texts) == [DEFAULT(t) for t in texts]
