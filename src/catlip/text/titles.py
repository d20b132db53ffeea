"""Titles of works that web alt-text writes with a subtitle: "Payday: The Heist".

A book, film, game or album title with a subtitle is written ``Title: Subtitle``, and the
subtitle usually begins with an article or a possessive: "Hormones and Behaviour: A
Psychological Approach", "Teaching Her: The Complete Lessons in Seduction Series", "Red: My
Uncensored Life in Rock, by Sammy Hagar". Or the subtitle is a short title-case phrase of its
own, after a title-case title: "Tomb Raider: Legend", "The Banner Saga: Factions", "Election
Reform : Politics and Policy", "Racing to Change: Oregon's Civil Rights Years". Product listings
and captions use a colon for a field ("Color: Gray", "Photo: A ...") or a headline
("Controversy: Pistorius claimed ..."), where what follows is no title-case phrase, or a long
one ("City Center: View of San Francisco in the Distance From the Room"), or shouted in capitals
("LIMITED TIME: FREE U.S. SHIPPING"), or what precedes is a field name (:data:`FIELD_NAMES`).
:func:`has_subtitle` finds the pattern; the web rules
(:mod:`catlip.text.web`) then treat the capitalized words of the caption as the title's, as
they do for a caption that names a numbered part of a work ("Book 2").

Example:
    >>> has_subtitle("Payday: The Heist"), has_subtitle("Coffee Table with Tray Top Color: Gray")
    (True, False)
"""

from __future__ import annotations

import re

from catlip.text.function_words import FUNCTION_WORDS

__all__ = ["FIELD_NAMES", "has_subtitle"]

# The colon, then an article or a possessive and a capitalized word or a number; the title is
# the phrase before the colon (after the last sentence or phrase break).
_SUBTITLE = re.compile(r"\s?:\s+(?:The|A|An|My|Our|Your|His|Her|Their)\s+[A-Z0-9]")
_BREAK = re.compile(r"[.:;|()\[\]{}\"“”!?]")
# A word as the web rules read it: letters and digits, joined by apostrophes or hyphens (web.py
# scans captions with it too).
WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_SHORT_SUBTITLE = 5  # words; longer title-case phrases after a colon are headlines or scenes

# fmt: off
FIELD_NAMES: frozenset[str] = frozenset([
    "photo", "photos", "image", "images", "picture", "pictures", "video", "videos", "item",
    "color", "colour", "product", "description", "title", "caption", "illustration", "stock",
    "vector", "screenshot", "review", "news", "watch", "listen", "update", "breaking", "credit",
])
# fmt: on
"""Words that, right before the colon, name a field or a kind of post ("Photo", "Color"), not a
title."""


def has_subtitle(text: str) -> bool:
    """Whether ``text`` holds a title of a work with a subtitle: ``Title: The Subtitle``.

    Args:
        text: A caption (cleaned of HTML and URLs).

    Example:
        >>> has_subtitle("Hormones and Behaviour: A Psychological Approach")
        True
        >>> has_subtitle("Tomb Raider: Legend")
        True
        >>> has_subtitle("Photo: A Sunset Over The Sea")
        False
    """
    if ":" not in text:
        return False
    for match in _SUBTITLE.finditer(text):
        words = _BREAK.split(text[: match.start()])[-1].split()
        if words and words[0][:1].isupper() and words[-1].lower() not in FIELD_NAMES:
            return True
    colon = text.find(":")
    while colon >= 0:
        after, colon = text[colon + 1 :], text.find(":", colon + 1)
        rest = after.lstrip()
        if rest is after or not rest[:1].isupper():  # no space after the colon, or lower case
            continue
        segment = _BREAK.split(rest, maxsplit=1)[0]
        if not _title_case([w for w in segment.split() if w[:1].isalnum()]):
            continue  # most captions: cheaper than the word regex
        subtitle = WORD.findall(segment)
        if not subtitle or len(subtitle) > _SHORT_SUBTITLE or not _title_case(subtitle):
            continue
        title = WORD.findall(_BREAK.split(text[: len(text) - len(after) - 1])[-1])
        if (
            title
            and title[0][:1].isupper()
            and title[-1].lower() not in FIELD_NAMES
            and _title_case(title)
            and not all(w.isupper() for w in subtitle if len(w) > 1)
        ):
            return True
    return False


def _title_case(words: list[str]) -> bool:
    """Whether every word is capitalized or a function word ("Politics and Policy")."""
    return all(w[:1].isupper() or w.lower() in FUNCTION_WORDS for w in words)
