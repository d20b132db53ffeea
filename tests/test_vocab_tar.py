"""The webdataset contract of catlip's tar reading: the sample-key rule and the caption rule."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from catlip.errors import InputFormatError
from catlip.vocab import ReadReport, Record, decode_caption, read_records
from catlip.vocab._tar import split_key
from test_vocab_readers import _tar

# A path part: dots, unicode, spaces, the odd newline; "", "." and ".." come out of it too.
_PART = st.text(alphabet=st.sampled_from("ab0_.-é猫 \n\t"), max_size=8)
_PATHS = st.builds(
    lambda lead, parts: lead + "/".join(parts),
    st.sampled_from(["", "./", "../", "/", "././"]),
    st.lists(_PART, min_size=1, max_size=4),
)


@given(st.one_of(_PATHS, st.text(max_size=20)))
@example("./00001.jpg")
@example("README")
@example("dir/00001.seg.JPG")
@example("a/.hidden")
@example("a.b/.c")
@example("x\n./a.c")
@example("a..b")
@example("a.")
def test_split_key_is_webdatasets_rule(name: str) -> None:
    tariterators = pytest.importorskip("webdataset.tariterators")
    key, ext = tariterators.base_plus_ext(name)
    expected = None if key is None else (key, ext.lower())  # webdataset groups with lcase=True
    assert split_key(name) == expected


def test_keys_and_keyless_members_as_webdataset_reads_them(tmp_path: Path) -> None:
    members = {
        "./00000.jpg": b"\xff\xd8",
        "./00000.txt": b"a dog on a sofa\n",
        "README": b"made by make_shards.py",  # no key: reported, does not end sample 00000
        "./00000.json": b"{}",
        "./00001.seg.JPG": b"\xff\xd8",
        "./00001.seg.TXT": b"not the caption: the extension is seg.txt",
    }
    path = _tar(tmp_path / "shard.tar", members)
    report = ReadReport()
    records = list(read_records([path], report=report))
    assert records == [Record("./00000", "a dog on a sofa")]
    assert [(b.location, "no sample key" in b.reason) for b in report.examples] == [
        ("README", True),
        ("./00001", False),  # no caption member
    ]
    wds = pytest.importorskip("webdataset")
    samples = list(wds.WebDataset(str(path), shardshuffle=False, empty_check=False))
    assert [s["__key__"] for s in samples] == ["./00000", "./00001"]
    with pytest.raises(InputFormatError, match="sample key"):
        list(read_records([path], strict=True))


def test_decode_caption_is_one_rule_for_bad_bytes() -> None:
    assert decode_caption({"txt": b"  a dog\n", "json": b'{"caption": "x"}'}) == "a dog"
    assert decode_caption({"json": '{"text": "caf\u00e9"}'.encode()}, field="text") == "caf\u00e9"
    assert decode_caption({"txt": b"", "jpg": b"\xff"}) == ""
    cases = {
        "not UTF-8 (invalid start byte at byte 2)": {"txt": b"a \xff dog"},
        "no caption member": {"jpg": b"\xff\xd8"},
        "not UTF-8 JSON": {"json": b"{broken"},
        "no string field 'caption'": {"json": json.dumps({"caption": 3}).encode()},
        "nested too deeply": {"json": b"[" * 100_000 + b"]" * 100_000},
    }
    for message, sample in cases.items():
        with pytest.raises(InputFormatError, match=re.escape(message)):
            decode_caption(sample)
