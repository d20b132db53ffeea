"""Labelling's shortcuts (rule passes skipped, or not copying, where they change nothing)."""

from __future__ import annotations

import pytest

from catlip.text import SynsetExtractor, web
from catlip.text.lexicon import Lexicon, LexiconOptions, get_lexicon
from catlip.text.webwords import word_facts
from conftest import SHARED

LAION = SHARED / "data" / "web-alt-text" / "laion-sample-1000.parquet"


def _captions(flickr_captions: list[str]) -> list[str]:
    captions = flickr_captions[::10]
    if LAION.exists():
        pq = pytest.importorskip("pyarrow.parquet")
        captions += [t or "" for t in pq.read_table(LAION, columns=["TEXT"])["TEXT"].to_pylist()]
    return [form for c in captions for form in (c, c.title(), c.upper())]


def test_skipped_name_pass_would_change_nothing(
    flickr_captions: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lexicon = get_lexicon(LexiconOptions())
    captions = _captions(flickr_captions)
    fast = [web.web_tokens(c, lexicon) for c in captions]
    monkeypatch.setattr(web, "_may_span", lambda *args: True)
    assert [web.web_tokens(c, lexicon) for c in captions] == fast


@pytest.mark.parametrize(
    ("caption", "spans", "colour_name"),
    [
        ("Two dogs play in a black pool", False, False),  # the common case: nothing to do
        ("Two-Tone Midnight Blue Dress", False, True),
        ("Ice Hockey in New York", True, False),
        ("New, York. Black dog", True, False),  # a span reads across punctuation, a colour not
    ],
)
def test_the_shortcut_tests(caption: str, spans: bool, colour_name: bool) -> None:
    lexicon = get_lexicon(LexiconOptions())
    found = web._SCAN.findall(caption)
    scanned = [word_facts(w, False, lexicon) if w else (None, 0) for w in found]
    assert web._may_span(found, scanned, lexicon) is spans
    # The modifier pass hands back the very list it got when no word goes.
    assert (web._modifiers(scanned, lexicon) is not scanned) is colour_name


def test_small_memos_stay_small_and_change_no_label(flickr_captions: list[str]) -> None:
    # Every memo is cleared when full (bounded memory on endless web text), even mid-caption.
    captions = [form for c in flickr_captions[:3000:3] for form in (c, c.title(), c.upper())]
    small = SynsetExtractor()
    small._lexicon = lexicon = Lexicon(LexiconOptions(max_memo=40))
    assert [small(c) for c in captions] == [SynsetExtractor()(c) for c in captions]
    memos = [lexicon.memo, lexicon.phrase_memo, lexicon.compound_memo, *lexicon.web_memo.values()]
    memos += [lexicon._bases_memo, lexicon._name_memo, lexicon._place_memo]
    assert max(map(len, memos)) <= 40
