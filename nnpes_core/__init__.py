"""nnpes_core: the engine behind NN-PES Lab.

Reference physics -> datasets -> models -> training -> analysis/dynamics -> figures.
Public API in eV, Å, fs.
"""
from __future__ import annotations

__version__ = "0.1.0"


def load_calculator(path, device: str | None = None, dtype: str | None = None):
    """Any saved model (or committee) as an ASE calculator giving energy and forces."""
    from nnpes_core.calculator import load_calculator as _load

    return _load(path, device=device, dtype=dtype)


__all__ = ["load_calculator", "__version__"]
