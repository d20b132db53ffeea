"""catlip.text across processes: batch workers, pickling, DataLoader workers (spawn)."""

from __future__ import annotations

import multiprocessing
import pickle

import pytest

from catlip.text import SynsetExtractor


@pytest.mark.slow
def test_batch_workers_match_in_process(flickr_captions: list[str]) -> None:
    extractor = SynsetExtractor()
    captions = flickr_captions[:6000]
    serial = extractor.batch(captions, num_workers=0)
    assert extractor.batch(captions, num_workers=2) == serial
    assert extractor.batch(captions, num_workers=3) == serial
    assert serial == [extractor(c) for c in captions]


def test_batch_arguments() -> None:
    extractor = SynsetExtractor()
    assert extractor.batch([]) == []
    assert extractor.batch(iter(["a dog", "a cat"])) == [["n02084071"], ["n02121620"]]
    with pytest.raises(ValueError, match="num_workers"):
        extractor.batch(["a dog"], num_workers=-1)
    with pytest.raises(TypeError, match="num_workers"):
        extractor.batch(["a dog"], num_workers=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="captions"):
        extractor.batch("a dog")


def test_pickle_carries_settings_only() -> None:
    extractor = SynsetExtractor(overrides={"dog": "frank.n.02"})
    extractor("a dog")  # tables built
    data = pickle.dumps(extractor)
    assert len(data) < 1000
    assert pickle.loads(data)("a dog") == extractor("a dog")


@pytest.mark.slow
def test_dataloader_spawn_workers_match_main_process(flickr_captions: list[str]) -> None:
    torch_data = pytest.importorskip("torch.utils.data")
    extractor = SynsetExtractor()
    captions = flickr_captions[:200]
    loader = torch_data.DataLoader(
        captions,
        batch_size=25,
        num_workers=2,
        collate_fn=extractor.batch,
        multiprocessing_context="spawn",
    )
    from_workers = [labels for batch in loader for labels in batch]
    assert from_workers == [extractor(c) for c in captions]


@pytest.mark.slow
def test_spawned_batch_workers_match(
    flickr_captions: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from catlip import _engine

    extractor = SynsetExtractor()
    captions = flickr_captions[:3000]
    serial = extractor.batch(captions)
    monkeypatch.setattr(_engine, "process_context", lambda: multiprocessing.get_context("spawn"))
    assert extractor.batch(captions, num_workers=2) == serial
