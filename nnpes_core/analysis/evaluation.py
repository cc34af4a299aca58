"""How the analysis tools call a model: energies, forces and forces that can be differentiated again.

Every check in ``analysis`` runs the model on a handful of ``ase.Atoms`` put into ONE batch, in a chosen
dtype, without touching the caller's model (a copy is converted when the dtypes differ) or any global
torch setting. Every derivative comes from the one derivative module, ``nnpes_core.derivatives``: these
are its wrappers for ``ase.Atoms`` (forces, Hessians, Hessian-vector products) returning numpy arrays.
"""
from __future__ import annotations

import copy
from typing import Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.data.batch import AtomicBatch
from nnpes_core import derivatives
from nnpes_core.derivatives import energy_and_forces, energy_gradient_forces


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


def gradient_forces(model: nn.Module, atoms: Atoms, dtype: torch.dtype = torch.float64) -> np.ndarray:
    """-dE/dR [N, 3] eV/Å of the model's energy by autograd, for every model, the direct one included
    (where these are NOT the forces it predicts)."""
    model = model_in_dtype(model, dtype)
    return energy_gradient_forces(model, batch_for(model, atoms, dtype))[1].detach().cpu().double().numpy()


def model_forces(model: nn.Module, atoms: Atoms, dtype: torch.dtype = torch.float64) -> np.ndarray:
    """The model's own forces [N, 3] eV/Å (-dE/dR by autograd; the force head for ``direct``)."""
    return energies_and_forces(model, atoms, dtype)[1][0]


def model_hessian(model: nn.Module, atoms: Atoms, dtype: torch.dtype = torch.float64,
                  rows_per_pass: int | None = None) -> np.ndarray:
    """K_ij = -dF_i/dx_j [3N, 3N] eV/Å² of one structure (the Hessian for conservative models), by
    ``nnpes_core.derivatives.model_hessian``: all rows in one batched backward pass."""
    model = model_in_dtype(model, dtype)
    return derivatives.model_hessian(model, batch_for(model, atoms, dtype), rows_per_pass).cpu().double().numpy()


def hessian_vector_product(model: nn.Module, atoms: Atoms, vector: np.ndarray,
                           dtype: torch.dtype = torch.float64) -> np.ndarray:
    """H v [3N] (eV/Å² times the units of v) by a double backward pass, never forming H (for the direct
    model: K^T v with K the Jacobian of its force head)."""
    model = model_in_dtype(model, dtype)
    batch = batch_for(model, atoms, dtype)
    direction = torch.as_tensor(np.asarray(vector), dtype=dtype, device=batch.positions.device)
    product = derivatives.hessian_vector_product(derivatives.model_force_field(model, batch), batch.positions,
                                                 direction)
    return product.detach().cpu().double().numpy().reshape(-1)
