"""Word analyses handed between processes (catlip.text.handover): labels never change."""

from __future__ import annotations

import pickle

from catlip.text import SynsetExtractor
from catlip.text.handover import adopt, learned
from catlip.text.lexicon import Lexicon, LexiconOptions


def _on(lexicon: Lexicon) -> SynsetExtractor:
    extractor = SynsetExtractor()
    extractor._lexicon = lexicon  # these tables, not the process-wide ones
    return extractor


def test_adopted_analyses_are_the_ones_made_here(flickr_captions: list[str]) -> None:
    # Every other caption of 24,000 analysed here, and two with words WordNet lacks.
    unknown = [next(c for c in flickr_captions if word in c) for word in ("Waterskier", "t-ball")]
    captions = flickr_captions[:24_000] + unknown
    here, there, fresh = (Lexicon(LexiconOptions()) for _ in range(3))
    for caption in captions[::2] + unknown:
        _on(here)(caption)
    # Through pickle, as between processes: copies, never the same objects.
    adopt(there, pickle.loads(pickle.dumps(learned(here))))
    assert len(there.memo) == len(here.memo) > 1000
    assert not any(learned(there))  # adopted analyses are not handed on again
    assert not any(learned(here))  # nor twice by the lexicon that made them
    assert [_on(there)(c) for c in captions] == [_on(fresh)(c) for c in captions]
    for made, taken in zip(fresh.handover_memos(), there.handover_memos(), strict=True):
        assert {key: made[key] for key in taken if key in made} == {
            key: taken[key] for key in taken if key in made
        }
    # Words WordNet does not have, adopted: still unknown, so capitalized ones still read as
    # names ('Waterskier'), and hyphenated ones are still split ('t-ball').
    assert there.web_memo[False]["Waterskier"] == fresh.web_memo[False]["Waterskier"]
    assert there.web_memo[False]["t-ball"] == fresh.web_memo[False]["t-ball"] == ("ball", 0)
    assert not there.is_word("waterskier")


def test_a_cleared_memo_is_handed_on_whole_and_a_full_one_adopts_nothing() -> None:
    here = Lexicon(LexiconOptions(max_memo=3))
    for word in ("dog", "cat"):
        here.analyze(word)
    assert [key for key, _ in learned(here)[0]] == ["dog", "cat"]
    here.analyze("cow")  # the memo is full: cleared, then 'cow' added
    assert [key for key, _ in learned(here)[0]] == ["cow"]
    small = Lexicon(LexiconOptions(max_memo=3))
    adopt(small, [[("dog", here.analyze("dog"))] * 3, [], [], [], []])
    assert "dog" not in small.memo
