"""Defect energies: the vacancy formation energy and the surface energy of an fcc metal.

Vacancy. Take a perfect supercell of N atoms with energy E_N, remove one atom (energy E_{N-1}) and
compare with N - 1 atoms of the perfect crystal:

    E_vac = E_{N-1} - (N - 1)/N * E_N                              (eV)

"Unrelaxed": the other atoms stay on their lattice sites. "Relaxed": they move to their new minimum
(fixed cell; an ASE optimiser on the forces), which lowers E_vac a little. ASE's EMT gives 1.24 eV
(unrelaxed) and 1.22 eV (relaxed) for Cu in a 108-atom cell; experiment says about 1.28 eV.

Surface. Cut the crystal into a slab of N atoms with two free surfaces of area A each:

    gamma = (E_slab - N * e_bulk) / (2 A)                          (eV/Å², or J/m²)

with e_bulk the energy per atom of the perfect crystal at the same lattice constant. Both energies
depend on bonds the model may never have seen in a perfect crystal: the transferability test.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator
from ase.optimize import BFGS

from nnpes_core import units
from nnpes_core.materials.crystals import fcc_slab, fcc_supercell

J_PER_M2_PER_EV_PER_A2 = units.EV_J * 1e20  # 1 eV/Å² = 16.02 J/m²


@dataclass
class VacancyResult:
    unrelaxed_ev: float  # E_vac with the atoms on their lattice sites
    relaxed_ev: float | None  # after relaxing the positions (None when not relaxed)
    n_atoms: int  # N, atoms of the perfect supercell
    lattice_constant: float  # Å
    relaxation_steps: int = 0
    max_displacement: float = 0.0  # Å, the largest move of an atom during the relaxation
    relaxed: Atoms | None = None  # the relaxed vacancy supercell
    site: np.ndarray | None = None  # [3] Å, where the removed atom was
    neighbours: np.ndarray | None = None  # indices (in the vacancy cell) of the atoms that lost a neighbour

    @property
    def relaxation_energy_ev(self) -> float | None:
        return None if self.relaxed_ev is None else self.relaxed_ev - self.unrelaxed_ev


def _energy(atoms: Atoms, calculator: Calculator) -> float:
    atoms = atoms.copy()
    atoms.calc = calculator
    return float(atoms.get_potential_energy())


def relax_positions(atoms: Atoms, calculator: Calculator, fmax: float = 0.01, max_steps: int = 200) -> int:
    """Move the atoms of ``atoms`` (in place, fixed cell) until every force is below ``fmax`` eV/Å.

    Returns the number of optimiser steps; raises ValueError when ``max_steps`` is not enough."""
    atoms.calc = calculator
    optimizer = BFGS(atoms, logfile=None)
    converged = optimizer.run(fmax=fmax, steps=max_steps)
    if not converged:
        raise ValueError(f"the relaxation did not reach forces below {fmax} eV/Å in {max_steps} steps")
    return int(optimizer.get_number_of_steps())


def vacancy_formation_energy(calculator: Calculator, element: str, lattice_constant: float, repeat: int = 3,
                             relax: bool = True, fmax: float = 0.01, max_steps: int = 200) -> VacancyResult:
    """E_vac of one vacancy in the ``repeat``³ cubic supercell (4 repeat³ atoms) at ``lattice_constant`` Å."""
    perfect = fcc_supercell(element, repeat, lattice_constant)
    n_atoms = len(perfect)
    energy_perfect = _energy(perfect, calculator)
    vacancy = perfect.copy()
    del vacancy[0]
    unrelaxed = _energy(vacancy, calculator) - (n_atoms - 1) / n_atoms * energy_perfect
    # the first shell of the removed atom 0 (at a/sqrt2); deleting atom 0 shifts every index down by one
    distances = perfect.get_distances(0, range(1, n_atoms), mic=True)
    shell = np.nonzero(distances < 0.85 * lattice_constant)[0]
    result = VacancyResult(float(unrelaxed), None, n_atoms, float(lattice_constant),
                           site=perfect.positions[0].copy(), neighbours=shell)
    if relax:
        start = vacancy.get_positions()
        result.relaxation_steps = relax_positions(vacancy, calculator, fmax, max_steps)
        result.relaxed_ev = float(vacancy.get_potential_energy() - (n_atoms - 1) / n_atoms * energy_perfect)
        result.max_displacement = float(np.linalg.norm(vacancy.get_positions() - start, axis=1).max())
        vacancy.calc = None
        result.relaxed = vacancy
    return result


@dataclass
class SurfaceResult:
    facet: str  # "111" or "100"
    energy_ev_per_a2: float  # gamma, eV/Å²
    n_atoms: int
    area: float  # Å², one face of the slab

    @property
    def energy_j_per_m2(self) -> float:
        return self.energy_ev_per_a2 * J_PER_M2_PER_EV_PER_A2


def surface_energy(calculator: Calculator, element: str, lattice_constant: float, facet: str = "111",
                   layers: int = 5) -> SurfaceResult:
    """gamma of the unrelaxed (111) or (100) surface, from a 2x2 slab of ``layers`` layers."""
    slab = fcc_slab(element, facet, layers=layers, lattice_constant=lattice_constant)
    bulk_cell = fcc_supercell(element, 1, lattice_constant)
    energy_per_atom = _energy(bulk_cell, calculator) / len(bulk_cell)
    area = float(np.linalg.norm(np.cross(slab.cell[0], slab.cell[1])))
    gamma = (_energy(slab, calculator) - len(slab) * energy_per_atom) / (2 * area)
    return SurfaceResult(facet, float(gamma), len(slab), area)
