"""catlip.wordnet: the bundled WordNet 3.0, read directly, agrees with NLTK's reader everywhere."""

from __future__ import annotations

import gzip
import importlib.resources
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import catlip.wordnet
from catlip.errors import MissingResourceError
from catlip.text.lexicon import FUNCTION_WORDS, Lexicon, LexiconOptions
from catlip.wordnet import _bundle, nounfacts, reader, synset_name, synset_names, synset_offset
from catlip.wordnet.db import WordNetDB, wordnet_db
from catlip.wordnet.senseindex import SenseIndex, get_sense_index

SHARED_WORDNET = Path(__file__).resolve().parents[2] / "shared/nltk_data/corpora/wordnet"


@pytest.fixture(scope="module")
def db() -> WordNetDB:
    return wordnet_db()


def test_morphy_is_nltks_on_every_lemma_exception_and_caption_word(
    db: WordNetDB, flickr_captions: list[str]
) -> None:
    wn = reader()
    forms = set(wn._lemma_pos_offset_map)
    for pos in "nvar":
        forms.update(wn._exception_map[pos])
    for caption in flickr_captions:
        forms.update(re.findall(r"[a-z'-]+", caption.lower()))
    assert len(forms) > 150_000
    wrong = [(f, p) for f in sorted(forms) for p in "nvar" if db.morphy(f, p) != wn._morphy(f, p)]
    assert wrong == []


def test_the_shipped_noun_facts_are_the_bundles(db: WordNetDB) -> None:
    computed = WordNetDB(_bundle.read).noun_facts()  # read from data.noun and index.noun
    assert db.noun_facts() == computed == nounfacts.load_noun_facts()
    assert len(computed.instances) == 7730 and len(computed.compound_starts) == 18460


def test_writing_the_noun_facts_reproduces_the_shipped_file(db: WordNetDB, tmp_path: Path) -> None:
    target = tmp_path / nounfacts.FACTS_FILE
    nounfacts.write_noun_facts(db.noun_facts(), target)
    shipped = importlib.resources.files("catlip") / "data" / nounfacts.FACTS_FILE
    assert target.read_bytes() == shipped.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == [nounfacts.FACTS_FILE]  # no temporary left


def test_damaged_noun_facts_are_refused_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    monkeypatch.setattr(nounfacts.importlib.resources, "files", lambda package: tmp_path)
    for content in (None, b"not gzip", gzip.compress(b"# another header\n1 2\nfire")):
        target = tmp_path / "data" / nounfacts.FACTS_FILE
        if content is not None:
            target.write_bytes(content)
        with pytest.raises(MissingResourceError, match="reinstall catlip"):
            nounfacts.load_noun_facts()


def test_noun_synsets_read_like_nltks(db: WordNetDB) -> None:
    wn = reader()
    offsets = [int(o) for o in re.findall(rb"^(\d{8}) ", db._data_noun, re.MULTILINE)]
    assert len(offsets) == 82_115  # every noun synset of WordNet 3.0
    for offset in offsets[::7]:
        synset = wn.synset_from_pos_and_offset("n", offset)
        assert db.noun_words(offset) == [lemma.name() for lemma in synset.lemmas()]
        assert db.is_instance(offset) == bool(synset.instance_hypernyms())


def test_pointer_reads_agree_with_a_full_parse_of_every_noun_synset(db: WordNetDB) -> None:
    # is_instance() only scans the part before the gloss; hypernyms() splits bytes.
    offsets = [int(o) for o in re.findall(rb"^(\d{8}) ", db._data_noun, re.MULTILINE)]
    for offset in offsets:
        fields = db._data_noun[offset : db._data_noun.find(b"\n", offset)].decode().split(" ")
        start = 5 + 2 * int(fields[3], 16)
        pointers = [fields[k : k + 2] for k in range(start, start + 4 * int(fields[start - 1]), 4)]
        assert db.is_instance(offset) == any(symbol == "@i" for symbol, _ in pointers), offset
        assert db.hypernyms(offset) == [int(o) for s, o in pointers if s in ("@", "@i")], offset


def test_sense_index_skips_the_search_only_for_words_it_lacks(db: WordNetDB) -> None:
    searched = SenseIndex(_bundle.read("index.sense").decode("utf-8"), list(db.lexnames))
    index = get_sense_index()
    lemmas = set().union(*(db._lemmas[pos] for pos in "nvar"))
    words = [*sorted(lemmas)[::3], "peugeot", "dog_", "dogs", "", "zzz"]
    assert [index._entry(w) for w in words] == [searched._entry(w) for w in words]
    assert all(db.is_lemma(w) == (w in lemmas) for w in words)


