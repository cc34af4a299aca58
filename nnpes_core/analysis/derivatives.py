"""Derivatives of a model's energy: autograd against finite differences, Hessians, Hessian-vector products.

Autograd gives the exact derivative of the function the network computes, at the cost of about one
more forward pass. A central finite difference

    F_k ~ -(E(R + h e_k) - E(R - h e_k)) / (2 h)

needs 6N energies and has two errors: truncation ~ h^2 E''' (large h) and round-off ~ eps |E| / h
(small h, eps = 1e-16 in float64, 1e-7 in float32). ``fd_vs_autograd`` measures both across step sizes:
the error curve is a V whose bottom sits near h ~ eps^(1/3). The forward difference
F_k ~ -(E(R + h e_k) - E(R)) / h needs only 3N + 1 energies but its truncation error is ~ h E''
(first order), so its V is shallower and its bottom sits near h ~ eps^(1/2) (``scheme="forward"``).

The Hessian H = d^2E/dR^2 [3N, 3N] is built here as the derivative of the forces, K_ij = -dF_i/dx_j.
For a conservative model that is the Hessian, symmetric; for the direct-force model it is the Jacobian
of its force head and is NOT symmetric (its antisymmetric part is the curl of the force field).
"""
from __future__ import annotations

import statistics
import time
from typing import Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.analysis.evaluation import (
    batch_for, energies, energies_and_forces, forces_with_graph, model_in_dtype,
)

DEFAULT_STEPS = np.logspace(-1, -8, 15)  # Å
FD_SCHEMES = ("central", "forward")  # finite-difference formulas for the forces (order 2 and 1 in h)


def _check_scheme(scheme: str) -> str:
    if scheme not in FD_SCHEMES:
        raise ValueError(f"unknown finite-difference scheme {scheme!r}: use one of {', '.join(FD_SCHEMES)}")
    return scheme


def forward_displaced_copies(atoms: Atoms, step: float) -> list[Atoms]:
    """The 3N + 1 structures R, R + h e_0, R + h e_1, ... of a forward difference."""
    copies = [atoms.copy()]
    for coordinate in range(3 * len(atoms)):
        atom, axis = divmod(coordinate, 3)
        copy = atoms.copy()
        copy.positions[atom, axis] += step
        copies.append(copy)
    return copies


