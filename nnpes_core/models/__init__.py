"""The model zoo and how models are built, saved and loaded.

Every model maps a batch (of structures, or of points on a 2-D surface) to one energy per item;
forces come from ``nnpes_core.derivatives.energy_and_forces`` (-dE/dR by autograd), except for the
direct-force counter-examples. The registry (``registry.py``) lists every kind with its capabilities;
``build_model(kind, ...)`` makes one. Checkpoints are plain dictionaries of tensors and numbers in ONE
format for every kind (committees included), loadable with ``torch.load(path, weights_only=True)``.
"""
from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnpes_core.derivatives import energy_and_forces, energy_gradient_forces
from nnpes_core.models.base import AtomisticModel, UnknownElementError
from nnpes_core.models.behler_parrinello import BehlerParrinello
from nnpes_core.models.cartesian import CartesianMLP
from nnpes_core.models.committee import Committee
from nnpes_core.models.direct import DirectForceNet
from nnpes_core.models.equivariant import EquivariantMPNN
from nnpes_core.models.registry import (
    ATOMISTIC, KINDS, SURFACE, ModelKind, build_model, elements_for, kind_spec, model_kinds,
)
from nnpes_core.models.surface import SurfaceDirectForce, SurfaceMLP

CHECKPOINT_FORMAT = "nnpes-model/1"
_LEGACY_SURFACE_FORMAT = "nnpes-surface/1"  # 2-D models saved before the formats were merged


class ModelFileError(ValueError):
    """A file that is not a readable NN-PES Lab model."""


def model_to_checkpoint(model: nn.Module, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    if isinstance(model, Committee):
        return {"format": CHECKPOINT_FORMAT, "kind": "committee",
                "members": [model_to_checkpoint(m) for m in model.members],
                "metadata": dict(metadata or {})}
    dtype = next(model.parameters()).dtype
    return {
        "format": CHECKPOINT_FORMAT,
        "kind": model.kind,
        "config": model.config(),
        "dtype": str(dtype).replace("torch.", ""),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "metadata": dict(metadata or {}),
    }


def model_from_checkpoint(checkpoint: dict[str, Any]) -> nn.Module:
    if checkpoint.get("format") not in (CHECKPOINT_FORMAT, _LEGACY_SURFACE_FORMAT):
        raise ModelFileError("not an NN-PES Lab model file (unknown format)")
    if checkpoint["kind"] == "committee":
        return Committee([model_from_checkpoint(m) for m in checkpoint["members"]])
    config = dict(checkpoint["config"])
    kind = checkpoint["kind"]
    if kind not in KINDS:
        raise ModelFileError(f"unknown model kind {kind!r} in the file")
    elements = config.pop("numbers" if kind == "cartesian" else "elements", ())
    model = build_model(kind, elements, **config)
    model = model.to(getattr(torch, checkpoint.get("dtype", "float64")))
    model.load_state_dict(checkpoint["state_dict"])
    return model


def save_model(model: nn.Module, path: str | os.PathLike, metadata: dict[str, Any] | None = None) -> Path:
    """Write atomically (temporary file, then rename): a crash never leaves half a model behind.

    ``metadata`` is provenance (kind, settings, data, metrics, versions): ``nnpes eval`` and the app
    show it; ``load_model`` puts it in ``model.metadata``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        torch.save(model_to_checkpoint(model, metadata), temporary)
        os.chmod(temporary, 0o644)  # mkstemp makes the file private; a model file is for sharing
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def checkpoint_bytes(model: nn.Module, metadata: dict[str, Any] | None = None) -> bytes:
    """The model file's bytes (for a download button); ``load_model`` reads them back."""
    buffer = io.BytesIO()
    torch.save(model_to_checkpoint(model, metadata), buffer)
    return buffer.getvalue()


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # pickle/zip errors: not a model we wrote
        raise ModelFileError(f"cannot read model file {path}: {type(error).__name__}") from None
    if not isinstance(checkpoint, dict) or checkpoint.get("format") not in (CHECKPOINT_FORMAT,
                                                                              _LEGACY_SURFACE_FORMAT):
        raise ModelFileError(f"{path} is not an NN-PES Lab model file")
    return checkpoint


def load_model(path: str | os.PathLike, device: str | torch.device = "cpu",
               dtype: torch.dtype | None = None) -> nn.Module:
    """A saved model (or committee), in eval mode, on ``device``; ``dtype`` overrides the saved one."""
    checkpoint = load_checkpoint(path)
    try:
        model = model_from_checkpoint(checkpoint)
    except (KeyError, TypeError, RuntimeError, ValueError) as error:
        raise ModelFileError(f"{path} is damaged or from an incompatible version: {error}") from None
    model.metadata = checkpoint.get("metadata", {})
    if dtype is not None:
        model = model.to(dtype)
    return model.to(device).eval()


__all__ = [
    "AtomisticModel", "BehlerParrinello", "CartesianMLP", "Committee", "DirectForceNet", "EquivariantMPNN",
    "SurfaceMLP", "SurfaceDirectForce", "ModelKind", "KINDS", "ATOMISTIC", "SURFACE", "model_kinds", "kind_spec",
    "elements_for", "build_model", "ModelFileError", "UnknownElementError", "energy_and_forces",
    "energy_gradient_forces", "load_model", "load_checkpoint", "save_model", "model_to_checkpoint",
    "model_from_checkpoint", "checkpoint_bytes", "CHECKPOINT_FORMAT",
]