def test_synset_names_are_nltks_for_every_noun_synset() -> None:
    # The one naming function (vocabularies, label files, transfer reports) against NLTK's own
    # Synset.name(), and back, on all 82,115 noun synsets.
    synsets = list(reader().all_synsets("n"))
    assert len(synsets) == 82_115
    wrong = [s for s in synsets if synset_name(s.offset()) != s.name()]
    assert wrong == []
    assert all(synset_offset(s.name()) == s.offset() for s in synsets)
    wnids = [f"n{s.offset():08d}" for s in synsets[::97]]
    assert synset_names([*wnids, "n00000001", "dog"]) == (
        *(s.name() for s in synsets[::97]),
        "?",
        "?",
    )


def test_nltks_reader_reads_the_bundle() -> None:
    wn = reader()
    assert wn.synset("dog.n.01").offset() == 2084071
    assert wn.lemma("dog.n.01.dog").count() == 42  # cntlist.rev
    assert wn.lemma_from_key("dog%1:05:00::").synset().name() == "dog.n.01"  # index.sense
    assert wn.synset("run.v.01").frame_ids()  # verb frames come from data.verb
    assert "Princeton" in wn.license()
    assert type(wn).__mro__[1].__name__ == "WordNetCorpusReader"
    assert catlip.wordnet.synset("n02084071") is wn.synset("dog.n.01")


def test_the_bundle_holds_wordnet_3_0_byte_for_byte() -> None:
    if not SHARED_WORDNET.is_dir():
        pytest.skip("no ../shared/nltk_data beside the checkout")
    for name in _bundle.MEMBERS:
        source = SHARED_WORDNET / ("LICENSE.debian-copyright" if name == "LICENSE" else name)
        assert _bundle.read(name) == source.read_bytes(), name
    beside = Path(catlip.wordnet.__file__).parents[1] / "data" / "WORDNET-LICENSE"
    assert beside.read_bytes() == _bundle.read("LICENSE")
    with zipfile.ZipFile(Path(catlip.wordnet.__file__).parents[1] / "data" / _bundle.ARCHIVE) as z:
        assert tuple(z.namelist()) == _bundle.MEMBERS
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}  # reproducible


def test_bad_offsets_and_names_raise_key_error(db: WordNetDB) -> None:
    assert db.is_noun_synset(2084071) and not db.is_noun_synset(2084072)
    for offset in (0, -5, 2084072, len(db._data_noun), 10**9):
        with pytest.raises(KeyError):
            db.noun_words(offset)
        with pytest.raises(KeyError):
            db.is_instance(offset)
    for name in ("dog", "dog.n.99", "dog.v.01", "dog.n.x", "nosuchword.n.01"):
        with pytest.raises(KeyError):
            synset_offset(name)
    with pytest.raises(KeyError):
        synset_name(2084072)


def test_noun_compounds(db: WordNetDB) -> None:
    found = db.noun_compounds("fire")
    assert "fire_hydrant" in found and "fire_engine" in found and found == sorted(found)
    assert all(name.startswith("fire_") for name in found)
    assert db.noun_compounds("qzxv") == []
    names = sorted(db.noun_lemmas())
    by_first: dict[str, list[str]] = {}
    for name in names:
        if "_" in name:
            by_first.setdefault(name.partition("_")[0], []).append(name)
    for first in [*sorted(by_first)[::3], "a", "dog", "zz", "t-"]:
        assert db.noun_compounds(first) == by_first.get(first, []), first
    for first in ("", "fire_", "new_york", "`"):
        assert db.noun_compounds(first) == [n for n in names if n.startswith(first + "_")], first


