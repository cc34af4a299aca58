"""Tully's three one-dimensional two-state models, in atomic units.

J. C. Tully, "Molecular dynamics with electronic transitions", J. Chem. Phys. 93, 1061 (1990): a
particle of mass M = 2000 electron masses (about a proton) moves along x and carries two electronic
states. Each model is given by its 2 x 2 **diabatic** Hamiltonian, a smooth symmetric matrix

    V(x) = [[V11(x), V12(x)],
            [V12(x), V22(x)]]

whose eigenvalues are the adiabatic (Born-Oppenheimer) surfaces (see ``adiabatic.py``).

Units: x in bohr, energies in hartree (Eₕ), mass in electron masses, momentum ħk in ħ/bohr ("k in
a.u."), time in a.u. of time (ħ/Eₕ = 0.0242 fs). Parameters are Tully's.

    1  simple avoided crossing   V11 = sign(x) A (1 - exp(-B|x|)),  V22 = -V11,  V12 = C exp(-D x²)
    2  dual avoided crossing     V11 = 0,  V22 = -A exp(-B x²) + E0,  V12 = C exp(-D x²)
    3  extended coupling         V11 = A,  V22 = -A,  V12 = B exp(Cx) (x < 0),  B (2 - exp(-Cx)) (x > 0)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import units as _ase

from nnpes_core.units import HARTREE

TULLY_MASS = 2000.0  # electron masses (a.u.)
AU_TIME_FS = _ase._hbar / (HARTREE * _ase._e) * 1e15  # one atomic unit of time, ħ/Eₕ, in fs (0.0242)


class UnknownModelError(ValueError):
    """A model number other than 1, 2 or 3."""


@dataclass(frozen=True)
class DiabaticHamiltonian:
    """The diabatic matrix elements and their x-derivatives at points x [n], each [n] (Eₕ, Eₕ/bohr)."""

    v11: np.ndarray
    v22: np.ndarray
    v12: np.ndarray
    dv11: np.ndarray
    dv22: np.ndarray
    dv12: np.ndarray

    def matrix(self) -> np.ndarray:
        """V(x) as [n, 2, 2] matrices."""
        return np.stack([np.stack([self.v11, self.v12], -1), np.stack([self.v12, self.v22], -1)], -2)


class TwoStateModel:
    """A one-dimensional model with two electronic states, given by its diabatic Hamiltonian.

    Subclasses implement ``diabatic(x)``. ``box`` is the interval (bohr) outside which the couplings
    vanish: trajectories start at its left end and count as scattered when they leave it.
    ``momentum_range`` is the range of incoming momenta (ħ/bohr) Tully plotted.
    """

    name = "two-state model"
    number = 0
    mass = TULLY_MASS
    box = (-10.0, 10.0)
    momentum_range = (1.0, 30.0)

    def diabatic(self, x: np.ndarray) -> DiabaticHamiltonian:
        raise NotImplementedError

    def adiabatic(self, x: np.ndarray):
        """Adiabatic energies, gradients and the coupling d12 at x [n] (see ``adiabatic.adiabatic_states``)."""
        from nnpes_core.nonadiabatic.adiabatic import adiabatic_states

        return adiabatic_states(self.diabatic(np.asarray(x, dtype=float)))

    def asymptotic_energies(self) -> tuple[np.ndarray, np.ndarray]:
        """Adiabatic energies (lower, upper) at the left and at the right end of the box, (Eₕ, Eₕ) each."""
        states = self.adiabatic(np.array(self.box))
        return states.energies[0], states.energies[1]


class SimpleAvoidedCrossing(TwoStateModel):
    """Tully's model 1: two diabats that cross once at x = 0, coupled by a Gaussian."""

    name, number = "simple avoided crossing", 1
    box = (-10.0, 10.0)
    momentum_range = (1.0, 30.0)

    def __init__(self, A: float = 0.01, B: float = 1.6, C: float = 0.005, D: float = 1.0):
        self.A, self.B, self.C, self.D = A, B, C, D

    def diabatic(self, x: np.ndarray) -> DiabaticHamiltonian:
        x = np.asarray(x, dtype=float)
        decay = np.exp(-self.B * np.abs(x))
        v11 = np.sign(x) * self.A * (1.0 - decay)
        dv11 = self.A * self.B * decay  # continuous through x = 0
        v12 = self.C * np.exp(-self.D * x**2)
        return DiabaticHamiltonian(v11, -v11, v12, dv11, -dv11, -2.0 * self.D * x * v12)


class DualAvoidedCrossing(TwoStateModel):
    """Tully's model 2: a well in V22 makes the diabats cross twice; interference between the two
    crossings gives Stückelberg oscillations in the probabilities."""

    name, number = "dual avoided crossing", 2
    box = (-10.0, 10.0)
    momentum_range = (8.0, 100.0)  # Tully plotted ln(E/Eₕ) from -4 to 1: k = 8.6 to 104

    def __init__(self, A: float = 0.10, B: float = 0.28, C: float = 0.015, D: float = 0.06, E0: float = 0.05):
        self.A, self.B, self.C, self.D, self.E0 = A, B, C, D, E0

    def diabatic(self, x: np.ndarray) -> DiabaticHamiltonian:
        x = np.asarray(x, dtype=float)
        well = self.A * np.exp(-self.B * x**2)
        v12 = self.C * np.exp(-self.D * x**2)
        zero = np.zeros_like(x)
        return DiabaticHamiltonian(zero, self.E0 - well, v12, zero, 2.0 * self.B * x * well,
                                   -2.0 * self.D * x * v12)


class ExtendedCoupling(TwoStateModel):
    """Tully's model 3: constant diabats and a coupling that switches on for x > 0 and stays; the upper
    adiabat rises to +0.2 Eₕ on the right, so slow particles that hop up are reflected."""

    name, number = "extended coupling", 3
    box = (-15.0, 15.0)  # the coupling decays slowly, exp(-0.9|x|), on the left
    momentum_range = (1.0, 30.0)

    def __init__(self, A: float = 6e-4, B: float = 0.10, C: float = 0.90):
        self.A, self.B, self.C = A, B, C

    def diabatic(self, x: np.ndarray) -> DiabaticHamiltonian:
        x = np.asarray(x, dtype=float)
        decay = np.exp(-self.C * np.abs(x))
        v12 = np.where(x < 0, self.B * decay, self.B * (2.0 - decay))
        dv12 = self.B * self.C * decay
        constant = np.full_like(x, self.A)
        zero = np.zeros_like(x)
        return DiabaticHamiltonian(constant, -constant, v12, zero, zero, dv12)


TULLY_MODELS = {1: SimpleAvoidedCrossing, 2: DualAvoidedCrossing, 3: ExtendedCoupling}


def tully_model(number: int) -> TwoStateModel:
    """Tully's model ``number`` (1, 2 or 3) with his parameters."""
    if number not in TULLY_MODELS:
        raise UnknownModelError(f"unknown model {number!r}: Tully's models are 1 (simple avoided crossing), "
                                "2 (dual avoided crossing) and 3 (extended coupling)")
    return TULLY_MODELS[number]()
