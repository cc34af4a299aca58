"""What makes a saddle a transition state: zero force, and a Hessian with exactly one negative eigenvalue.

At a first-order saddle the energy is a maximum along one direction (the reaction coordinate) and a
minimum along all others. In mass-weighted coordinates the Hessian's eigenvalues are omega_k^2; the
negative one gives an imaginary frequency, written here as a negative wavenumber (cm⁻¹), whose mode is
the motion across the barrier. The Hessian comes from ASE's ``Vibrations`` (central differences of the
calculator's forces, so it works for any calculator: LEPS, a particle on a 2-D surface, a trained
model); translations and rotations are projected out by ``analysis.vibrations.harmonic_analysis``
(3N - 5 modes remain for linear H3: one imaginary, the symmetric stretch and two bends).

A single "atom" (a particle on a 2-D surface, ``potentials.particle``) has no rotations; its modes are
those of the 2 x 2 (x, y) block. Its wavenumbers are formal: they assume eV, Å and amu.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.vibrations import Vibrations

from nnpes_core.analysis.vibrations import HarmonicAnalysis, harmonic_analysis
from nnpes_core.units import WAVENUMBER_PER_SQRT_EV_A2_AMU

FINITE_DIFFERENCE_STEP = 5e-3  # Å: central differences of the forces (error ~ step² ~ 1e-5 relative)


def vibrations_hessian(atoms: Atoms, calculator: Calculator, indices: list[int] | None = None,
                       delta: float = FINITE_DIFFERENCE_STEP) -> np.ndarray:
    """The Cartesian Hessian [3n, 3n] in eV/Å² by ASE's Vibrations (n = atoms in ``indices``, default all).

    Vibrations keeps its displaced-force cache in files: here in a temporary folder, removed after.
    """
    work = atoms.copy()
    work.calc = calculator
    with tempfile.TemporaryDirectory(prefix="nnpes-vib-") as folder:
        vibrations = Vibrations(work, indices=indices, name=os.path.join(folder, "vib"), delta=delta, nfree=2)
        vibrations.run()
        hessian = vibrations.get_vibrations().get_hessian_2d()
    return 0.5 * (hessian + hessian.T)


def particle_modes(hessian: np.ndarray, mass: float) -> HarmonicAnalysis:
    """Modes of one particle on a 2-D surface from its 3 x 3 Hessian (z is ignored): omega² = eig(H_xy)/m."""
    curvature, vectors = np.linalg.eigh(hessian[:2, :2])  # [2], [2, 2] ascending
    omega_squared = curvature / mass
    wavenumbers = np.sign(omega_squared) * np.sqrt(np.abs(omega_squared)) * WAVENUMBER_PER_SQRT_EV_A2_AMU
    displacements = np.zeros((2, 1, 3))
    displacements[:, 0, :2] = vectors.T
    return HarmonicAnalysis(wavenumbers=wavenumbers, omega_squared=omega_squared,
                            mass_weighted_modes=displacements.copy(), displacements=displacements, n_rigid=0)


def harmonic_modes(atoms: Atoms, calculator: Calculator, delta: float = FINITE_DIFFERENCE_STEP) -> HarmonicAnalysis:
    """Harmonic analysis at ``atoms`` (a minimum or a saddle) with any ASE calculator."""
    hessian = vibrations_hessian(atoms, calculator, delta=delta)
    if len(atoms) == 1:
        return particle_modes(hessian, float(atoms.get_masses()[0]))
    return harmonic_analysis(hessian, atoms.get_masses(), atoms.positions)


@dataclass
class SaddleAnalysis:
    """A saddle point: where it is, how high above the reactants, and its normal modes."""

    atoms: Atoms  # the geometry (Å)
    energy: float  # eV
    reactant_energy: float  # eV: the zero of the barrier
    largest_force: float  # eV/Å left at the geometry (zero at an exact saddle)
    modes: HarmonicAnalysis  # wavenumbers ascending, imaginary ones negative

    @property
    def barrier(self) -> float:
        """Delta E = E(saddle) - E(reactants), eV (classical: no zero-point energy)."""
        return self.energy - self.reactant_energy

    @property
    def n_negative(self) -> int:
        """Number of negative Hessian eigenvalues (imaginary frequencies): 1 for a transition state."""
        return int(np.sum(self.modes.omega_squared < 0))

    @property
    def is_first_order_saddle(self) -> bool:
        return self.n_negative == 1

    @property
    def imaginary_wavenumber(self) -> float:
        """|wavenumber| of the imaginary mode in cm⁻¹ (the one negative eigenvalue); NaN if there is none."""
        negative = self.modes.wavenumbers[self.modes.omega_squared < 0]
        return float(abs(negative[0])) if len(negative) else float("nan")

    @property
    def real_wavenumbers(self) -> np.ndarray:
        """The other modes in cm⁻¹ (those that enter the transition-state partition function)."""
        return self.modes.wavenumbers[self.modes.omega_squared > 0]


def analyse_saddle(atoms: Atoms, calculator: Calculator, reactant_energy: float,
                   delta: float = FINITE_DIFFERENCE_STEP) -> SaddleAnalysis:
    """Energy, barrier, remaining force and normal modes of ``calculator`` at ``atoms``."""
    work = atoms.copy()
    work.calc = calculator
    energy = float(work.get_potential_energy())
    largest_force = float(np.linalg.norm(work.get_forces(), axis=1).max())
    return SaddleAnalysis(atoms=atoms.copy(), energy=energy, reactant_energy=float(reactant_energy),
                          largest_force=largest_force, modes=harmonic_modes(atoms, calculator, delta))
