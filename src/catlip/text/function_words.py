"""English function words: the closed-class words the lexicon reads without WordNet.

WordNet describes nouns, verbs, adjectives and adverbs; pronouns, articles, prepositions and
auxiliaries are listed here (some are rare WordNet nouns: ``are``, ``may``). Determiners and
numbers make the next verb-like word a noun (``a bear``, ``two sinks``).

Example:
    >>> "the" in FUNCTION_WORDS, "two" in DETERMINERS, "dog" in FUNCTION_WORDS
    (True, True, False)
"""

from __future__ import annotations

__all__ = ["DETERMINERS", "FUNCTION_WORDS", "NOUNS_AFTER_DETERMINER", "VERB_OBJECTS"]


def _words(text: str) -> list[str]:
    return text.split()


DETERMINERS: frozenset[str] = frozenset(
    _words(
        "a an the this that these those his her their its my our your some several many few "
        "another each every no any both one two three four five six seven eight nine ten eleven "
        "twelve dozen hundreds lots of"
    )
)
"""Words after which a verb-like word is read as a noun (``a bear``, ``two sinks``)."""

FUNCTION_WORDS: frozenset[str] = frozenset(
    _words(
        "i me my mine we us our you your he him his she her it its they them their this that "
        "these those who whom whose which what where when why how there here could may might must "
        "shall should will would do does did done doing be is am are was were been being has have "
        "had having not no nor and or but if then than so as at by for from in into of off on "
        "onto out over under up down upon with within without about above across after against "
        "along among around before behind below beneath beside besides between beyond during "
        "except inside like near next outside past since through throughout till to toward "
        "towards until via while a an the some any all each every both either neither other "
        "another such very too also just only even still yet s t d ll re ve m"
    )
)
"""Closed-class words that are never labels, though WordNet lists some as rare nouns (are, may)."""

NOUNS_AFTER_DETERMINER: frozenset[str] = frozenset({"can"})
"""Function words that are nouns only after a determiner (``a can of soda``; not ``it can``)."""

VERB_OBJECTS: frozenset[str] = frozenset(
    _words("a an the his her their its my our your him them it me us")
)
"""Words that start a verb's object.

An '-ing' or '-s' form right before one is that verb (``one wearing a hat``, ``a man in black
rides a bike``), though a determiner or adjective comes before it."""
