"""The paper's released CatLIP models (CoreNet checkpoints) as timm models with a CatLIP head.

The CatLIP authors released ViT-B/16, ViT-L/16 and ViT-H/16 pre-trained on DataComp-1.3B
(CoreNet's ``projects/catlip``: ``vit_base.pt``, ``vit_large.pt``, ``vit_huge.pt``) and their
24,320-synset vocabulary (``datacomp_1_2B_vocab.pkl``), usable only inside CoreNet.

- :func:`load_model` reads a checkpoint into a :class:`~catlip.heads.CatLIPClassifier`: a timm
  ``VisionTransformer`` backbone (``pip install "catlip[timm]"``) and a
  :class:`~catlip.heads.CatLIPHead` holding the classifier rows, so
  :func:`~catlip.transfer.zero_shot_classifier` and :func:`~catlip.transfer.transfer_init` work.
- :func:`preprocess` prepares images as CoreNet evaluates them (resize 232, crop 224, ``[0, 1]``
  pixels, no normalisation); :func:`load_vocabulary` reads the vocabulary.
- :func:`read_architecture`, :func:`convert_state_dict` and :func:`build_backbone` are the steps
  of :func:`load_model`, for other uses of the weights.

Example:
    >>> from catlip.corenet import load_model, load_vocabulary, preprocess
    >>> model = load_model("vit_base.pt")  # doctest: +SKIP
    >>> vocab = load_vocabulary("datacomp_1_2B_vocab.pkl")  # doctest: +SKIP
    >>> logits = model(preprocess(image).unsqueeze(0))  # [1, 24320]  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from catlip.corenet.checkpoint import (
    DROPPED_PREFIXES,
    VARIANTS,
    Architecture,
    convert_state_dict,
    read_architecture,
)
from catlip.corenet.layers import ConvStemEmbed, LayerNormFp32
from catlip.corenet.model import build_backbone, load_model
from catlip.corenet.transforms import CROP_SIZE, RESIZE_SIZE, preprocess

if TYPE_CHECKING:
    from catlip.vocab import Vocabulary

__all__ = [
    "CROP_SIZE",
    "DROPPED_PREFIXES",
    "RESIZE_SIZE",
    "VARIANTS",
    "Architecture",
    "ConvStemEmbed",
    "LayerNormFp32",
    "build_backbone",
    "convert_state_dict",
    "load_model",
    "load_vocabulary",
    "preprocess",
    "read_architecture",
]


def load_vocabulary(path: str | os.PathLike[str]) -> Vocabulary:
    """Read the released vocabulary pickle (``datacomp_1_2B_vocab.pkl``), in head-row order.

    The same as :meth:`catlip.vocab.Vocabulary.from_corenet`: a restricted unpickler that builds
    only dicts, strings and integers, wnids normalised to 8 digits.

    Args:
        path: The ``.pkl`` file.

    Returns:
        The vocabulary; ``vocab[i]`` is the wnid of head row ``i``.

    Raises:
        VocabularyFileError: The file is missing or not such a pickle.

    Example:
        >>> vocab = load_vocabulary("datacomp_1_2B_vocab.pkl")  # doctest: +SKIP
        >>> len(vocab)  # doctest: +SKIP
        24320
    """
    from catlip.vocab import Vocabulary

    return Vocabulary.from_corenet(path)
