"""The exceptions catlip raises.

Every error catlip raises on purpose derives from :class:`CatlipError`, so a trainer can catch
them all in one place. Messages name the problem *and* the fix.

Bad argument types still raise :class:`TypeError` and bad argument values :class:`ValueError`
(Python's conventions); :class:`CatlipError` subclasses that are also about values derive from
:class:`ValueError` too, so both ``except`` clauses work.
"""

from __future__ import annotations

import signal

__all__ = [
    "CatlipError",
    "CheckpointError",
    "DownloadError",
    "InputFormatError",
    "LabelResolutionError",
    "MissingResourceError",
    "OutputPathError",
    "ResourceVersionError",
    "VocabularyFileError",
    "VocabularyMismatchError",
    "WorkerError",
]


class CatlipError(Exception):
    """Base class of every error catlip raises on purpose."""


class CheckpointError(CatlipError, ValueError):
    """A model checkpoint cannot be read, or its keys or shapes are not the expected model's.

    The message names the offending keys (unknown, missing, or of the wrong shape).
    """


class MissingResourceError(CatlipError, LookupError):
    """An NLTK resource catlip needs (WordNet, the POS tagger) is not installed.

    The message names the resource, where NLTK looked, and the command that installs it.
    """


class ResourceVersionError(CatlipError):
    """An installed NLTK resource has the wrong version (catlip needs WordNet 3.0)."""


class DownloadError(CatlipError):
    """``catlip download`` could not fetch a resource (offline, or the server refused)."""


class VocabularyFileError(CatlipError, ValueError):
    """A vocabulary, counts or label file (or a CoreNet pickle) is missing, corrupt or unknown."""


class VocabularyMismatchError(CatlipError, ValueError):
    """A vocabulary was built with other extractor settings or WordNet version than the caller's."""


class InputFormatError(CatlipError, ValueError):
    """A caption input file has bad records (and ``strict`` was asked for), or an unknown format."""


class OutputPathError(CatlipError, ValueError):
    """An output path would destroy an input, is a folder, or names another format.

    Raised before any work: ``catlip vocab build caps.txt -o caps.txt`` must not turn the
    captions into a vocabulary.
    """


class LabelResolutionError(CatlipError, ValueError):
    """Downstream labels cannot be resolved as asked (for example ``unmatched="error"``)."""


class WorkerError(CatlipError, RuntimeError):
    """A worker process died (killed, or out of memory) or failed; the message says how."""


# Not exported: the wording of catlip._engine's errors for worker processes that died.
WORKER_FIX = "run again with fewer workers (-j, num_workers), or with more memory free"


def worker_died(what: str, exitcode: int | None, fix: str = WORKER_FIX) -> WorkerError:
    """The error for a worker process that died: what died, how, and ``fix``.

    Args:
        what: The worker, e.g. ``"a counting process"``.
        exitcode: Its exit code (negative: killed by that signal; ``None``: unknown).
        fix: What to do about it.

    Example:
        >>> print(worker_died("a worker", -9, "use fewer workers"))
        a worker died (killed by SIGKILL, as the out-of-memory killer does): use fewer workers
    """
    if exitcode is None:
        how = "exit status unknown"
    elif exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        how = f"killed by {name}"
        if exitcode == -getattr(signal, "SIGKILL", 9):
            how += ", as the out-of-memory killer does"
    else:
        how = f"exit code {exitcode}"
    return WorkerError(f"{what} died ({how}): {fix}")
