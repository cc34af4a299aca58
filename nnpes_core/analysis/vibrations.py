"""Harmonic vibrations: normal modes and frequencies (cm^-1) from a Hessian.

Near a minimum E ~ E_0 + 1/2 dx^T H dx. In mass-weighted coordinates q = M^1/2 dx the equations of
motion decouple along the eigenvectors of H_mw = M^-1/2 H M^-1/2 with omega_k^2 = its eigenvalues, and
the wavenumber is omega / (2 pi c). Translations and rotations cost no energy; a model's Hessian (or a
geometry not exactly at the minimum) gives them small non-zero eigenvalues that would mix into the
low-frequency vibrations. So they are removed exactly: H_mw is projected onto the space orthogonal to
the 3 translations and 3 rotations (2 for a linear molecule) in mass-weighted coordinates — the Eckart
conditions — and diagonalised there, leaving exactly 3N - 6 (3N - 5) vibrations.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from ase import Atoms
from torch import nn

from nnpes_core.analysis.evaluation import model_hessian
from nnpes_core.units import WAVENUMBER_PER_SQRT_EV_A2_AMU


@dataclass
class HarmonicAnalysis:
    wavenumbers: np.ndarray  # [n_modes] cm^-1, ascending; imaginary ones as negative numbers
    omega_squared: np.ndarray  # [n_modes] eV/(Å² amu), eigenvalues of the mass-weighted Hessian
    mass_weighted_modes: np.ndarray  # [n_modes, N, 3] orthonormal eigenvectors of H_mw
    displacements: np.ndarray  # [n_modes, N, 3] Cartesian displacements dx = M^-1/2 q, unit norm
    n_rigid: int  # removed translations + rotations (6, or 5 for a linear molecule)


def rigid_body_basis(masses: np.ndarray, positions: np.ndarray, tolerance: float = 1e-6) -> np.ndarray:
    """Orthonormal mass-weighted translations and rotations, [3N, n_rigid] (n_rigid = 6, 5 or 3).

    Translation along axis a: sqrt(m_I) e_a; rotation about axis a: sqrt(m_I) e_a x (R_I - R_com).
    Rotations about the axis of a linear molecule vanish and are dropped by the SVD.
    """
    masses = np.asarray(masses, dtype=float)
    centred = positions - (masses[:, None] * positions).sum(0) / masses.sum()
    sqrt_mass = np.sqrt(masses)[:, None]  # [N, 1]
    vectors = []
    for axis in np.eye(3):
        vectors.append((sqrt_mass * axis).reshape(-1))  # translation
        vectors.append((sqrt_mass * np.cross(axis, centred)).reshape(-1))  # rotation
    left, singular, _ = np.linalg.svd(np.stack(vectors, axis=1), full_matrices=False)
    return left[:, singular > tolerance * singular.max()]


def harmonic_analysis(hessian_matrix: np.ndarray, masses: np.ndarray, positions: np.ndarray) -> HarmonicAnalysis:
    """Frequencies (cm^-1) and normal modes from a Cartesian Hessian [3N, 3N] eV/Å², masses [N] amu
    and the geometry [N, 3] Å (needed to know what a rotation is)."""
    masses = np.asarray(masses, dtype=float)
    positions = np.asarray(positions, dtype=float)
    n_atoms = len(masses)
    symmetric = 0.5 * (hessian_matrix + hessian_matrix.T)  # a non-conservative K has no symmetric modes
    inverse_sqrt_mass = np.repeat(masses**-0.5, 3)  # [3N]
    mass_weighted = symmetric * inverse_sqrt_mass[:, None] * inverse_sqrt_mass[None, :]
    rigid = rigid_body_basis(masses, positions)  # [3N, n_rigid]
    # an orthonormal basis of the internal (vibrational) space: the complement of the rigid motions
    projector = np.eye(3 * n_atoms) - rigid @ rigid.T
    eigenvalues, eigenvectors = np.linalg.eigh(projector)
    internal = eigenvectors[:, eigenvalues > 0.5]  # [3N, 3N - n_rigid]
    omega_squared, coefficients = np.linalg.eigh(internal.T @ mass_weighted @ internal)
    modes = (internal @ coefficients).T  # [n_modes, 3N] mass-weighted, orthonormal
    displacements = modes * inverse_sqrt_mass[None, :]
    displacements /= np.linalg.norm(displacements, axis=1, keepdims=True)
    wavenumbers = np.sign(omega_squared) * np.sqrt(np.abs(omega_squared)) * WAVENUMBER_PER_SQRT_EV_A2_AMU
    return HarmonicAnalysis(wavenumbers=wavenumbers, omega_squared=omega_squared,
                            mass_weighted_modes=modes.reshape(-1, n_atoms, 3),
                            displacements=displacements.reshape(-1, n_atoms, 3), n_rigid=rigid.shape[1])


def vibrational_analysis(model: nn.Module, atoms: Atoms, dtype: torch.dtype = torch.float64) -> HarmonicAnalysis:
    """Harmonic analysis of a model at the geometry ``atoms`` (which should be a minimum of the model)."""
    return harmonic_analysis(model_hessian(model, atoms, dtype), atoms.get_masses(), atoms.positions)


def mode_animation_frames(atoms: Atoms, mode: np.ndarray, amplitude: float = 0.3,
                          n_frames: int = 20) -> list[Atoms]:
    """One period of a vibration for the 3-D viewer: R + amplitude sin(2 pi k / n_frames) d / max|d_I|.

    ``mode`` [N, 3] is a Cartesian displacement; ``amplitude`` (Å) is how far the most moving atom goes.
    """
    mode = np.asarray(mode, dtype=float).reshape(len(atoms), 3)
    largest = np.linalg.norm(mode, axis=1).max()
    if largest == 0:
        raise ValueError("the mode does not move any atom")
    frames = []
    for k in range(n_frames):
        frame = atoms.copy()  # without the calculator
        frame.positions = atoms.positions + amplitude * np.sin(2 * np.pi * k / n_frames) * mode / largest
        frames.append(frame)
    return frames
