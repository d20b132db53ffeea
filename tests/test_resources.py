"""catlip.resources, `catlip download` and catlip.wordnet's NLTK reader: loading, fetching."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
import torch

import catlip
import catlip.wordnet._nltk as nltk_wordnet
from catlip import resources
from catlip.errors import CatlipError, MissingResourceError, ResourceVersionError
from catlip.wordnet import WORDNET_VERSION, reader

# Offsets of a few noun synsets and their names in WordNet 3.0 (tench = ImageNet's n01440764).
KNOWN = {
    1440764: "tench.n.01",
    2084071: "dog.n.01",
    7942152: "people.n.01",
    2958343: "car.n.01",
    4256520: "sofa.n.01",
}


def _run(
    code: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides)
    return env


@pytest.fixture
def empty_nltk_data(tmp_path: Path) -> dict[str, str]:
    """An environment whose NLTK search path holds nothing (HOME too, so ~/nltk_data is empty)."""
    data = tmp_path / "nltk_data"
    data.mkdir(mode=0o700)
    return _env(NLTK_DATA=str(data), HOME=str(tmp_path))


def test_wordnet_is_version_3_and_offsets_are_wnids() -> None:
    wn = reader()
    assert wn.get_version() == WORDNET_VERSION == resources.WORDNET_VERSION == "3.0"
    for offset, name in KNOWN.items():
        assert wn.synset_from_pos_and_offset("n", offset).name() == name
    assert reader() is wn  # loaded once per process


def test_resources_wordnet_is_deprecated_and_returns_the_same_reader() -> None:
    with pytest.warns(DeprecationWarning, match=r"catlip\.wordnet\.reader\(\)"):
        assert resources.wordnet() is reader()


def test_pos_tagger_tags_penn_treebank() -> None:
    assert resources.pos_tagger().tag(["the", "dog", "runs", "fast"])[:3] == [
        ("the", "DT"),
        ("dog", "NN"),
        ("runs", "VBZ"),
    ]


_NO_WORDNET_ON_NLTK_PATH = (
    "import os, nltk.data\n"
    "for entry in nltk.data.path:\n"
    "    for name in ('corpora/wordnet', 'corpora/wordnet.zip'):\n"
    "        assert not os.path.exists(os.path.join(entry, name)), (entry, name)\n"
    "try:\n"
    "    nltk.data.find('corpora/wordnet')\n"
    "    raise SystemExit('NLTK found a WordNet')\n"
    "except LookupError:\n"
    "    pass\n"
)


@pytest.mark.parametrize("nltk_data", ["empty", "unset"])
def test_wordnet_ships_with_catlip(tmp_path: Path, nltk_data: str) -> None:
    env = _env(HOME=str(tmp_path))
    if nltk_data == "empty":
        (tmp_path / "nltk_data").mkdir(mode=0o700)
        env["NLTK_DATA"] = str(tmp_path / "nltk_data")
    else:
        env.pop("NLTK_DATA", None)
    code = _NO_WORDNET_ON_NLTK_PATH + (
        "from catlip.text import SynsetExtractor, extract_synsets\n"
        "from catlip.wordnet import reader, synset_names\n"
        "labels = extract_synsets('Two dogs near a fire hydrant')\n"
        "print(labels, synset_names(labels), SynsetExtractor()('a cat'))\n"
        "print(reader().synset('dog.n.01').offset(), reader().get_version())\n"
    )
    result = _run(code, env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "['n02084071', 'n03346898'] ('dog.n.01', 'fireplug.n.01') ['n02121620']",
        "2084071 3.0",
    ]


def test_a_wordnet_in_nltk_data_is_ignored(tmp_path: Path) -> None:
    other = tmp_path / "nltk_data" / "corpora" / "wordnet"
    other.mkdir(parents=True)
    header = b"  1 This software and database is being provided to you, the LICENSEE, by\n"
    (other / "data.noun").write_bytes(header + b"  2 WordNet 3.1 Copyright 2011 by Princeton.\n")
    code = (
        "from catlip.text import extract_synsets\nfrom catlip.wordnet import reader\n"
        "print(extract_synsets('a dog'), reader().get_version())\n"
    )
    result = _run(code, _env(NLTK_DATA=str(tmp_path / "nltk_data"), HOME=str(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['n02084071'] 3.0"


def test_missing_tagger_names_the_fix(empty_nltk_data: dict[str, str]) -> None:
    result = _run("from catlip.resources import pos_tagger; pos_tagger()", empty_nltk_data)
    assert result.returncode != 0
    assert "averaged_perceptron_tagger_eng" in result.stderr
    assert "catlip download" in result.stderr


def test_missing_resource_error_is_catchable_as_catlip_and_lookup_error() -> None:
    assert issubclass(MissingResourceError, CatlipError)
    assert issubclass(MissingResourceError, LookupError)


def test_wrong_wordnet_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeReader:
        def get_version(self) -> str:
            return "3.1"

    monkeypatch.setattr(nltk_wordnet, "_reader", None)
    monkeypatch.setattr(nltk_wordnet, "_make_reader", lambda: FakeReader())
    with pytest.raises(ResourceVersionError, match=r"WordNet 3\.0.*says version 3\.1"):
        reader()
    assert nltk_wordnet._reader is None  # nothing half-loaded is kept


def test_lookups_are_thread_safe() -> None:
    wn = reader()
    offsets = sorted(wn._lemma_pos_offset_map["dog"]["n"] + wn._lemma_pos_offset_map["cat"]["n"])
    names = {off: wn.synset_from_pos_and_offset("n", off).name() for off in offsets}
    wn._synset_offset_cache.clear()  # force file reads from every thread at once
    errors: list[str] = []

    def work() -> None:
        for _ in range(20):
            for off in offsets:
                try:
                    got = wn.synset_from_pos_and_offset("n", off).name()
                except Exception as exc:  # a torn read raises inside NLTK's parser
                    got = repr(exc)
                if got != names[off]:
                    errors.append(f"{off}: {got} != {names[off]}")
            wn._synset_offset_cache["n"].clear()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []


def _names_in_worker(offsets: list[int]) -> list[str]:
    wn = reader()
    names = []
    for off in offsets:
        wn._synset_offset_cache.clear()  # every lookup reads the data file
        names.append(wn.synset_from_pos_and_offset("n", off).name())
    return names


@pytest.mark.skipif(sys.platform == "win32", reason="fork is POSIX-only")
def test_forked_workers_reuse_the_parent_reader_safely() -> None:
    # Loaded in the parent, with the noun data file open: children inherit the open file.
    assert _names_in_worker(list(KNOWN)) == list(KNOWN.values())
    offsets = list(KNOWN) * 400
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map(_names_in_worker, [offsets] * 4, chunksize=1)
    assert all(r == [KNOWN[o] for o in offsets] for r in results)


class _SynsetNames(torch.utils.data.Dataset[str]):
    def __init__(self, offsets: list[int]) -> None:
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.offsets)

    def __getitem__(self, i: int) -> str:
        return str(reader().synset_from_pos_and_offset("n", self.offsets[i]).name())


def test_spawned_dataloader_workers_load_wordnet_themselves() -> None:
    offsets = list(KNOWN) * 4
    main = [_SynsetNames(offsets)[i] for i in range(len(offsets))]
    loader = torch.utils.data.DataLoader(
        _SynsetNames(offsets),
        batch_size=4,
        num_workers=2,
        multiprocessing_context="spawn",
        collate_fn=list,
    )
    from_workers = [name for batch in loader for name in batch]
    assert from_workers == main


def test_import_catlip_loads_no_nltk_and_no_torch() -> None:
    result = _run("import catlip", _env(), cwd=Path("/"))
    assert result.returncode == 0
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import catlip"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "catlip" in imported
    assert not {m for m in imported if m.split(".")[0] in {"nltk", "torch"}}


@pytest.mark.parametrize(
    "module", ["catlip.text", "catlip.vocab", "catlip.losses", "catlip.heads", "catlip.transfer"]
)
def test_importing_a_module_loads_no_nltk_data(module: str) -> None:
    code = (
        f"import {module}, catlip.resources as r\n"
        "import catlip.wordnet._nltk as n, catlip.wordnet.db as d\n"
        "assert n._reader is None and d._db is None and r._tagger is None\n"
    )
    result = _run(code, _env())
    assert result.returncode == 0, result.stderr


def _fake_package_server(root: Path) -> str:
    """A local NLTK download index serving tiny stand-ins for catlip's packages."""
    root.mkdir(mode=0o700)
    entries = []
    for resource in resources.PACKAGES:
        subdir, name = resource.path.split("/")
        archive = root / f"{name}.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr(f"{name}/README", f"stand-in for {name}\n")
        md5 = hashlib.md5(archive.read_bytes()).hexdigest()
        with zipfile.ZipFile(archive) as zf:
            unzipped = sum(info.file_size for info in zf.infolist())
        entries.append(
            f'<package id="{resource.package}" name="{name}" checksum="{md5}" '
            f'size="{archive.stat().st_size}" unzipped_size="{unzipped}" url="file://{archive}" '
            f'subdir="{subdir}" unzip="1" />'
        )
    index = root / "index.xml"
    index.write_text(
        '<?xml version="1.0"?>\n<nltk_data><packages>\n'
        + "\n".join(entries)
        + "\n</packages><collections></collections></nltk_data>\n"
    )
    return f"file://{index}"


