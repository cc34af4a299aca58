"""Finite differences against automatic differentiation: the V-shaped error curve of lesson 7.

A central finite difference of the energy along coordinate k,

    F_k ~ -(E(R + h e_k) - E(R - h e_k)) / (2 h),

needs 6N energies (the forward difference -(E(R + h e_k) - E(R)) / h needs 3N + 1) and has two errors.
Taylor-expand E(x ± h) = E ± h E' + h²/2 E'' ± h³/6 E''' + ...:

- truncation: the central difference is E' + h²/6 E''' + ... (error ~ C₂ h²; the even terms cancel),
  the forward difference E' + h/2 E'' + ... (error ~ C₁ h);
- round-off: each energy comes out with a small absolute error δE; divided by h it grows as h shrinks
  (slope -1 on a log-log plot).

What is rounded, and so δE, depends on where the arithmetic happens. The models keep the element
reference energies and every sum with them in float64 (``models.base``), so the large total, about
-2079 eV for water, is rounded only at float64's relative eps_64 = 2.2e-16: eps_64·|E| ≈ 5e-13 eV. The
network itself runs in the chosen dtype; in float32 its own arithmetic (distances, descriptors,
activations) scatters the energy by about 2e-7 eV, which ``energy_noise`` measures by evaluating the
same geometries in that dtype and in float64. So

    δE = eps_E·|E| + (network noise in the dtype),   eps_E: machine epsilon of the energy's dtype,

about 5e-13 eV in float64 (the total dominates) and about 2e-7 eV in float32 (the network dominates: a
thousand times below eps_32·|E| = 2.5e-4 eV, which would hold only if the total itself were float32).

The total error, C h^p + δE/h, is smallest at h* = (δE / (p C))^(1 / (p + 1)). Autograd gives the
exact derivative of the function the network computes at the cost of about one more forward pass, so
``fd_vs_autograd`` measures both errors across step sizes, ``error_guides``/``branch_slopes`` turn the
measured curve into the guide lines and slopes a plot shows next to it, and ``fd_error_study`` does all
of it for one model, structure and dtype. The differences themselves come from the one helper
``nnpes_core.derivatives.finite_difference``, all displaced copies in one batch.
Steps in Å, errors in eV/Å, energies in eV.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.analysis.evaluation import batch_for, energies, model_forces, model_in_dtype
from nnpes_core.derivatives import FD_SCHEMES, finite_difference  # noqa: F401  (FD_SCHEMES for the page)

DEFAULT_STEPS = np.logspace(-1, -8, 15)  # Å


def batched_energy_function(model: nn.Module, atoms: Atoms, dtype: torch.dtype = torch.float64,
                            max_batch_atoms: int | None = None):
    """positions [n_points, N, 3] Å -> energies [n_points] eV of ``atoms`` at those positions: every
    displaced copy in one batch (or in batches of at most ``max_batch_atoms`` atoms, for memory)."""
    model = model_in_dtype(model, dtype)
    template = batch_for(model, atoms, dtype)
    per_batch = None if max_batch_atoms is None else max(1, int(max_batch_atoms) // max(1, len(atoms)))

    def energies_at(points: np.ndarray) -> np.ndarray:
        size = per_batch or len(points)
        values = []
        for first in range(0, len(points), size):
            chunk = points[first:first + size]
            copies = template.select([0] * len(chunk))
            positions = torch.as_tensor(chunk.reshape(-1, 3), dtype=dtype, device=copies.positions.device)
            with torch.no_grad():
                values.append(model(copies.with_positions(positions)).cpu().double().numpy())
        return np.concatenate(values)

    return energies_at


def finite_difference_forces(model: nn.Module, atoms: Atoms, step: float = 1e-3,
                             dtype: torch.dtype = torch.float64, scheme: str = "central",
                             max_batch_atoms: int | None = None) -> np.ndarray:
    """Forces [N, 3] eV/Å by finite differences of the model's energy (``scheme``: "central", 6N
    energies, error O(h^2); "forward", 3N + 1 energies, error O(h)), all energies in one batch."""
    energy_at = batched_energy_function(model, atoms, dtype, max_batch_atoms)
    return -finite_difference(energy_at, atoms.positions, step, scheme, batched=True).reshape(len(atoms), 3)


def fd_vs_autograd(model: nn.Module, atoms: Atoms, steps: Sequence[float] = DEFAULT_STEPS,
                   dtype: torch.dtype = torch.float64, scheme: str = "central") -> dict[str, list[float] | float]:
    """Max and RMS difference (eV/Å) between finite-difference and the model's forces, per step h (Å).

    Returns ``step_a``, ``max_error_ev_per_a``, ``rms_error_ev_per_a`` (lists, one per step) and the
    ``best_step_a`` with its ``best_error_ev_per_a``. For the direct model the error never drops to
    round-off: its forces are not the derivative of its energy. ``scheme``: "central" or "forward".
    """
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


# --- the error model: guide lines and slopes for the measured curve -----------------------------------

SCHEME_ORDER = {"central": 2, "forward": 1}  # power p of h in the truncation error
ENERGIES_PER_FORCE = {"central": lambda n_atoms: 6 * n_atoms, "forward": lambda n_atoms: 3 * n_atoms + 1}


def machine_epsilon(dtype: torch.dtype) -> float:
    """Spacing of floating-point numbers just above 1 (2.2e-16 for float64, 1.2e-7 for float32)."""
    return float(torch.finfo(dtype).eps)


def energy_evaluations(n_atoms: int, scheme: str = "central") -> int:
    """How many energies a finite-difference force on ``n_atoms`` atoms needs (6N or 3N + 1)."""
    return ENERGIES_PER_FORCE[scheme](int(n_atoms))


def energy_noise(model: nn.Module, atoms: Atoms, dtype: torch.dtype = torch.float32, n_samples: int = 16,
                 displacement: float = 1e-3, seed: int = 0) -> float:
    """How much the model's own arithmetic in ``dtype`` scatters one energy, eV: the standard deviation
    of E_dtype - E_float64 over ``n_samples`` geometries within about ``displacement`` Å of ``atoms``.

    The geometries are rounded to ``dtype`` first, so both precisions see the same input and the
    difference is the round-off inside the model alone (a constant offset cancels in a finite
    difference, so the spread counts, not the mean). Zero for float64, whose own scatter, about
    1e-16 of the network's output, is far below the rounding of the float64 total (eps_64·|E|).
    """
    if dtype == torch.float64:
        return 0.0
    rng = np.random.default_rng(seed)
    points = atoms.positions[None] + displacement * rng.standard_normal((n_samples, len(atoms), 3))
    points = torch.as_tensor(points).to(dtype).double().numpy()  # [n_samples, N, 3], representable in dtype
    low = batched_energy_function(model, atoms, dtype)(points)
    high = batched_energy_function(model, atoms, torch.float64)(points)
    return float(np.std(low - high))


def energy_dtype(model: nn.Module, atoms: Atoms, dtype: torch.dtype) -> torch.dtype:
    """The dtype the model returns its total energy in when its network runs in ``dtype`` (float64 for
    every atomistic model of the course: the element energies and the sums stay in float64)."""
    model = model_in_dtype(model, dtype)
    with torch.no_grad():
        return model(batch_for(model, atoms, dtype)).dtype


@dataclass(frozen=True)
class ErrorGuides:
    """Guide lines for a finite-difference error curve and what they predict."""

    order: int  # p: truncation error ~ C h^p
    truncation_coefficient: float  # C, eV/Å^(p+1), fitted where truncation dominates
    roundoff_scale: float  # δE = eps_E·|E| + network noise, eV: the error of one energy
    predicted_best_step: float  # h* (Å) where C h^p + δE/h is smallest
    total_rounding: float = math.nan  # eps_E·|E|, eV: the rounding of the total energy
    network_noise: float = 0.0  # eV: the scatter of the network's own arithmetic (``energy_noise``)

    def truncation(self, steps: Sequence[float]) -> np.ndarray:
        """C h^p (eV/Å) at each step (Å)."""
        return self.truncation_coefficient * np.asarray(steps, dtype=float) ** self.order

    def roundoff(self, steps: Sequence[float]) -> np.ndarray:
        """δE / h (eV/Å) at each step (Å)."""
        return self.roundoff_scale / np.asarray(steps, dtype=float)


def error_guides(steps: Sequence[float], errors: Sequence[float], energy: float, dtype: torch.dtype,
                 scheme: str = "central", n_fit: int = 3, network_noise: float = 0.0) -> ErrorGuides:
    """Fit C of the truncation line C h^p to the ``n_fit`` largest steps (where truncation dominates);
    the round-off line δE/h has no parameter fitted to the curve: δE = eps·|E| + ``network_noise``.

    ``energy`` (eV) is the energy of the structure and ``dtype`` the precision that total is held in
    (float64 for the course's atomistic models, whatever their network runs in); ``network_noise`` (eV)
    is the measured scatter of the network's own arithmetic (``energy_noise``; 0 in float64).
    """
    order = SCHEME_ORDER[scheme]
    steps, errors = np.asarray(steps, dtype=float), np.asarray(errors, dtype=float)
    largest = np.argsort(steps)[::-1][:n_fit]
    coefficient = float(np.median(errors[largest] / steps[largest] ** order))
    total_rounding = machine_epsilon(dtype) * abs(float(energy))
    roundoff_scale = total_rounding + float(network_noise)
    if coefficient > 0 and roundoff_scale > 0:
        best = (roundoff_scale / (order * coefficient)) ** (1.0 / (order + 1))
    else:
        best = math.nan
    return ErrorGuides(order, coefficient, roundoff_scale, float(best), total_rounding, float(network_noise))


@dataclass
class ErrorStudy:
    """Finite differences against autograd for one model, structure, dtype and scheme, with its error
    model: the measured curve, the guide lines, and the slopes on both sides of the V."""

    dtype: str  # "float64" or "float32": the precision the network ran in
    curve: dict  # what ``fd_vs_autograd`` returns
    energy: float  # E of the structure, eV
    guides: ErrorGuides
    slopes: tuple[float, float]  # (large-h, small-h) slope of log error against log h
    largest_force: float  # max |F_k| by autograd, eV/Å


def fd_error_study(model: nn.Module, atoms: Atoms, steps: Sequence[float] = DEFAULT_STEPS,
                   dtype: torch.dtype = torch.float64, scheme: str = "central") -> ErrorStudy:
    """Everything lesson 7's finite-difference plot shows for one dtype: the error against h, the
    truncation line fitted to the largest steps, the round-off line from what is really rounded (the
    float64 total and the network's own arithmetic, ``energy_noise``) and the slopes of the V."""
    curve = fd_vs_autograd(model, atoms, steps, dtype, scheme)
    energy = float(energies(model, atoms, dtype)[0])
    measured_steps, errors = np.array(curve["step_a"]), np.array(curve["max_error_ev_per_a"])
    guides = error_guides(measured_steps, errors, energy, energy_dtype(model, atoms, dtype), scheme,
                          network_noise=energy_noise(model, atoms, dtype))
    largest_force = float(np.abs(model_forces(model, atoms, torch.float64)).max())
    return ErrorStudy(str(dtype).replace("torch.", ""), curve, energy, guides,
                      branch_slopes(measured_steps, errors), largest_force)


def branch_slopes(steps: Sequence[float], errors: Sequence[float], points: int = 4) -> tuple[float, float]:
    """(large-h slope, small-h slope) of log(error) against log(h) on either side of the minimum;
    expect about p (truncation) and -1 (round-off).

    The large-h slope uses up to ``points`` of the largest steps before the minimum, the small-h
    slope every step after it, the minimum itself left out of both (there the two errors mix). A
    plateau at the smallest steps, where the error stops changing, is left out too: a function whose
    whole energy is rounded at one coarse spacing can give a difference quotient of exactly 0 there,
    an error of |F| whatever h (the course's models do not: their float32 errors keep growing). A side
    with fewer than two points gives NaN.
    """
    steps, errors = np.asarray(steps, dtype=float), np.asarray(errors, dtype=float)
    order = np.argsort(steps)[::-1]  # large h first
    steps, errors = steps[order], errors[order]
    best = int(np.argmin(errors))

    def slope(h: np.ndarray, e: np.ndarray) -> float:
        keep = e > 0
        if keep.sum() < 2:
            return math.nan
        return float(np.polyfit(np.log10(h[keep]), np.log10(e[keep]), 1)[0])

    large = slope(steps[:best][:points], errors[:best][:points])
    small_h, small_e = steps[best + 1:], errors[best + 1:]
    if len(small_e) > 1:
        flat = np.isclose(small_e, small_e[-1], rtol=1e-6)  # the plateau at the smallest steps
        if flat.sum() > 1:
            first_flat = len(flat) - int(np.argmin(flat[::-1])) if not flat.all() else 0
            small_h, small_e = small_h[:first_flat], small_e[:first_flat]
    return large, slope(small_h, small_e)
