"""Caption -> WordNet noun synset ids: :class:`SynsetExtractor` and :func:`extract_synsets`.

Example:
    >>> from catlip.text import SynsetExtractor
    >>> extractor = SynsetExtractor()
    >>> extractor("A teddy bear next to two cookies")
    ['n04399382', 'n07635155']
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from catlip._engine import map_list, num_processes
from catlip.resources import pos_tagger
from catlip.text.compounds import expand_hyphens, longest_compound, match_run
from catlip.text.function_words import VERB_OBJECTS
from catlip.text.lexicon import NOUN_CONTEXT, Kind, Lexicon, LexiconOptions, get_lexicon
from catlip.text.reference import reference_labels
from catlip.text.tokenize import tokenize
from catlip.text.web import web_tokens
from catlip.wordnet import WORDNET_VERSION

__all__ = ["ALGORITHM", "REFERENCE_ALGORITHM", "SynsetExtractor", "extract_synsets"]

ALGORITHM = "catlip.text/2"
"""Version of the default algorithm and its built-in tables; stored in :attr:`settings`.

Settings of version ``catlip.text/1`` (catlip 0.1) still load, as ``web=False``."""
_ALGORITHM_V1 = "catlip.text/1"
REFERENCE_ALGORITHM = "catlip.text.reference/1"
"""Version of the paper-baseline algorithm (``SynsetExtractor.reference()``)."""

_POS_MODES = ("wordnet", "tagger", "none")
_OTHER, _NOUN, _VERBLIKE, _SPLIT = Kind.OTHER, Kind.NOUN, Kind.VERBLIKE, Kind.SPLIT
_MIN_PARALLEL = 2000  # fewer captions than this are labelled in-process
_UNSEEN: Any = object()


def _verb_form(token: str) -> bool:
    """Whether ``token`` is spelled as an '-ing' or third-person '-s' verb form ('rides')."""
    return token.endswith("ing") or (token.endswith("s") and not token.endswith("ss"))


class SynsetExtractor:
    """Turn captions into WordNet noun synset ids (wnids), the CatLIP labels.

    Per caption: clean web debris, lowercase, tokenize; match the longest WordNet multiword noun
    (``traffic light``); reduce each word to its noun lemma (``men`` -> ``man``); keep nouns by
    the part-of-speech filter; pick a sense by :class:`~catlip.text.SensePolicy`. Every distinct
    token is analysed once per process and memoized.

    Args:
        pos: How nouns are told from other words. ``"wordnet"`` (default): WordNet's
            sense-frequency counts, no tagger (about 20x faster than tagging, same precision on
            COCO). ``"tagger"``: NLTK's perceptron POS tagger (nouns = ``NN*`` tags).
            ``"none"``: every word with a noun sense.
        noun_share: With ``pos="wordnet"``, the share of a word's tagged WordNet uses that must
            be nouns for it to count as a noun anywhere (others count after a determiner).
        compounds: Match multiword WordNet nouns (``fire hydrant``) as one label.
        common_nouns_only: Skip proper-noun senses (``White``, ``May``, ``I`` = iodine).
        concrete_share: Prefer a concrete sense over an abstract first sense when its count is
            at least this share of the first sense's (``None``: always the first sense).
        builtin_overrides: Use catlip's override table (:func:`catlip.text.builtin_overrides`).
        overrides: Extra word -> synset name / wnid (``None``: never a label); wins over the
            built-in table.
        web: Apply the web alt-text rules of :mod:`catlip.text.web` (names, titles, codes and
            other languages are no labels); ``False`` gives catlip 0.1's labels.
        reference: Reproduce the seed paper's labeller instead (see :meth:`reference`); the
            other options must then be left at their defaults.

    Raises:
        ValueError: An option has a bad value.
        TypeError: An option has a bad type.

    Example:
        >>> SynsetExtractor(pos="none")("white dogs")
        ['n04960729', 'n02084071']
    """

    def __init__(
        self,
        *,
        pos: Literal["wordnet", "tagger", "none"] = "wordnet",
        noun_share: float = 0.5,
        compounds: bool = True,
        common_nouns_only: bool = True,
        concrete_share: float | None = 0.25,
        builtin_overrides: bool = True,
        overrides: Mapping[str, str | None] | None = None,
        web: bool = True,
        reference: bool = False,
    ) -> None:
        if pos not in _POS_MODES:
            raise ValueError(f"pos must be one of {_POS_MODES}, got {pos!r}")
        if isinstance(noun_share, bool) or not isinstance(noun_share, (int, float)):
            raise TypeError(f"noun_share must be a float, got {type(noun_share).__name__}")
        if not 0.0 <= noun_share <= 1.0:
            raise ValueError(f"noun_share must be in [0, 1], got {noun_share}")
        if concrete_share is not None and (
            isinstance(concrete_share, bool) or not isinstance(concrete_share, (int, float))
        ):
            raise TypeError(f"concrete_share must be a float or None, got {concrete_share!r}")
        if concrete_share is not None and concrete_share < 0:
            raise ValueError(f"concrete_share must be >= 0 or None, got {concrete_share}")
        table = dict(overrides or {})
        for word, name in table.items():
            if not isinstance(word, str) or not (name is None or isinstance(name, str)):
                raise TypeError(f"overrides must map str -> str or None, got {word!r} -> {name!r}")
        self._options = LexiconOptions(
            pos=pos,
            noun_share=float(noun_share),
            compounds=bool(compounds),
            common_nouns_only=bool(common_nouns_only),
            concrete_share=None if concrete_share is None else float(concrete_share),
            builtin_overrides=bool(builtin_overrides),
            overrides=tuple(sorted((w.lower(), n) for w, n in table.items())),
            web=bool(web) and not reference,
        )
        self._reference = bool(reference)
        if self._reference and (self._options != LexiconOptions(web=False) or not web):
            raise ValueError(
                "reference=True reproduces the paper's labeller: leave the other options at "
                "their defaults"
            )
        self._lexicon: Lexicon | None = None

    @classmethod
    def reference(cls) -> SynsetExtractor:
        """Return the seed paper's baseline labeller (see :mod:`catlip.text.reference`).

        Example:
            >>> SynsetExtractor.reference()("a white photo")  # 'white' kept, 'photo' dropped
            ['n09638875']
        """
        return cls(reference=True)

    @property
    def settings(self) -> dict[str, Any]:
        """Everything that changes this extractor's output, JSON-serializable.

        Vocabulary files store it so that labels are always made the same way.
        """
        if self._reference:
            return {"algorithm": REFERENCE_ALGORITHM, "wordnet": WORDNET_VERSION, "reference": True}
        o = self._options
        return {
            "algorithm": ALGORITHM,
            "wordnet": WORDNET_VERSION,
            "reference": False,
            "pos": o.pos,
            "noun_share": o.noun_share,
            "compounds": o.compounds,
            "common_nouns_only": o.common_nouns_only,
            "concrete_share": o.concrete_share,
            "builtin_overrides": o.builtin_overrides,
            "overrides": dict(o.overrides),
            "web": o.web,
        }

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> SynsetExtractor:
        """Rebuild the extractor that produced ``settings`` (as stored in a vocabulary file).

        Raises:
            ValueError: ``settings`` come from another algorithm version or WordNet, or are
                malformed (the message names the key).

        Example:
            >>> e = SynsetExtractor(compounds=False)
            >>> SynsetExtractor.from_settings(e.settings) == e
            True
        """
        if not isinstance(settings, Mapping):
            raise TypeError(f"settings must be a mapping, got {type(settings).__name__}")
        values = dict(settings)
        algorithm = values.pop("algorithm", None)
        wordnet_version = values.pop("wordnet", WORDNET_VERSION)
        if wordnet_version != WORDNET_VERSION:
            raise ValueError(
                f"settings are for WordNet {wordnet_version}; catlip uses {WORDNET_VERSION}"
            )
        if values.pop("reference", False):
            if algorithm != REFERENCE_ALGORITHM or values:
                raise ValueError(f"bad reference settings: {dict(settings)!r}")
            return cls.reference()
        if algorithm == _ALGORITHM_V1 and "web" not in values:
            values["web"] = False  # catlip 0.1 had no web rules
        elif algorithm != ALGORITHM:
            raise ValueError(
                f"settings are for extractor algorithm {algorithm!r}, but this catlip has "
                f"{ALGORITHM!r}: install the catlip version that made them, or rebuild the "
                "vocabulary with this one"
            )
        try:
            return cls(**values)
        except TypeError as exc:
            raise ValueError(f"bad extractor settings ({exc})") from None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SynsetExtractor):
            return NotImplemented
        return self.settings == other.settings

    def __hash__(self) -> int:
        return hash(json.dumps(self.settings, sort_keys=True))

    def __repr__(self) -> str:
        if self._reference:
            return "SynsetExtractor.reference()"
        fields = ", ".join(
            f"{k}={v!r}"
            for k, v in self.settings.items()
            if k not in ("algorithm", "wordnet", "reference")
        )
        return f"SynsetExtractor({fields})"

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # Only the settings travel; the receiving process rebuilds (or reuses) its tables.
        return (SynsetExtractor.from_settings, (self.settings,))

    def _tables(self) -> Lexicon:
        lexicon = self._lexicon
        if lexicon is None:
            lexicon = self._lexicon = get_lexicon(self._options)
        return lexicon

    def __call__(self, caption: str) -> list[str]:
        """Return the caption's wnids: unique, in order of first appearance.

        Raises:
            TypeError: ``caption`` is not a str.
            MissingResourceError: WordNet (or, with ``pos="tagger"``, the tagger) is missing.
        """
        if not isinstance(caption, str):
            raise TypeError(f"caption must be a str, got {type(caption).__name__}")
        if self._reference:
            return reference_labels(caption)
        if self._options.web:
            return self._extract(web_tokens(caption, self._tables()))
        return self._extract(tokenize(caption))

    def _extract(self, tokens: list[str]) -> list[str]:
        lexicon = self._tables()
        if self._options.pos == "tagger":
            return self._extract_tagged(tokens, lexicon)
        memo_get = lexicon.memo.get
        analyze = lexicon.analyze
        compound_len = lexicon.compound_len
        pairs = lexicon.compound_pairs
        phrases = lexicon.phrase_memo
        noun, verblike, split, context = _NOUN, _VERBLIKE, _SPLIT, NOUN_CONTEXT
        objects = VERB_OBJECTS
        web = self._options.web
        labels: list[str] = []
        seen: set[str] = set()
        previous = _OTHER
        count = len(tokens)
        i = 0
        while i < count:
            token = tokens[i]
            info = memo_get(token) or analyze(token)
            kind = info[0]
            if kind == split:  # a hyphenated non-lemma: expand all such tokens once, linearly
                tokens = tokens[:i] + expand_hyphens(tokens[i:], lexicon)
                count = len(tokens)
                continue
            if token in compound_len and i + 1 < count and token + "_" + tokens[i + 1] in pairs:
                run = tuple(tokens[i : i + compound_len[token]])
                phrase = phrases.get(run, _UNSEEN)
                if phrase is _UNSEEN:
                    phrase = match_run(run, lexicon, web=web)
                if phrase is not None:
                    wnid, width, head = phrase
                    if wnid not in seen:
                        seen.add(wnid)
                        labels.append(wnid)
                    if head is not None and head not in seen:  # 'tote bag' is also a bag
                        seen.add(head)
                        labels.append(head)
                    i += width
                    previous = noun
                    continue
            i += 1
            if kind == noun:
                wnid = info[1]
                if wnid is not None and wnid not in seen:
                    seen.add(wnid)
                    labels.append(wnid)
            elif kind == verblike and previous in context:
                # A verb-like word is a noun after a determiner ('a bear'), unless a noun
                # follows ('a playing dog', 'a can opener') or, by default (catlip 0.1's
                # labels stay), it is an '-ing' or '-s' form before its object ('one wearing a
                # hat', 'a man in black rides a bike').
                wnid = info[1]
                after = (memo_get(tokens[i]) or analyze(tokens[i])) if i < count else None
                if (
                    (after is None or after[0] != noun)
                    and wnid is not None
                    and wnid not in seen
                    and not (web and i < count and tokens[i] in objects and _verb_form(token))
                ):
                    seen.add(wnid)
                    labels.append(wnid)
            previous = kind
        return labels

    @staticmethod
    def _extract_tagged(tokens: list[str], lexicon: Lexicon) -> list[str]:
        tokens = expand_hyphens(tokens, lexicon)
        if not tokens:
            return []
        tags = [tag for _, tag in pos_tagger().tag(tokens)]
        labels: list[str] = []
        seen: set[str] = set()
        i = 0
        while i < len(tokens):
            token = tokens[i]
            wnid, width = lexicon.analyze(token).wnid, 1
            if token in lexicon.compound_len and i + 1 < len(tokens):
                matched = longest_compound(tokens, i, lexicon.compound_len[token], lexicon, tags)
                if matched is not None:
                    wnid, width = matched
            if wnid is not None and tags[i + width - 1].startswith("NN") and wnid not in seen:
                seen.add(wnid)
                labels.append(wnid)
            i += width
        return labels

    def batch(self, captions: Iterable[str], *, num_workers: int = 0) -> list[list[str]]:
        """Label many captions; order is preserved.

        Args:
            captions: Captions (any iterable of str).
            num_workers: Processes that label, this one included (``0`` or ``1``: this
                process alone; fewer than 2,000 captions are always labelled here), as
                everywhere in catlip. The processes take 1,000-caption slices from a shared
                counter (a busy core takes fewer). Workers are forked where the platform
                allows and reuse this process's tables; elsewhere they are spawned and build
                their own (a few seconds).

        Returns:
            One wnid list per caption.

        Raises:
            TypeError: A caption is not a str (the message gives its index).
            ValueError: ``num_workers`` is negative.
            WorkerError: A worker process died.

        Example:
            >>> SynsetExtractor().batch(["a dog", "a cat"])
            [['n02084071'], ['n02121620']]
        """
        processes = num_processes(num_workers)
        if isinstance(captions, str):
            raise TypeError("captions must be an iterable of str, not a single str")
        items = list(captions)
        for index, caption in enumerate(items):
            if not isinstance(caption, str):
                raise TypeError(f"captions[{index}] must be a str, got {type(caption).__name__}")
        if processes == 1 or len(items) < _MIN_PARALLEL:
            return [self(caption) for caption in items]
        if not self._reference:
            self._tables()  # build in the parent: forked workers inherit it
        return map_list(self, items, num_workers=processes, what="a batch worker")


_default: SynsetExtractor | None = None


def extract_synsets(caption: str) -> list[str]:
    """Label one caption with the default :class:`SynsetExtractor`.

    Example:
        >>> extract_synsets("Men eating hot dogs near a fire hydrant")
        ['n10287213', 'n07697537', 'n03346898']
    """
    global _default
    if _default is None:
        _default = SynsetExtractor()
    return _default(caption)
