"""Harmonic frequencies of a model at its own minimum, side by side with a reference.

A frequency is only meaningful at a stationary point: away from it the gradient term of the Taylor
expansion is not zero and the Hessian alone does not describe small vibrations. So each model's
geometry is first relaxed on the model's own surface (ASE BFGS through ``NNPESCalculator``), and the
Hessian is taken there by autograd (float64 by default: a Hessian is a second derivative and
float32's 7 digits leave visible noise in it). The reference minimum and Hessian come from elsewhere
(``nnpes_core.data.reference_hessian``).

Modes are paired by their shape, not by their order: ``match_modes`` maximises the overlap of the
mass-weighted eigenvectors, so a model that swaps two close modes is compared mode for mode.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from ase import Atoms
from scipy.optimize import linear_sum_assignment
from torch import nn

from nnpes_core.analysis.evaluation import model_hessian
from nnpes_core.analysis.vibrations import HarmonicAnalysis, harmonic_analysis
from nnpes_core.calculator import NNPESCalculator
from nnpes_core.data.samplers import optimize
from nnpes_core.units import WAVENUMBER_PER_SQRT_EV_A2_AMU


@dataclass
class ModelMinimum:
    """A model's own minimum and its harmonic analysis there."""

    atoms: Atoms  # relaxed geometry (no calculator), Å
    energy: float  # eV
    max_force: float  # eV/Å, largest remaining force component after the optimisation
    hessian: np.ndarray  # [3N, 3N] eV/Å², by autograd at the minimum
    analysis: HarmonicAnalysis


def model_minimum(model: nn.Module, atoms: Atoms, dtype: torch.dtype = torch.float64,
                  fmax: float = 1e-4, steps: int = 500) -> ModelMinimum:
    """Relax ``atoms`` on ``model``'s surface (BFGS to ``fmax`` eV/Å, in ``dtype``), then harmonic
    analysis with the autograd Hessian [3N, 3N] at that minimum. The caller's model is not changed."""
    calculator = NNPESCalculator(model, dtype=dtype)
    relaxed = optimize(atoms, calculator, fmax=fmax, steps=steps)
    energy = float(relaxed.get_potential_energy())
    max_force = float(np.abs(relaxed.get_forces()).max())
    relaxed.calc = None
    matrix = model_hessian(calculator.model, relaxed, dtype)
    return ModelMinimum(relaxed, energy, max_force, matrix,
                        harmonic_analysis(matrix, relaxed.get_masses(), relaxed.positions))


def match_modes(reference: HarmonicAnalysis, other: HarmonicAnalysis) -> tuple[np.ndarray, np.ndarray]:
    """(order, overlap): mode ``order[k]`` of ``other`` is the one most like reference mode k, with
    |overlap| of their mass-weighted eigenvectors (1 = the same shape). Both analyses must be of the
    same molecule in the same orientation (atom order and axes)."""
    a = reference.mass_weighted_modes.reshape(len(reference.wavenumbers), -1)
    b = other.mass_weighted_modes.reshape(len(other.wavenumbers), -1)
    if a.shape != b.shape:
        raise ValueError(f"different numbers of modes or atoms: {a.shape} and {b.shape}")
    overlap = np.abs(a @ b.T)  # [reference mode, other mode]
    rows, columns = linear_sum_assignment(-overlap)
    order = columns[np.argsort(rows)]
    return order, overlap[np.arange(len(order)), order]


def triatomic_mode_name(atoms: Atoms, displacement: np.ndarray, center: int = 0) -> str:
    """"bend", "symmetric stretch" or "antisymmetric stretch" for a mode of a bent triatomic A-B-A
    with B at ``center``: from the first-order change of the two bond lengths and of the angle."""
    if len(atoms) != 3:
        raise ValueError("mode names are defined here for three atoms only")
    displacement = np.asarray(displacement, dtype=float).reshape(3, 3)
    ends = [i for i in range(3) if i != center]
    bonds = [atoms.positions[i] - atoms.positions[center] for i in ends]
    lengths = [np.linalg.norm(b) for b in bonds]
    units = [b / r for b, r in zip(bonds, lengths)]
    moves = [displacement[i] - displacement[center] for i in ends]
    stretches = [float(u @ m) for u, m in zip(units, moves)]  # d r_i
    # angle change: the part of each end's motion perpendicular to its bond, turned into a rotation
    cos_angle = float(units[0] @ units[1])
    d_angle = 0.0
    for i, j in ((0, 1), (1, 0)):
        perpendicular = units[j] - cos_angle * units[i]
        norm = np.linalg.norm(perpendicular)
        if norm > 1e-12:
            d_angle -= float(moves[i] @ perpendicular) / (norm * lengths[i])
    bend = abs(d_angle) * float(np.mean(lengths))  # arc length, Å, comparable with a stretch
    if bend > abs(stretches[0]) + abs(stretches[1]):
        return "bend"
    return "symmetric stretch" if stretches[0] * stretches[1] > 0 else "antisymmetric stretch"


def frequency_table(reference: HarmonicAnalysis, model: HarmonicAnalysis,
                    names: list[str] | None = None) -> list[dict]:
    """One row per reference mode: its name, model and reference wavenumbers (cm^-1), their difference
    (model - reference) and the overlap of the paired modes."""
    order, overlap = match_modes(reference, model)
    rows = []
    for k, (model_index, similarity) in enumerate(zip(order, overlap)):
        rows.append({
            "mode": names[k] if names else f"mode {k + 1}",
            "model (cm⁻¹)": float(model.wavenumbers[model_index]),
            "reference (cm⁻¹)": float(reference.wavenumbers[k]),
            "difference (cm⁻¹)": float(model.wavenumbers[model_index] - reference.wavenumbers[k]),
            "overlap": float(similarity),
        })
    return rows


def mass_weighted_spectrum(hessian_matrix: np.ndarray, masses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All 3N eigenvalues λ (eV/(Å² amu), ascending) of H_mw = M^-1/2 H M^-1/2 *before* the rigid
    motions are projected out, and the signed wavenumbers sign(λ)·sqrt|λ| (cm^-1) they stand for.

    Six of them (five for a linear molecule) belong to translations and rotations and are close to
    zero, not exactly: the Hessian of a model, or of finite differences, at a geometry that is a
    minimum only to within the optimiser's tolerance."""
    inverse_sqrt_mass = np.repeat(np.asarray(masses, dtype=float) ** -0.5, 3)
    symmetric = 0.5 * (hessian_matrix + hessian_matrix.T)
    eigenvalues = np.linalg.eigvalsh(symmetric * inverse_sqrt_mass[:, None] * inverse_sqrt_mass[None, :])
    return eigenvalues, np.sign(eigenvalues) * np.sqrt(np.abs(eigenvalues)) * WAVENUMBER_PER_SQRT_EV_A2_AMU
