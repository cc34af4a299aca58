"""Equation of state: energy against volume, and from it the lattice constant and the bulk modulus.

Squeeze or stretch the crystal uniformly and compute the energy per atom E(V) at each volume per
atom V. Near the minimum the curve is fitted with the Birch-Murnaghan form (ASE's
``ase.eos.EquationOfState``, "birchmurnaghan"), which gives

    V0   the equilibrium volume per atom (Å³), and for fcc (4 atoms per cubic cell) a0 = (4 V0)^(1/3),
    E0   the energy per atom at V0 (eV),
    B    = V d²E/dV² at V0, the bulk modulus: how hard it is to compress (eV/Å³; GPa below).

ASE's EMT gives a0 = 3.590 Å and B = 134 GPa for Cu (measured: 3.615 Å, 137-142 GPa), and
a0 = 3.994 Å, B = 39.5 GPa for Al (measured: 4.05 Å, 76 GPa: EMT is poor for Al's compressibility).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase.build import bulk
from ase.calculators.calculator import Calculator
from ase.eos import EquationOfState

from nnpes_core import units

GPA_PER_EV_PER_A3 = units.EV_J * 1e30 / 1e9  # 1 eV/Å³ = 160.2 GPa
ATOMS_PER_CUBIC_CELL = 4  # fcc


@dataclass
class EOSResult:
    lattice_constants: np.ndarray  # [n_points] Å, the cubic cells computed
    volumes: np.ndarray  # [n_points] Å³ per atom
    energies: np.ndarray  # [n_points] eV per atom
    volume: float  # V0, Å³ per atom
    energy: float  # E0, eV per atom
    bulk_modulus_gpa: float  # B, GPa
    fit: EquationOfState  # ASE's fitted object: fit.func(V, *fit.eos_parameters) in eV

    @property
    def lattice_constant(self) -> float:
        """a0 = (4 V0)^(1/3), Å (four atoms in the cubic fcc cell)."""
        return float((ATOMS_PER_CUBIC_CELL * self.volume) ** (1.0 / 3.0))

    def curve(self, volumes: np.ndarray) -> np.ndarray:
        """The fitted E(V) in eV per atom at ``volumes`` (Å³ per atom)."""
        return np.asarray(self.fit.func(np.asarray(volumes, dtype=float), *self.fit.eos_parameters))


def cubic_cell_energies(calculator: Calculator, element: str, lattice_constants: np.ndarray) -> np.ndarray:
    """Energy per atom (eV) of the 4-atom cubic fcc cell of ``element`` at each lattice constant (Å)."""
    energies = []
    for a in np.asarray(lattice_constants, dtype=float):
        cell = bulk(element, "fcc", a=float(a), cubic=True)
        cell.calc = calculator
        energies.append(cell.get_potential_energy() / len(cell))
    return np.array(energies)


def equation_of_state(calculator: Calculator, element: str, lattice_constant: float, span: float = 0.03,
                      n_points: int = 9, form: str = "birchmurnaghan") -> EOSResult:
    """E(V) of fcc ``element`` with ``calculator`` for lattice constants a (1 ± ``span``), fitted.

    ``lattice_constant`` (Å) is where the scan is centred; the fitted a0 need not be there, but it
    should lie inside the scan (otherwise the fit extrapolates, and ValueError says so).
    """
    if n_points < 5:
        raise ValueError("an equation-of-state fit needs at least 5 points")
    if not 0 < span < 0.2:
        raise ValueError("the span must be a fraction between 0 and 0.2")
    lattice_constants = lattice_constant * np.linspace(1 - span, 1 + span, n_points)
    energies = cubic_cell_energies(calculator, element, lattice_constants)
    volumes = lattice_constants**3 / ATOMS_PER_CUBIC_CELL
    lowest = int(np.argmin(energies))
    if lowest in (0, n_points - 1):
        raise ValueError(f"the lowest energy lies at the edge of the scan (a = {lattice_constants[lowest]:.3f} Å): "
                         "the minimum is outside the scanned volumes; centre the scan nearer it or widen the span")
    fit = EquationOfState(volumes, energies, eos=form)
    try:
        volume, energy, bulk_modulus = fit.fit()
    except (RuntimeError, ValueError) as error:
        raise ValueError(f"the equation of state could not be fitted ({error})") from None
    if not volumes.min() <= volume <= volumes.max():
        raise ValueError(f"the fitted minimum (V0 = {volume:.2f} Å³/atom) lies outside the scanned volumes "
                         f"{volumes.min():.2f}-{volumes.max():.2f} Å³/atom: widen the span")
    return EOSResult(lattice_constants, volumes, energies, float(volume), float(energy),
                     float(bulk_modulus) * GPA_PER_EV_PER_A3, fit)