def test_download_installs_missing_packages_then_is_a_no_op(tmp_path: Path) -> None:
    target = tmp_path / "nltk_data"
    target.mkdir(mode=0o700)
    url = _fake_package_server(tmp_path / "server")
    env = _env(NLTK_DATA=f"{target}{os.pathsep}{tmp_path / 'server'}", HOME=str(tmp_path))
    cmd = [sys.executable, "-m", "catlip", "download", "--dir", str(target), "--index-url", url]

    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "downloaded averaged_perceptron_tagger_eng" in first.stderr
    assert not (target / "corpora").exists()  # WordNet ships with catlip
    assert (target / "taggers" / "averaged_perceptron_tagger_eng" / "README").is_file()
    assert not [p for p in target.iterdir() if p.name.startswith(".catlip-download-")]

    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0
    assert "already installed" in second.stderr


def test_download_offline_fails_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "nltk_data"
    target.mkdir(mode=0o700)
    env = _env(NLTK_DATA=str(target), HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "catlip", "download", "--dir", str(target),
         "--index-url", "http://127.0.0.1:9/index.xml"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "catlip download: error: could not download NLTK package 'averaged_perceptron_tagger_eng'"
    )
    assert list(target.iterdir()) == []


def test_download_is_a_no_op_when_everything_is_on_the_search_path() -> None:
    assert resources.download() == []


def test_cli_version_and_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "catlip", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == f"catlip {catlip.__version__}"
    result = subprocess.run(
        [sys.executable, "-m", "catlip", "download", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "example:" in result.stdout
