"""The public API is a promise: these tests pin it.

A failure here means a public name or an entry point's signature changed. If that is deliberate,
update the pinned value below *and* add a CHANGELOG entry (a removal or a renamed parameter is a
breaking change).
"""

from __future__ import annotations

import importlib
import inspect

import pytest

import catlip

PUBLIC_NAMES = {
    "catlip": [
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
        "__version__",
    ],
    "catlip.cli": ["build_parser", "main"],
    "catlip.corenet": [
        "Architecture",
        "CROP_SIZE",
        "ConvStemEmbed",
        "DROPPED_PREFIXES",
        "LayerNormFp32",
        "RESIZE_SIZE",
        "VARIANTS",
        "build_backbone",
        "convert_state_dict",
        "load_model",
        "load_vocabulary",
        "preprocess",
        "read_architecture",
    ],
    "catlip.errors": [
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
    ],
    "catlip.heads": ["CatLIPClassifier", "CatLIPHead", "Pool"],
    "catlip.losses": ["CatLIPLoss", "Reduction", "catlip_loss"],
    "catlip.resources": [
        "PACKAGES",
        "Resource",
        "WORDNET_VERSION",
        "check_resources",
        "download",
        "find_resource",
        "pos_tagger",
        "wordnet",
    ],
    "catlip.text": [
        "ALGORITHM",
        "CONCRETE_LEXNAMES",
        "REFERENCE_ALGORITHM",
        "SensePolicy",
        "SynsetExtractor",
        "builtin_overrides",
        "clean_caption",
        "extract_synsets",
        "format_wnid",
        "is_wnid",
        "match_synset",
        "resolve_label",
        "synset",
        "tokenize",
        "wnid",
    ],
    "catlip.transfer": [
        "CoverageReport",
        "DEFAULT_SIMILARITY_THRESHOLD",
        "LabelMatch",
        "Method",
        "TransferReport",
        "coverage",
        "resolve_labels",
        "transfer_init",
        "zero_shot_classifier",
    ],
    "catlip.wordnet": [
        "WNID_PATTERN",
        "WORDNET_VERSION",
        "format_wnid",
        "is_wnid",
        "reader",
        "synset",
        "synset_name",
        "synset_names",
        "synset_of_id",
        "synset_offset",
        "unknown_wnids",
        "wnid",
    ],
    "catlip.vocab": [
        "BadRecord",
        "BatchCounter",
        "BatchLabeller",
        "CAPTION_COLUMNS",
        "COUNTS_FORMAT",
        "COUNTS_VERSION",
        "CaptionFiles",
        "FORMATS",
        "LABELS_FORMAT",
        "LABELS_VERSION",
        "LabelCollate",
        "Provenance",
        "ReadReport",
        "Record",
        "SHARD_LABELS_SUFFIX",
        "ShardLabels",
        "SynsetCounts",
        "VOCABULARY_FORMAT",
        "VOCABULARY_VERSION",
        "Vocabulary",
        "count_batch",
        "count_synsets",
        "decode_caption",
        "detect_format",
        "label_batch",
        "label_records",
        "label_shards",
        "load_labels",
        "merge",
        "multi_hot",
        "pad_labels",
        "read_records",
        "save_labels",
        "shard_labels_path",
    ],
}