def test_lazy_compound_tables_equal_building_them_all_at_once(db: WordNetDB) -> None:
    lexicon = Lexicon(LexiconOptions())
    lengths: dict[str, int] = {}
    pairs: set[str] = set()
    for name in sorted(db._lemmas["n"]):  # the whole table, as catlip 0.1.0 built it
        words = name.split("_")
        if len(words) < 2 or len(words) > 5 or not all(words) or words[0] in FUNCTION_WORDS:
            continue
        lengths[words[0]] = max(lengths.get(words[0], 0), len(words))
        pairs.add(words[0] + "_" + words[1])
        if len(words) == 2:
            pairs.update((name + "s", name + "es"))
    for name in lexicon.policy.overrides:
        words = name.split("_")
        if len(words) > 1 and all(words):
            lengths[words[0]] = max(lengths.get(words[0], 0), len(words))
            pairs.update((words[0] + "_" + words[1], name + "s", name + "es"))
    for first in lengths:
        lexicon.add_compounds(first)
    assert lexicon.compound_len == lengths
    assert lexicon.compound_pairs == pairs


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_labelling_and_naming_do_not_import_nltk() -> None:
    code = (
        "import sys\nfrom catlip.text import extract_synsets\n"
        "print(extract_synsets('two dogs near a fire hydrant'))\n"
        "from catlip.wordnet import synset_names\nprint(synset_names(['n02084071']))\n"
        "assert 'nltk' not in sys.modules\n"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["['n02084071', 'n03346898']", "('dog.n.01',)"]


def _with_bundle(archive: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with catlip reading ``archive`` as its bundled WordNet."""
    patch = (
        "import catlip.wordnet._bundle as b\n"
        f"b._archive = lambda: __import__('pathlib').Path({str(archive)!r})\n"
    )
    return _python(patch + code)


def _damaged_bundle(path: Path, *, drop: str = "", replace: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in _bundle.MEMBERS:
            if name != drop:
                archive.writestr(name, replace.get(name) or _bundle.read(name))
    return path


def test_a_damaged_bundle_is_refused_with_the_fix(tmp_path: Path) -> None:
    code = "from catlip.text import extract_synsets\nextract_synsets('a dog')\n"
    missing = _with_bundle(_damaged_bundle(tmp_path / "a.zip", drop="index.verb", replace={}), code)
    last = missing.stderr.strip().splitlines()[-1]
    assert last.startswith("catlip.errors.MissingResourceError:") and "index.verb" in last
    assert "reinstall catlip" in last
    truncated = tmp_path / "b.zip"
    truncated.write_bytes((tmp_path / "a.zip").read_bytes()[:5000])
    last = _with_bundle(truncated, code).stderr.strip().splitlines()[-1]
    assert last.startswith("catlip.errors.MissingResourceError:") and "reinstall catlip" in last
    # Bytes changed inside a member's compressed data: a deflate error or a CRC mismatch. The
    # member is read by a prefetch thread: its error is raised here all the same.
    whole = _damaged_bundle(tmp_path / "e.zip", replace={})
    flipped = bytearray(whole.read_bytes())
    with zipfile.ZipFile(whole) as archive:
        info = archive.getinfo("data.noun")
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    flipped[middle : middle + 64] = bytes(64)
    (tmp_path / "d.zip").write_bytes(bytes(flipped))
    last = _with_bundle(tmp_path / "d.zip", code).stderr.strip().splitlines()[-1]
    assert last.startswith("catlip.errors.MissingResourceError:") and "data.noun" in last
    header = b"  1 This software and database is being provided to you, the LICENSEE, by\n"
    newer = header + b"  2 WordNet 3.1 Copyright 2011 by Princeton University.\n"
    wrong = _with_bundle(_damaged_bundle(tmp_path / "c.zip", replace={"data.noun": newer}), code)
    last = wrong.stderr.strip().splitlines()[-1]
    assert last.startswith("catlip.errors.ResourceVersionError:") and "says version 3.1" in last


def test_first_use_from_many_threads_loads_once() -> None:
    code = (
        "import threading\n"
        "from catlip.text import extract_synsets\n"
        "from catlip.wordnet import reader, synset_name\n"
        "from catlip.wordnet.db import wordnet_db\n"
        "barrier, results = threading.Barrier(6), []\n"
        "def work():\n"
        "    barrier.wait()\n"
        "    results.append((id(wordnet_db()), id(reader()), extract_synsets('a dog on a couch'),\n"
        "                    synset_name(reader().synset('kite.n.03').offset())))\n"
        "threads = [threading.Thread(target=work) for _ in range(6)]\n"
        "for t in threads: t.start()\n"
        "for t in threads: t.join()\n"
        "assert len(results) == 6 and len(set(map(repr, results))) == 1, results\n"
        "print(results[0][2:])\n"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(['n02084071', 'n04256520'], 'kite.n.03')"
