"""The model zoo and how models are built, saved and loaded.

Every model maps an AtomicBatch to one energy per structure (eV); forces come from
``energy_and_forces`` (-dE/dR by autograd), except for the direct-force counter-example.
Checkpoints are plain dictionaries of tensors and numbers, loadable with
``torch.load(path, weights_only=True)``.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnpes_core.models.base import (
    AtomisticModel, UnknownElementError, energy_and_forces, energy_gradient_forces,
)
from nnpes_core.models.behler_parrinello import BehlerParrinello
from nnpes_core.models.cartesian import CartesianMLP
from nnpes_core.models.committee import Committee
from nnpes_core.models.direct import DirectForceNet
from nnpes_core.models.equivariant import EquivariantMPNN

MODEL_KINDS: dict[str, type[AtomisticModel]] = {
    "cartesian": CartesianMLP,
    "direct": DirectForceNet,
    "bp": BehlerParrinello,
    "equivariant": EquivariantMPNN,
}
DESCRIPTIONS = {
    "cartesian": "MLP on raw Cartesian coordinates (not invariant: the counter-example)",
    "direct": "network predicting forces directly (not conservative: the counter-example)",
    "bp": "Behler-Parrinello: G2/G4 symmetry functions + per-element MLPs",
    "equivariant": "E(3)-equivariant message passing, features up to l = 2",
}
CHECKPOINT_FORMAT = "nnpes-model/1"


class ModelFileError(ValueError):
    """A file that is not a readable NN-PES Lab model."""


def build_model(kind: str, elements, **config) -> AtomisticModel:
    """A fresh model of the given kind; ``elements`` are atomic numbers (for cartesian: the
    molecule's atomic numbers in order)."""
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model kind {kind!r}: choose one of {', '.join(MODEL_KINDS)}")
    if kind == "cartesian":
        return CartesianMLP(numbers=list(elements), **config)
    return MODEL_KINDS[kind](elements=list(elements), **config)


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
    if checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise ModelFileError("not an NN-PES Lab model file (unknown format)")
    if checkpoint["kind"] == "committee":
        return Committee([model_from_checkpoint(m) for m in checkpoint["members"]])
    config = dict(checkpoint["config"])
    kind = checkpoint["kind"]
    elements = config.pop("numbers" if kind == "cartesian" else "elements")
    model = build_model(kind, elements, **config)
    model = model.to(getattr(torch, checkpoint.get("dtype", "float64")))
    model.load_state_dict(checkpoint["state_dict"])
    return model


def save_model(model: nn.Module, path: str | os.PathLike, metadata: dict[str, Any] | None = None) -> Path:
    """Write atomically (temporary file, then rename): a crash never leaves half a model behind."""
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


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # pickle/zip errors: not a model we wrote
        raise ModelFileError(f"cannot read model file {path}: {type(error).__name__}") from None
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise ModelFileError(f"{path} is not an NN-PES Lab model file")
    return checkpoint


def load_model(path: str | os.PathLike, device: str | torch.device = "cpu",
               dtype: torch.dtype | None = None) -> nn.Module:
    """A saved model (or committee), in eval mode, on ``device``; ``dtype`` overrides the saved one."""
    checkpoint = load_checkpoint(path)
    try:
        model = model_from_checkpoint(checkpoint)
    except (KeyError, TypeError, RuntimeError) as error:
        raise ModelFileError(f"{path} is damaged or from an incompatible version: {error}") from None
    model.metadata = checkpoint.get("metadata", {})
    if dtype is not None:
        model = model.to(dtype)
    return model.to(device).eval()


__all__ = [
    "AtomisticModel", "BehlerParrinello", "CartesianMLP", "Committee", "DirectForceNet",
    "EquivariantMPNN", "MODEL_KINDS", "DESCRIPTIONS", "ModelFileError", "UnknownElementError",
    "build_model", "energy_and_forces", "energy_gradient_forces", "load_model", "load_checkpoint", "save_model",
    "model_to_checkpoint", "model_from_checkpoint",
]