SIGNATURES = {
    "catlip.cli:main": "argv=None",
    "catlip.corenet:build_backbone": "arch",
    "catlip.corenet:convert_state_dict": "state_dict",
    "catlip.corenet:load_model": "checkpoint, *variant=None",
    "catlip.corenet:load_vocabulary": "path",
    "catlip.corenet:preprocess": "image, *resize_size=232, *crop_size=224",
    "catlip.corenet:read_architecture": "state_dict, *variant=None",
    "catlip.heads:CatLIPClassifier": "backbone, head",
    "catlip.heads:CatLIPHead": "in_features, num_classes, *bias=True, *init_std=0.02, *dropout=0.0, "  # noqa: E501
    "*pool=None, *device=None, *dtype=None",
    "catlip.losses:CatLIPLoss": "*reduction='batch_mean', *label_smoothing=0.0, *pos_weight=None, "
    "*sparse=None, *validate_args=True",
    "catlip.losses:catlip_loss": "logits, targets, *reduction='batch_mean', *label_smoothing=0.0, "
    "*pos_weight=None, *sparse=None, *validate_args=True",
    "catlip.resources:check_resources": "*tagger=False",
    "catlip.resources:download": "*directory=None, "
    "*packages=(Resource(package='averaged_perceptron_tagger_eng', "
    "path='taggers/averaged_perceptron_tagger_eng', "
    'description="NLTK\'s English perceptron POS tagger"),), '
    "*index_url=None",
    "catlip.text:SynsetExtractor": "*pos='wordnet', *noun_share=0.5, *compounds=True, "
    "*common_nouns_only=True, *concrete_share=0.25, "
    "*builtin_overrides=True, *overrides=None, *web=True, *reference=False",
    "catlip.text:SynsetExtractor.batch": "self, captions, *num_workers=0",
    "catlip.text:SynsetExtractor.from_settings": "settings",
    "catlip.text:extract_synsets": "caption",
    "catlip.text:match_synset": "query, candidates, *threshold=0.2",
    "catlip.text:synset": "wnid",
    "catlip.text:wnid": "synset",
    "catlip.transfer:coverage": "labels, vocab, *similarity_threshold=0.2, *context=True, "
    "*progress=False",
    "catlip.transfer:resolve_labels": "labels, vocab, *similarity_threshold=0.2, *context=True, "
    "*progress=False",
    "catlip.transfer:transfer_init": "classifier, labels, *head, *vocab, *similarity_threshold=0.2, "  # noqa: E501
    "*unmatched='random', *context=True, *generator=None",
    "catlip.transfer:zero_shot_classifier": "head, vocab, labels, *similarity_threshold=0.2, "
    "*context=True, *unmatched='error'",
    "catlip.vocab:BatchCounter": "*column=None, *output='counts', *extractor_settings=None, "
    "*missing='error'",
    "catlip.vocab:BatchLabeller": "vocab=None, *column=None, *output='labels', "
    "*extractor_settings=None, *missing='error'",
    "catlip.vocab:CaptionFiles": "paths, *format=None, *column=None, *field=None, *header=None, "
    "*shard=None, *shard_by='record', *strict=False, *report=None, *max_record_bytes=1048576, "
    "*status='success'",
    "catlip.vocab:SynsetCounts.from_json": "text",
    "catlip.vocab:count_batch": "captions, *extractor=None, *missing='error'",
    "catlip.vocab:label_batch": "captions, *vocab=None, *extractor=None, *missing='error'",
    "catlip.vocab:Provenance": "*extractor_settings=None, *wordnet_version='3.0', "
    f"*catlip_version={catlip.__version__!r}, *fingerprint=None, *num_captions=None, "
    "*min_count=None, *max_size=None",
    "catlip.vocab:Provenance.read": "path",
    # extractor_settings, min_count, max_size, num_captions: deprecated (0.2), still accepted.
    "catlip.vocab:Vocabulary": "wnids, counts=None, *provenance=None, **deprecated",
    "catlip.vocab:Vocabulary.encode_caption": "self, caption",
    "catlip.vocab:Vocabulary.from_corenet": "path, *extractor_settings=None, *allow_mismatch=False",
    "catlip.vocab:Vocabulary.from_counts": "counts, *min_count=1, *max_size=None, "
    "*extractor_settings=None",
    "catlip.vocab:Vocabulary.load": "path, *extractor=None, *allow_mismatch=False",
    "catlip.vocab:Vocabulary.save": "self, path",
    "catlip.vocab:count_synsets": "captions, *extractor=None, *num_workers=0, *progress=False, "
    "*chunk_size=2048",
    "catlip.vocab:ShardLabels": "folder, *vocab=None",
    "catlip.vocab:label_shards": "shards, vocab, folder, *records=None, *num_workers=0, "
    "*progress=False, *chunk_size=2048",
    "catlip.vocab:load_labels": "path, *vocab=None",
    "catlip.vocab:merge": "counts",
    "catlip.vocab:multi_hot": "index_lists, num_classes, *dtype=None",
    "catlip.vocab:pad_labels": "index_lists, *pad_value=-1, *length=None",
    "catlip.vocab:shard_labels_path": "shard, folder",
    "catlip.wordnet:reader": "",
    "catlip.wordnet:synset": "wnid",
    "catlip.wordnet:synset_name": "offset",
    "catlip.wordnet:synset_names": "wnids",
    "catlip.wordnet:synset_of_id": "synset_id",
    "catlip.wordnet:synset_offset": "name",
    "catlip.wordnet:unknown_wnids": "wnids",
    "catlip.wordnet:wnid": "synset",
}


def _signature(path: str) -> str:
    module, name = path.split(":")
    obj: object = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    shown = []
    for p in inspect.signature(obj).parameters.values():  # type: ignore[arg-type]
        text = p.name
        if p.kind in (p.KEYWORD_ONLY, p.VAR_POSITIONAL):
            text = "*" + text
        elif p.kind is p.VAR_KEYWORD:
            text = "**" + text
        if p.default is not p.empty:
            text += "=" + repr(p.default)
        shown.append(text)
    return ", ".join(shown)


@pytest.mark.parametrize("module", sorted(PUBLIC_NAMES))
def test_public_names_are_pinned(module: str) -> None:
    mod = importlib.import_module(module)
    assert sorted(mod.__all__) == PUBLIC_NAMES[module]
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.__all__ lists {name}, which does not exist"


@pytest.mark.parametrize("path", sorted(SIGNATURES))
def test_entry_point_signatures_are_pinned(path: str) -> None:
    assert _signature(path) == SIGNATURES[path]


@pytest.mark.parametrize("module", sorted(PUBLIC_NAMES))
def test_public_names_are_documented(module: str) -> None:
    mod = importlib.import_module(module)
    for name in mod.__all__:
        obj = getattr(mod, name)
        is_type_alias = getattr(obj, "__module__", None) in ("typing", "typing_extensions")
        if callable(obj) and not name.startswith("_") and not is_type_alias:
            assert inspect.getdoc(obj), f"{module}.{name} has no docstring"


def test_one_module_starts_processes() -> None:
    # The architecture's rule (docs/architecture.rst): every process catlip starts, it starts in
    # catlip/_engine.py; the rest of the library, the command line included, asks it to.
    from pathlib import Path

    root = Path(catlip.__file__).parent
    starters = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "multiprocessing" in (text := path.read_text(encoding="utf-8"))
        or "concurrent.futures" in text
    )
    assert starters == ["_engine.py"]
