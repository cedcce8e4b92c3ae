"""Where the shared data, the frozen splits and the run folders live."""
from __future__ import annotations

import os
from pathlib import Path

TRAINING_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = TRAINING_DIR.parent


def shared_data_dir() -> Path:
    """The read-only data folder: $LUNGFLOW_SHARED_DIR/data if set, else ../shared/data beside the repo."""
    override = os.environ.get("LUNGFLOW_SHARED_DIR")
    base = Path(override) if override else REPO_ROOT.parent / "shared"
    return (base / "data").resolve()


SPLITS_DIR = TRAINING_DIR / "splits"
RUNS_DIR = TRAINING_DIR / "runs"
CACHE_DIR = TRAINING_DIR / "cache"
MODELS_DIR = REPO_ROOT / "models"
