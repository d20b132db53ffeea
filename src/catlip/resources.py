"""The NLTK data catlip needs: finding it, loading it once per process, downloading it.

WordNet 3.0 ships inside catlip (:mod:`catlip.wordnet`), so the only NLTK data package left is
**the English averaged-perceptron POS tagger** (``averaged_perceptron_tagger_eng``), used only by
extractors that ask for POS tagging (``SynsetExtractor(pos="tagger")``) and by the paper's
reference labeller.

It is found through NLTK's normal search path (the ``NLTK_DATA`` environment variable, then
``nltk.data.path``) and loaded lazily, once per process, on first use. Library code never
downloads anything: on a cluster every rank would race to write the same files. Run
``catlip download`` once instead, or point ``NLTK_DATA`` at an existing ``nltk_data`` directory.

:func:`wordnet` and ``WORDNET_VERSION`` are kept for catlip 0.1's callers;
:func:`catlip.wordnet.reader` and :data:`catlip.wordnet.WORDNET_VERSION` are their home now.

Example:
    >>> from catlip.resources import pos_tagger
    >>> pos_tagger().tag(["a", "dog"])
    [('a', 'DT'), ('dog', 'NN')]
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catlip.errors import DownloadError, MissingResourceError
from catlip.wordnet import WORDNET_VERSION, reader

if TYPE_CHECKING:
    from nltk.corpus.reader.wordnet import WordNetCorpusReader
    from nltk.tag.perceptron import PerceptronTagger

__all__ = [
    "PACKAGES",
    "WORDNET_VERSION",
    "Resource",
    "check_resources",
    "download",
    "find_resource",
    "pos_tagger",
    "wordnet",
]


@dataclass(frozen=True)
class Resource:
    """One NLTK data package catlip uses.

    Attributes:
        package: The NLTK downloader's package id (what ``nltk.download`` takes).
        path: The resource path ``nltk.data.find`` resolves (a folder, or the same + ``.zip``).
        description: What catlip uses it for, for messages.
    """

    package: str
    path: str
    description: str


TAGGER = Resource(
    "averaged_perceptron_tagger_eng",
    "taggers/averaged_perceptron_tagger_eng",
    "NLTK's English perceptron POS tagger",
)
PACKAGES: tuple[Resource, ...] = (TAGGER,)
"""Every NLTK package catlip can use; ``catlip download`` fetches exactly these. (WordNet is not
one: it ships inside catlip.)"""

_lock = threading.RLock()
_tagger: PerceptronTagger | None = None


def _fix_message(resource: Resource) -> str:
    return (
        f"install it with `catlip download` (or `python -m nltk.downloader {resource.package}`), "
        "or set NLTK_DATA to an nltk_data directory that has it"
    )


def find_resource(resource: Resource) -> str:
    """Return where NLTK finds ``resource``, or raise :class:`~catlip.errors.MissingResourceError`.

    Args:
        resource: One of :data:`PACKAGES`.

    Returns:
        The path (a folder, or a path inside a zip file) as NLTK reports it.

    Raises:
        MissingResourceError: NLTK's search path does not hold the resource. The message lists the
            folders searched and the command that installs it.

    Example:
        >>> from catlip.resources import TAGGER, find_resource
        >>> find_resource(TAGGER).endswith("averaged_perceptron_tagger_eng")
        True
    """
    return str(_find(resource))


def _find(resource: Resource) -> Any:
    import nltk.data

    try:
        return nltk.data.find(resource.path)
    except LookupError:
        searched = ", ".join(str(p) for p in nltk.data.path) or "(nothing)"
        raise MissingResourceError(
            f"catlip needs {resource.description} (NLTK package '{resource.package}'), "
            f"which is not in NLTK's search path [{searched}]: {_fix_message(resource)}."
        ) from None


def wordnet() -> WordNetCorpusReader:
    """Return catlip's WordNet 3.0 reader. Deprecated: use :func:`catlip.wordnet.reader`.

    The reader reads the WordNet that ships inside catlip, never ``NLTK_DATA``.

    Example:
        >>> from catlip.wordnet import reader
        >>> reader().get_version()
        '3.0'
    """
    warnings.warn(
        "catlip.resources.wordnet() is deprecated: use catlip.wordnet.reader() (the same reader)",
        DeprecationWarning,
        stacklevel=2,
    )
    return reader()


def pos_tagger() -> PerceptronTagger:
    """Return the process-wide English perceptron POS tagger, loading it on first use.

    Returns:
        NLTK's ``PerceptronTagger`` (Penn Treebank tags).

    Raises:
        MissingResourceError: The tagger is not installed where NLTK looks.

    Example:
        >>> from catlip.resources import pos_tagger
        >>> pos_tagger().tag(["a", "dog"])
        [('a', 'DT'), ('dog', 'NN')]
    """
    global _tagger
    tagger = _tagger
    if tagger is not None:
        return tagger
    with _lock:
        if _tagger is None:
            find_resource(TAGGER)
            from nltk.tag.perceptron import PerceptronTagger

            try:
                _tagger = PerceptronTagger(lang="eng")
            except (LookupError, OSError, ValueError) as exc:
                raise MissingResourceError(
                    f"could not load {TAGGER.description} ({exc}): {_fix_message(TAGGER)}."
                ) from exc
        return _tagger


def check_resources(*, tagger: bool = False) -> None:
    """Load what catlip needs now, so a missing resource fails before any worker starts.

    Call this in the main process before starting DataLoader workers or a pool: the error then
    comes once, early, instead of from every worker.

    Args:
        tagger: Also load the POS tagger.

    Raises:
        MissingResourceError: The tagger is not installed (with ``tagger=True``), or catlip's
            bundled WordNet is damaged.

    Example:
        >>> from catlip.resources import check_resources
        >>> check_resources()
    """
    from catlip.wordnet.db import wordnet_db

    wordnet_db()
    if tagger:
        pos_tagger()


def _installed(resource: Resource, directory: Path | None) -> bool:
    if directory is None:
        try:
            find_resource(resource)
        except MissingResourceError:
            return False
        return True
    base = directory / resource.path
    return base.is_dir() or base.with_name(base.name + ".zip").is_file()


def download(
    *,
    directory: str | os.PathLike[str] | None = None,
    packages: Sequence[Resource] = PACKAGES,
    index_url: str | None = None,
) -> list[str]:
    """Download the NLTK packages catlip needs; a no-op for those already installed.

    Each package is fetched into a temporary folder inside ``directory`` and moved into place only
    once complete, so an interrupted or failed download leaves nothing half-written.

    Args:
        directory: The nltk_data folder to install into. ``None``: check NLTK's whole search path,
            and install into NLTK's default download folder.
        packages: Which packages (default: all of :data:`PACKAGES`).
        index_url: The NLTK data index to download from (default: NLTK's own).

    Returns:
        The package ids actually downloaded (empty when everything was present).

    Raises:
        DownloadError: A package could not be fetched (offline, or the server refused).

    Example:
        >>> from catlip.resources import download
        >>> download()  # everything already installed: nothing to do
        []
    """
    target = Path(directory) if directory is not None else None
    missing = [r for r in packages if not _installed(r, target)]
    if not missing:
        return []

    from nltk.downloader import Downloader

    downloader = Downloader(server_index_url=index_url) if index_url else Downloader()
    if target is None:
        target = Path(downloader.default_download_dir())
    target.mkdir(parents=True, exist_ok=True)
    done: list[str] = []
    for resource in missing:
        staging = Path(tempfile.mkdtemp(prefix=".catlip-download-", dir=target))
        try:
            os.chmod(staging, 0o700)
            try:
                # NLTK prints its own multi-line progress and errors; catlip reports one line.
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                    warnings.simplefilter("ignore")
                    ok = downloader.download(
                        resource.package,
                        download_dir=str(staging),
                        quiet=True,
                        raise_on_error=True,
                        print_error_to=io.StringIO(),
                    )
            except (OSError, ValueError) as exc:
                raise DownloadError(
                    f"could not download NLTK package '{resource.package}': {_one_line(exc)}. "
                    "If this machine is offline, copy an nltk_data folder that has it from a "
                    "machine that is online and set NLTK_DATA to it."
                ) from None
            if not ok:
                raise DownloadError(f"the NLTK downloader failed to fetch '{resource.package}'.")
            _move_into_place(staging, target)
            done.append(resource.package)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return done


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _move_into_place(staging: Path, target: Path) -> None:
    for category in staging.iterdir():
        for item in category.iterdir():
            destination = target / category.name / item.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            if destination.is_dir():
                shutil.rmtree(destination)
            os.replace(item, destination)
