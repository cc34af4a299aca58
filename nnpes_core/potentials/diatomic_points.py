"""A diatomic potential energy curve one clamped-nuclei calculation at a time.

``diatomic_curve`` computes a whole curve in one call. An interactive page wants the same result
point by point, so that it can show progress after each distance, cache each distance on its own and
say honestly which points were computed just now and which were read back from the disk cache:

    points = [diatomic_point("H2", r, basis="6-31g", nroots=4) for r in distances]
    curve = curve_from_points(points)           # a DiatomicCurve, as diatomic_curve would give

``singlet_state_count`` says how many singlet states a basis has at all (the largest useful
``nroots``), and ``hydrogen_atom_energy`` gives the dissociation limit E(H) + E(H) in the same basis.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from math import comb

import numpy as np
from ase import Atoms

from nnpes_core.potentials.diatomic import DiatomicCurve
from nnpes_core.potentials.quantum import PySCFCalculator, build_molecule


@dataclass(frozen=True)
class CurvePoint:
    """The electronic states of a diatomic at one bond length R; energies in eV."""

    symbols: str  # e.g. "H2"
    method: str  # "fci", "hf", or a DFT functional
    basis: str
    distance: float  # R, Å
    energies: np.ndarray  # [n_roots] eV, ascending; column 0 is the ground state E_0(R)
    hf_energy: float  # eV; NaN for DFT
    nuclear_repulsion: float  # E_nuc(R), eV
    from_cache: bool  # True when PySCF did not run because the disk cache had the result
    seconds: float  # wall time of this point (reading the cache counts too)

    @property
    def electronic_energy(self) -> float:
        """E_el(R) = E_0(R) - E_nuc(R) in eV: the electrons alone, in the field of the clamped nuclei."""
        return float(self.energies[0]) - self.nuclear_repulsion


def diatomic_molecule(symbols: str, distance: float) -> Atoms:
    """The diatomic ``symbols`` with its bond of ``distance`` Å along z, first atom at the origin."""
    return Atoms(symbols, positions=[[0.0, 0.0, 0.0], [0.0, 0.0, float(distance)]])


def diatomic_point(
    symbols: str,
    distance: float,
    basis: str = "cc-pvdz",
    method: str = "fci",
    nroots: int = 1,
    cache_dir: str | os.PathLike | bool | None = "auto",
) -> CurvePoint:
    """Solve the electronic problem of ``symbols`` at bond length ``distance`` (Å), nuclei clamped."""
    calculator = PySCFCalculator(method, basis, nroots=nroots, cache_dir=cache_dir)
    molecule = diatomic_molecule(symbols, distance)
    start = time.perf_counter()
    calculator.get_potential_energy(molecule)
    seconds = time.perf_counter() - start
    results = calculator.results
    return CurvePoint(
        symbols=symbols, method=calculator.parameters["method"], basis=calculator.parameters["basis"],
        distance=float(distance), energies=np.atleast_1d(results.get("state_energies", results["energy"])),
        hf_energy=float(results.get("hf_energy", np.nan)), nuclear_repulsion=float(results["nuclear_repulsion"]),
        from_cache=bool(calculator.from_cache), seconds=seconds,
    )


def curve_from_points(points: list[CurvePoint]) -> DiatomicCurve:
    """Join points (one molecule, method and basis) into a DiatomicCurve sorted by distance.

    ``metadata`` records how many points were computed now and how many came from the disk cache,
    and the seconds spent: ``{"computed": n, "from_cache": m, "seconds": t}``.
    """
    if not points:
        raise ValueError("no points to join into a curve")
    first = points[0]
    for point in points:
        if (point.symbols, point.method, point.basis, len(point.energies)) != (
                first.symbols, first.method, first.basis, len(first.energies)):
            raise ValueError("points of different molecules, methods, bases or numbers of roots cannot be joined")
    points = sorted(points, key=lambda point: point.distance)
    from_cache = sum(point.from_cache for point in points)
    return DiatomicCurve(
        symbols=first.symbols, method=first.method, basis=first.basis,
        distances=np.array([point.distance for point in points]),  # [n_R] Å
        energies=np.stack([point.energies for point in points]),  # [n_R, n_roots] eV
        hf_energies=np.array([point.hf_energy for point in points]),
        nuclear_repulsion=np.array([point.nuclear_repulsion for point in points]),
        metadata=dict(computed=len(points) - from_cache, from_cache=from_cache,
                      seconds=float(sum(point.seconds for point in points))),
    )


def singlet_state_count(n_orbitals: int, n_electrons: int) -> int:
    """How many singlet states ``n_electrons`` electrons have in ``n_orbitals`` spatial orbitals.

    Weyl's formula for spin S = 0: (1 / (n + 1)) C(n + 1, N/2) C(n + 1, N/2 + 1). For two electrons
    it is n (n + 1) / 2: one state per unordered pair of orbitals (both electrons in one orbital
    counts too). It is the largest ``nroots`` an FCI singlet calculation can ask for.
    """
    if n_electrons % 2 or n_electrons < 0 or n_electrons > 2 * n_orbitals:
        return 0
    half = n_electrons // 2
    return comb(n_orbitals + 1, half) * comb(n_orbitals + 1, half + 1) // (n_orbitals + 1)


def max_singlet_roots(symbols: str, basis: str, distance: float = 1.0) -> int:
    """The number of singlet states of the neutral diatomic ``symbols`` in ``basis`` (one basis
    function per orbital)."""
    molecule = diatomic_molecule(symbols, distance)
    mol = build_molecule(molecule.numbers, molecule.positions, basis)
    return singlet_state_count(mol.nao, int(mol.nelectron))


def hydrogen_atom_energy(basis: str, cache_dir: str | os.PathLike | bool | None = "auto") -> float:
    """E(H) in eV in ``basis``: one electron, so Hartree-Fock is exact within the basis.

    Twice this is the energy H2 dissociates to in the same basis (the exact value is -0.5 Eh each).
    """
    calculator = PySCFCalculator("hf", basis, spin=1, cache_dir=cache_dir)
    return float(calculator.get_potential_energy(Atoms("H")))
