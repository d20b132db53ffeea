"""catlip: CatLIP pre-training, a few imports away.

CatLIP (Mehta et al., 2024) turns image-text pre-training into multi-label classification over
WordNet synsets extracted from captions. The pieces live in small modules, imported on demand:

- ``catlip.text``: caption -> nouns -> WordNet synset ids (``"n02084071"``).
- ``catlip.vocab``: count synsets over a corpus, prune, save, encode labels.
- ``catlip.losses`` and ``catlip.heads``: the BCE objective and the classification head.
- ``catlip.transfer``: Transfer Init of downstream classifiers from the pretrained head.
- ``catlip.corenet``: the paper's released models (CoreNet checkpoints) as timm models.

``import catlip`` is cheap: it loads neither NLTK's corpora nor torch.
"""

from catlip._version import __version__
from catlip.errors import (
    CatlipError,
    CheckpointError,
    DownloadError,
    InputFormatError,
    LabelResolutionError,
    MissingResourceError,
    OutputPathError,
    ResourceVersionError,
    VocabularyFileError,
    VocabularyMismatchError,
    WorkerError,
)

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
    "__version__",
]
