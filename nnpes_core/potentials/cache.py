"""A small disk cache for expensive reference calculations.

Each result is one ``.npz`` file named by a hash of everything that determines it (geometry, method,
basis, ...). Writes are atomic (write a temporary file, then rename), so two processes computing the
same geometry at once never leave a half-written file behind.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

CACHE_ENV_VAR = "NNPES_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$NNPES_CACHE_DIR`` if set, else ``~/.cache/nnpes/pyscf``."""
    configured = os.environ.get(CACHE_ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "nnpes" / "pyscf"


def resolve_cache_dir(cache_dir: str | os.PathLike | bool | None) -> Path | None:
    """Turn the user's ``cache_dir`` argument into a folder, or None when caching is off.

    ``"auto"`` (or True) means :func:`default_cache_dir`; None or False switch the cache off.
    """
    if cache_dir is None or cache_dir is False:
        return None
    if cache_dir is True or cache_dir == "auto":
        return default_cache_dir()
    return Path(cache_dir).expanduser()


def round_positions(positions: np.ndarray, decimals: int = 8) -> list:
    """Positions rounded for use in a cache key (``+ 0.0`` turns -0.0 into 0.0)."""
    return (np.round(np.asarray(positions, dtype=float), decimals) + 0.0).tolist()


def cache_key(description: dict) -> str:
    """SHA-256 of a JSON description of a calculation (sorted keys, so order does not matter)."""
    text = json.dumps(description, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def load_result(cache_dir: Path | None, key: str) -> dict[str, np.ndarray] | None:
    """The cached arrays for ``key``, or None if absent (or unreadable, which counts as absent)."""
    if cache_dir is None:
        return None
    path = cache_dir / f"{key}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    except (OSError, ValueError):
        return None


def store_result(cache_dir: Path | None, key: str, result: dict[str, np.ndarray | float]) -> None:
    """Write ``result`` (name -> number or array) atomically as ``<key>.npz``."""
    if cache_dir is None:
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    arrays = {name: np.asarray(value) for name, value in result.items()}
    handle, temporary = tempfile.mkstemp(dir=cache_dir, prefix=f".{key}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
        os.replace(temporary, cache_dir / f"{key}.npz")
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