def _batched_energies(model: nn.Module, copies: list[Atoms], dtype: torch.dtype,
                      max_batch_atoms: int | None) -> np.ndarray:
    """Energies of ``copies`` [n_copies] eV, in batches of at most ``max_batch_atoms`` atoms (None: one)."""
    if max_batch_atoms is None:
        return energies(model, copies, dtype)
    per_batch = max(1, int(max_batch_atoms) // max(1, len(copies[0])))
    return np.concatenate([energies(model, copies[first:first + per_batch], dtype)
                           for first in range(0, len(copies), per_batch)])


def displaced_copies(atoms: Atoms, step: float) -> list[Atoms]:
    """The 6N structures R +- h e_k, in the order (k=0, +h), (k=0, -h), (k=1, +h), ..."""
    copies = []
    for coordinate in range(3 * len(atoms)):
        atom, axis = divmod(coordinate, 3)
        for sign in (1.0, -1.0):
            copy = atoms.copy()
            copy.positions[atom, axis] += sign * step
            copies.append(copy)
    return copies


def finite_difference_forces(model: nn.Module, atoms: Atoms, step: float = 1e-3,
                             dtype: torch.dtype = torch.float64, scheme: str = "central",
                             max_batch_atoms: int | None = None) -> np.ndarray:
    """Forces [N, 3] eV/Å by finite differences of the energy.

    ``scheme="central"``: 6N energies, error O(h^2); ``"forward"``: 3N + 1 energies, error O(h).
    All energies go into ONE batch, or into batches of at most ``max_batch_atoms`` atoms (memory).
    """
    if _check_scheme(scheme) == "forward":
        energy = _batched_energies(model, forward_displaced_copies(atoms, step), dtype, max_batch_atoms)
        return (-(energy[1:] - energy[0]) / step).reshape(len(atoms), 3)
    energy = _batched_energies(model, displaced_copies(atoms, step), dtype, max_batch_atoms).reshape(-1, 2)
    return (-(energy[:, 0] - energy[:, 1]) / (2.0 * step)).reshape(len(atoms), 3)  # [3N, (+h, -h)] -> [N, 3]


def model_forces(model: nn.Module, atoms: Atoms, dtype: torch.dtype = torch.float64) -> np.ndarray:
    """The model's own forces [N, 3] eV/Å (-dE/dR by autograd; the force head for ``direct``)."""
    return energies_and_forces(model, atoms, dtype)[1][0]


def energy_gradient_forces(model: nn.Module, atoms: Atoms, dtype: torch.dtype = torch.float64) -> np.ndarray:
    """-dE/dR [N, 3] eV/Å of the model's energy by autograd, for every model, the direct one included
    (where these are NOT the forces it predicts)."""
    model = model_in_dtype(model, dtype)
    _, forces = forces_with_graph(model, batch_for(model, atoms, dtype), conservative=True)
    return forces.detach().cpu().double().numpy()


def fd_vs_autograd(model: nn.Module, atoms: Atoms, steps: Sequence[float] = DEFAULT_STEPS,
                   dtype: torch.dtype = torch.float64, scheme: str = "central") -> dict[str, list[float] | float]:
    """Max and RMS difference (eV/Å) between finite-difference and the model's forces, per step h (Å).

    Returns ``step_a``, ``max_error_ev_per_a``, ``rms_error_ev_per_a`` (lists, one per step) and the
    ``best_step_a`` with its ``best_error_ev_per_a``. For the direct model the error never drops to
    round-off: its forces are not the derivative of its energy. ``scheme``: "central" or "forward".
    """
    _check_scheme(scheme)
    reference = model_forces(model, atoms, dtype)
    max_error, rms_error = [], []
    for step in steps:
        difference = finite_difference_forces(model, atoms, float(step), dtype, scheme) - reference
        max_error.append(float(np.abs(difference).max()))
        rms_error.append(float(np.sqrt(np.mean(difference**2))))
    best = int(np.argmin(max_error))
    return {"step_a": [float(s) for s in steps], "max_error_ev_per_a": max_error,
            "rms_error_ev_per_a": rms_error, "best_step_a": float(steps[best]),
            "best_error_ev_per_a": max_error[best]}


def hessian(model: nn.Module, atoms: Atoms, dtype: torch.dtype = torch.float64,
            rows_per_pass: int | None = None) -> np.ndarray:
    """K_ij = -dF_i/dx_j, [3N, 3N] eV/Å² (the Hessian d^2E/dx_i dx_j for conservative models).

    Row i is the gradient of one force component. Rather than 3N separate backward passes, the molecule
    is copied 3N times into one batch and copy i contributes its own component F_i: the copies share no
    atoms, so ONE backward pass through sum_i F_i(copy i) gives every row. Cost: one batched
    force-with-graph evaluation of 3N copies (memory ~ 3N times a single one); ``rows_per_pass`` limits
    how many copies go into one batch for large molecules.
    """
    model = model_in_dtype(model, dtype)
    n_coordinates = 3 * len(atoms)
    rows_per_pass = rows_per_pass or n_coordinates
    rows = []
    for first in range(0, n_coordinates, rows_per_pass):
        wanted = torch.arange(first, min(first + rows_per_pass, n_coordinates))
        batch = batch_for(model, [atoms] * len(wanted), dtype)
        positions, forces = forces_with_graph(model, batch)
        forces = forces.reshape(len(wanted), n_coordinates)  # row c: all forces of copy c
        copies = torch.arange(len(wanted), device=forces.device)
        chosen = forces[copies, wanted.to(forces.device)]  # copy c gives its component F_(first+c)
        (gradient,) = torch.autograd.grad(chosen.sum(), positions)
        rows.append(-gradient.reshape(len(wanted), n_coordinates))
    return torch.cat(rows).detach().cpu().double().numpy()


def hessian_vector_product(model: nn.Module, atoms: Atoms, vector: np.ndarray,
                           dtype: torch.dtype = torch.float64) -> np.ndarray:
    """H v [3N] (eV/Å² times the units of v) by double backward: d/dR (dE/dR . v), never forming H.

    One force evaluation with graph plus one backward pass, whatever N: what large-scale optimisers
    and mode-following methods use. Strictly this is v^T K, which equals K v for a conservative model
    (K symmetric); for the direct model it is K^T v.
    """
    model = model_in_dtype(model, dtype)
    positions, forces = forces_with_graph(model, batch_for(model, atoms, dtype))
    direction = torch.as_tensor(np.asarray(vector).reshape(forces.shape), dtype=dtype, device=forces.device)
    (product,) = torch.autograd.grad(-(forces * direction).sum(), positions)
    return product.detach().cpu().double().numpy().reshape(-1)


def time_forces_vs_fd(model: nn.Module, structures: Sequence[Atoms], repeats: int = 5,
                      step: float = 1e-3, dtype: torch.dtype = torch.float64) -> list[dict[str, float]]:
    """Median wall time (s) of autograd forces and of 6N-energy finite differences, per structure."""
    model = model_in_dtype(model, dtype)  # convert once, outside the timed calls
    rows = []
    for atoms in structures:
        def median_time(function):
            function()  # warm-up
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                function()
                times.append(time.perf_counter() - start)
            return statistics.median(times)

        rows.append({"n_atoms": len(atoms),
                     "autograd_s": median_time(lambda: model_forces(model, atoms, dtype)),
                     "finite_difference_s": median_time(
                         lambda: finite_difference_forces(model, atoms, step, dtype))})
    return rows
