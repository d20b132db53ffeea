"""catlip.text.wndb: WordNet's files read directly must agree with NLTK's reader everywhere."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from catlip.resources import WORDNET, find_resource, wordnet
from catlip.text.lexicon import FUNCTION_WORDS, Lexicon, LexiconOptions
from catlip.text.senseindex import noun_synset_name, noun_synset_offset
from catlip.text.wndb import WordNetDB, wordnet_db


@pytest.fixture(scope="module")
def db() -> WordNetDB:
    return wordnet_db()


def test_morphy_is_nltks_on_every_lemma_exception_and_caption_word(
    db: WordNetDB, flickr_captions: list[str]
) -> None:
    reader = wordnet()
    forms = set(reader._lemma_pos_offset_map)
    for pos in "nvar":
        forms.update(reader._exception_map[pos])
    for caption in flickr_captions:
        forms.update(re.findall(r"[a-z'-]+", caption.lower()))
    assert len(forms) > 150_000
    wrong = [
        (f, p) for f in sorted(forms) for p in "nvar" if db.morphy(f, p) != reader._morphy(f, p)
    ]
    assert wrong == []


def test_noun_synsets_read_like_nltks(db: WordNetDB) -> None:
    reader = wordnet()
    offsets = [int(o) for o in re.findall(rb"^(\d{8}) ", db._data_noun, re.MULTILINE)]
    assert len(offsets) == 82_115  # every noun synset of WordNet 3.0
    for offset in offsets[::7]:
        synset = reader.synset_from_pos_and_offset("n", offset)
        assert db.noun_words(offset) == [lemma.name() for lemma in synset.lemmas()]
        assert db.is_instance(offset) == bool(synset.instance_hypernyms())
        assert noun_synset_name(offset) == synset.name()
        assert noun_synset_offset(synset.name()) == offset


def test_bad_offsets_and_names_raise_key_error(db: WordNetDB) -> None:
    assert db.is_noun_synset(2084071) and not db.is_noun_synset(2084072)
    for offset in (0, -5, 2084072, 10**9):
        with pytest.raises(KeyError):
            db.noun_words(offset)
    for name in ("dog", "dog.n.99", "dog.v.01", "dog.n.x", "nosuchword.n.01"):
        with pytest.raises(KeyError):
            noun_synset_offset(name)


def test_noun_compounds(db: WordNetDB) -> None:
    found = db.noun_compounds("fire")
    assert "fire_hydrant" in found and "fire_engine" in found and found == sorted(found)
    assert all(name.startswith("fire_") for name in found)
    assert db.noun_compounds("qzxv") == []


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
        lexicon._add_compounds(first)
    assert lexicon.compound_len == lengths
    assert lexicon.compound_pairs == pairs


def _python(code: str, nltk_data: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NLTK_DATA": nltk_data}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_labelling_does_not_import_nltk_when_nltk_data_has_wordnet_unzipped() -> None:
    code = (
        "import sys\nfrom catlip.text import extract_synsets\n"
        "print(extract_synsets('two dogs near a fire hydrant'))\n"
        "from catlip.vocab._names import synset_names\nprint(synset_names(['n02084071']))\n"
        "assert 'nltk' not in sys.modules\n"
    )
    result = _python(code, os.environ["NLTK_DATA"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["['n02084071', 'n03346898']", "('dog.n.01',)"]


def test_nltk_data_entries_are_searched_as_nltk_searches_them(tmp_path: Path) -> None:
    shared = os.environ["NLTK_DATA"].split(os.pathsep)[0]
    archive = tmp_path / "packed.zip"
    archive.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip file
    code = "from catlip.resources import WORDNET, _find_unzipped\nprint(_find_unzipped(WORDNET))"
    expected = str(Path(shared) / "corpora" / "wordnet")
    missing = str(tmp_path / "missing")
    cases = {
        shared: expected,
        os.pathsep.join([missing, "", shared]): expected,  # NLTK skips these too
        os.pathsep.join([str(tmp_path), shared]): expected,  # a folder without WordNet
        os.pathsep.join([str(archive), shared]): "None",  # zip files: NLTK decides
        missing: "None",
    }
    for nltk_data, found in cases.items():
        result = _python(code, nltk_data)
        assert result.stdout.strip() == found, (nltk_data, result.stderr)


def _damaged_wordnet(tmp_path: Path, *, drop: str = "", replace: dict[str, bytes]) -> str:
    """An nltk_data folder whose WordNet links to the real files, with some dropped or replaced."""
    source = Path(find_resource(WORDNET))
    folder = tmp_path / "nltk_data" / "corpora" / "wordnet"
    folder.mkdir(parents=True)
    for item in source.iterdir():
        if item.name == drop:
            continue
        if item.name in replace:
            (folder / item.name).write_bytes(replace[item.name])
        else:
            (folder / item.name).symlink_to(item)
    return str(tmp_path / "nltk_data")


def test_missing_or_wrong_wordnet_files_are_refused(tmp_path: Path) -> None:
    code = "from catlip.text import extract_synsets\nextract_synsets('a dog')\n"
    missing = _python(code, _damaged_wordnet(tmp_path / "a", drop="index.verb", replace={}))
    last = missing.stderr.strip().splitlines()[-1]
    assert last.startswith("catlip.errors.MissingResourceError:") and "index.verb" in last
    assert "catlip download" in last
    header = b"  1 This software and database is being provided to you, the LICENSEE, by\n"
    newer = header + b"  2 WordNet 3.1 Copyright 2011 by Princeton University.\n"
    wrong = _python(code, _damaged_wordnet(tmp_path / "b", replace={"data.noun": newer}))
    last = wrong.stderr.strip().splitlines()[-1]
    assert last.startswith("catlip.errors.ResourceVersionError:") and "found version 3.1" in last
