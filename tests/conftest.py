"""Shared test set-up: NLTK data and the real data sets from ``../shared``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CATLIP_SHARED", REPO.parent / "shared"))
COCO_MINI = SHARED / "data" / "coco-mini"
FLICKR8K = SHARED / "data" / "flickr8k" / "Flickr8k.token.txt"

# Tests read NLTK data in place; .ci/run and the README set NLTK_DATA, this is the fallback.
os.environ.setdefault("NLTK_DATA", str(SHARED / "nltk_data"))

settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not present (the shared data sets live beside the repository)")
    return path


@pytest.fixture(scope="session")
def coco_mini() -> Path:
    """The coco-mini folder (images + COCO annotations)."""
    return _require(COCO_MINI)


@pytest.fixture(scope="session")
def flickr_captions() -> list[str]:
    """The 40,460 Flickr8k captions, in file order."""
    lines = _require(FLICKR8K).read_text(encoding="utf-8").splitlines()
    return [line.split("\t", 1)[1] for line in lines if "\t" in line]
