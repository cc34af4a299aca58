"""How the analysis tools call a model: energies, forces and forces that can be differentiated again.

Every check in ``analysis`` runs the model on a handful of ``ase.Atoms`` put into ONE batch, in a chosen
dtype, without touching the caller's model (a copy is converted when the dtypes differ) or any global
torch setting. First derivatives come from the shared force function ``energy_and_forces``; second
derivatives (Hessians, Hessian-vector products) need forces whose graph reaches positions we own, which
``forces_with_graph`` provides (the same -dE/dR with its graph kept).
"""
from __future__ import annotations

import copy
from typing import Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.data.batch import AtomicBatch
from nnpes_core.models import energy_and_forces, energy_gradient_forces


def model_dtype(model: nn.Module) -> torch.dtype:
    return next(model.parameters()).dtype


def model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def model_in_dtype(model: nn.Module, dtype: torch.dtype) -> nn.Module:
    """``model`` itself when it already has ``dtype``, else a converted copy (the caller's model is kept)."""
    if model_dtype(model) == dtype:
        return model
    return copy.deepcopy(model).to(dtype)


def batch_for(model: nn.Module, frames: Atoms | Sequence[Atoms], dtype: torch.dtype) -> AtomicBatch:
    """The structures as one unlabelled batch with the model's cutoff, on the model's device."""
    if isinstance(frames, Atoms):
        frames = [frames]
    if hasattr(model, "check_elements"):
        for atoms in frames:
            model.check_elements(atoms.numbers)
    return AtomicBatch.from_atoms(frames, model.cutoff_radius, dtype=dtype, device=model_device(model),
                                  with_labels=False)


def energies(model: nn.Module, frames: Atoms | Sequence[Atoms], dtype: torch.dtype = torch.float64) -> np.ndarray:
    """Energy of every structure, [n_structures] eV (for the direct model: its energy head)."""
    model = model_in_dtype(model, dtype)
    with torch.no_grad():
        return model(batch_for(model, frames, dtype)).cpu().double().numpy()


def energies_and_forces(
    model: nn.Module, frames: Atoms | Sequence[Atoms], dtype: torch.dtype = torch.float64
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Energies [n_structures] (eV) and the forces of each structure, [n_atoms, 3] eV/Å each.

    The forces are the model's own: -dE/dR for conservative models, the force head for ``direct``.
    """
    if isinstance(frames, Atoms):
        frames = [frames]
    model = model_in_dtype(model, dtype)
    energy, forces = energy_and_forces(model, batch_for(model, frames, dtype))
    forces = forces.detach().cpu().double().numpy()
    splits = np.cumsum([len(atoms) for atoms in frames])[:-1]
    return energy.detach().cpu().double().numpy(), np.split(forces, splits)


def forces_with_graph(
    model: nn.Module, batch: AtomicBatch, conservative: bool | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(positions, forces [n_atoms, 3]) with the forces differentiable with respect to ``positions``.

    The shared -dE/dR (``energy_gradient_forces``) with ``create_graph=True`` on a leaf we return.
    ``conservative=None`` follows the model (the force head of ``direct``); ``conservative=True``
    always differentiates the energy (the direct model's energy head).
    """
    positions = batch.positions.detach().requires_grad_(True)
    moved = batch.with_positions(positions)
    if conservative is None:
        conservative = getattr(model, "conservative", True)
    if not conservative:
        return positions, model.direct_forces(moved)
    return positions, energy_gradient_forces(model, moved, create_graph=True)[1]
