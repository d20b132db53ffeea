"""Caption clean-up and tokenization: one compiled regex, no NLTK data.

Web alt-text carries debris: HTML entities (``&amp;``), URLs, file names (``IMG_0042.JPG``),
tags, e-mail addresses, "stock photo" / "royalty free". :func:`clean_caption` removes them;
:func:`tokenize` then lowercases and splits into word tokens (letters, with inner apostrophes
and hyphens: ``dog's``, ``t-shirt``) and digit runs. Everything else (punctuation, emoji,
symbols) separates tokens.

Example:
    >>> tokenize("Two dogs&amp;a T-shirt at http://x.com/a.jpg")
    ['two', 'dogs', 'a', 't-shirt', 'at']
"""

from __future__ import annotations

import html
import re

__all__ = ["clean_caption", "tokenize"]

# Letters (any script) with inner apostrophes/hyphens, or a run of digits.
_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|\d+")
# URLs, e-mail addresses, file names with an image/web extension, HTML tags, stock-photo text.
_DEBRIS_PATTERN = (
    r"(?:https?://|www\.)\S*"
    r"|\S+@\S+\.\w+"
    r"|\S+\.(?:jpe?g|png|gif|webp|bmp|tiff?|svg|html?|php|aspx?)\b"
    r"|<[^>]{0,200}>"
    r"|\bstock (?:photo|image|picture|footage|illustration|vector)s?\b|\broyalty[- ]free\b"
)
_DEBRIS = re.compile(_DEBRIS_PATTERN, re.IGNORECASE)
_DEBRIS_LOWER = re.compile(_DEBRIS_PATTERN)
# A cheap pre-check (most captions have no debris): literal alternatives only.
_DEBRIS_HINT = re.compile(
    r"://|www\.|@|<|stock|royalty|\.(?:jp|png|gif|webp|bmp|tif|svg|htm|php|asp)"
)


def clean_caption(caption: str) -> str:
    """Unescape HTML entities and blank out URLs, e-mail addresses, file names and tags.

    Args:
        caption: Raw caption or alt-text.

    Returns:
        The caption with debris replaced by spaces (same case).

    Example:
        >>> clean_caption("cat &amp; dog <b>photo</b> IMG_1.JPG")
        'cat & dog  photo   '
    """
    if "&" in caption:
        caption = html.unescape(caption)
    if _DEBRIS_HINT.search(caption.lower()) is not None:
        caption = _DEBRIS.sub(" ", caption)
    return caption


def tokenize(caption: str) -> list[str]:
    """Clean, lowercase and split a caption into word and number tokens.

    Args:
        caption: Raw caption or alt-text.

    Returns:
        Lowercase tokens in caption order.

    Example:
        >>> tokenize("A man's red-and-white kite, 2 kites!")
        ['a', "man's", 'red-and-white', 'kite', '2', 'kites']
    """
    text = caption.lower()
    if "&" in text:
        text = html.unescape(text).lower()
    if _DEBRIS_HINT.search(text) is not None:
        text = _DEBRIS_LOWER.sub(" ", text)
    return _TOKEN.findall(text)
