"""CLIP's subword tokenizer for the benchmark: a BPE learned from the training captions only.

Uses Hugging Face ``tokenizers`` (``pip install tokenizers``, a benchmark-only dependency).
Texts become ``[SOT] tokens [EOT]`` padded with ``[PAD]`` to a fixed context, as in CLIP.

Example:
    >>> tok = train_tokenizer(["a dog runs", "a cat sits"] * 10, vocab_size=60)  # doctest: +SKIP
    >>> tokens, eot = encode(tok, ["a dog"], context=8)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import torch
from torch import Tensor

SPECIAL = ["[PAD]", "[SOT]", "[EOT]", "[UNK]"]


def _require() -> Any:
    try:
        import tokenizers
    except ImportError:  # pragma: no cover - depends on the environment
        raise SystemExit(
            "the CLIP baseline needs Hugging Face tokenizers: pip install tokenizers"
        ) from None
    return tokenizers


def train_tokenizer(captions: Iterable[str], *, vocab_size: int) -> Any:
    """Learn a lower-cased BPE on ``captions`` (letters, digits and punctuation split apart)."""
    tk = _require()
    tokenizer = tk.Tokenizer(tk.models.BPE(unk_token="[UNK]"))
    tokenizer.normalizer = tk.normalizers.Sequence(
        [tk.normalizers.NFKC(), tk.normalizers.Lowercase()]
    )
    tokenizer.pre_tokenizer = tk.pre_tokenizers.Whitespace()
    trainer = tk.trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL, show_progress=False
    )
    tokenizer.train_from_iterator(list(captions), trainer=trainer)
    return tokenizer


def load_tokenizer(path: str) -> Any:
    """Read a tokenizer saved with ``tokenizer.save(path)``."""
    return _require().Tokenizer.from_file(path)


def encode(tokenizer: Any, texts: Sequence[str], *, context: int) -> tuple[Tensor, Tensor]:
    """``[N, context]`` token ids (truncated to fit ``[SOT] ... [EOT]``) and EOT positions."""
    sot, eot_id = tokenizer.token_to_id("[SOT]"), tokenizer.token_to_id("[EOT]")
    tokens = torch.zeros(len(texts), context, dtype=torch.long)
    eot = torch.empty(len(texts), dtype=torch.long)
    for i, encoding in enumerate(tokenizer.encode_batch(list(texts))):
        ids = [sot, *encoding.ids[: context - 2], eot_id]
        tokens[i, : len(ids)] = torch.tensor(ids)
        eot[i] = len(ids) - 1
    return tokens, eot
