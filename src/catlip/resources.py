"""The NLTK data catlip needs: finding it, loading it once per process, downloading it.

catlip reads two NLTK resources:

- **WordNet 3.0** (package ``wordnet``): synset ids are ``n`` + the 8-digit data-file offset
  (``n01440764``, the ImageNet wnid form), and offsets differ between WordNet versions, so no other
  version is accepted.
- **The English averaged-perceptron POS tagger** (package ``averaged_perceptron_tagger_eng``), used
  only by extractors that ask for POS tagging.

They are found through NLTK's normal search path (the ``NLTK_DATA`` environment variable, then
``nltk.data.path``) and loaded lazily, once per process, on first use. Library code never downloads
anything: on a cluster every rank would race to write the same files. Run ``catlip download`` once
instead, or point ``NLTK_DATA`` at an existing ``nltk_data`` directory.

The loaded objects are safe to use from threads, from forked DataLoader workers (file handles are
reopened in the child) and from spawned workers (which load their own copy on first use).

Example:
    >>> from catlip.resources import wordnet
    >>> wordnet().synset("tench.n.01").offset()
    1440764
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catlip.errors import DownloadError, MissingResourceError, ResourceVersionError

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

WORDNET_VERSION = "3.0"
"""The only WordNet version catlip accepts (its offsets are the ImageNet wnids)."""


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


WORDNET = Resource("wordnet", "corpora/wordnet", "WordNet 3.0 (nouns, synsets, lemmas)")
TAGGER = Resource(
    "averaged_perceptron_tagger_eng",
    "taggers/averaged_perceptron_tagger_eng",
    "NLTK's English perceptron POS tagger",
)
PACKAGES: tuple[Resource, ...] = (WORDNET, TAGGER)
"""Every NLTK package catlip can use; ``catlip download`` fetches exactly these."""

_lock = threading.RLock()
_wordnet: WordNetCorpusReader | None = None
_tagger: PerceptronTagger | None = None
_fork_hook_registered = False


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
        >>> from catlip.resources import WORDNET, find_resource
        >>> find_resource(WORDNET).endswith("wordnet")
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


def _find_unzipped(resource: Resource) -> Path | None:
    """Where ``nltk.data.find`` finds ``resource`` when an ``NLTK_DATA`` folder has it unzipped.

    ``NLTK_DATA``'s folders come first in NLTK's search, so the first one holding the resource as
    a folder is NLTK's answer too; this spares importing nltk (a quarter of a second) on the
    usual set-up. ``None`` (ask NLTK): nltk is already imported (its search path may have been
    changed), an entry is a file (NLTK reads zip files as folders), the resource is not a folder,
    or no ``NLTK_DATA`` folder has it.
    """
    if "nltk" in sys.modules:
        return None
    for entry in os.environ.get("NLTK_DATA", "").split(os.pathsep):
        folder = Path(os.path.expanduser(entry))
        if not entry or not folder.exists():
            continue  # NLTK skips these too
        if not folder.is_dir():
            return None
        candidate = folder / resource.path
        if candidate.exists():
            return candidate if candidate.is_dir() else None
    return None


def _reopen_files_after_fork() -> None:
    # A forked child shares open file descriptions (and so their read offsets) with its parent;
    # WordNet reads synsets by seek + readline, so the child must use handles of its own.
    reader = _wordnet
    if reader is not None:
        reader._data_file_map = {}
        reader._key_count_file = None
        reader._catlip_lock = threading.RLock()


def _make_reader(root: Any) -> WordNetCorpusReader:
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class _LockedWordNet(WordNetCorpusReader):  # type: ignore[misc]
        """WordNet whose file reads are serialized (seek + readline is not thread-safe)."""

        _catlip_lock = threading.RLock()

        def synset_from_pos_and_offset(self, pos: str, offset: int) -> Any:
            with self._catlip_lock:
                return super().synset_from_pos_and_offset(pos, offset)

        def lemma_count(self, lemma: Any) -> int:
            with self._catlip_lock:
                return int(super().lemma_count(lemma))

        def get_version(self) -> str:
            with self._catlip_lock:
                return str(super().get_version())

        def map_wn(self, version: str = "wordnet") -> None:
            # NLTK maps other WordNet versions' sense keys onto this one for its multilingual
            # (OMW) functions, which catlip never uses; skipping it halves the load time.
            return None

    with warnings.catch_warnings():
        # catlip does not use the multilingual (OMW) functions, so NLTK's warning is noise.
        warnings.filterwarnings("ignore", message=".*multilingual functions.*")
        reader = _LockedWordNet(root, None)
    reader._catlip_lock = threading.RLock()
    return reader


def _check_version(version: str | None, root: Any) -> None:
    if version != WORDNET_VERSION:
        raise ResourceVersionError(
            f"catlip needs WordNet {WORDNET_VERSION} (its offsets are the ImageNet wnids), "
            f"but found version {version} at {root}: {_fix_message(WORDNET)}, and make "
            "sure no other WordNet comes first in NLTK_DATA."
        )


def wordnet() -> WordNetCorpusReader:
    """Return the process-wide WordNet 3.0 reader, loading it on first use (about 1 s).

    Labelling captions does not need it (:mod:`catlip.text.wndb` reads the few files the
    extractor uses); synset objects, names and similarities do.

    Returns:
        NLTK's ``WordNetCorpusReader``, with synset lookups serialized by a lock.

    Raises:
        MissingResourceError: WordNet is not installed where NLTK looks.
        ResourceVersionError: The installed WordNet is not version 3.0.

    Example:
        >>> from catlip.resources import wordnet
        >>> wordnet().get_version()
        '3.0'
    """
    global _wordnet, _fork_hook_registered
    reader = _wordnet
    if reader is not None:
        return reader
    with _lock:
        if _wordnet is None:
            root = _find(WORDNET)
            try:
                candidate = _make_reader(root)
                version = candidate.get_version()
            except (OSError, ValueError, AssertionError) as exc:
                raise MissingResourceError(
                    f"the WordNet data at {root} is incomplete or corrupt ({exc}): "
                    f"{_fix_message(WORDNET)}."
                ) from exc
            _check_version(version, root)
            if not _fork_hook_registered and hasattr(os, "register_at_fork"):
                os.register_at_fork(after_in_child=_reopen_files_after_fork)
                _fork_hook_registered = True
            _wordnet = candidate
        return _wordnet


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
        MissingResourceError: A resource is not installed.
        ResourceVersionError: WordNet is not version 3.0.

    Example:
        >>> from catlip.resources import check_resources
        >>> check_resources()
    """
    wordnet()
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
