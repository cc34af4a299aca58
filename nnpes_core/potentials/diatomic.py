"""Potential energy curves of diatomic molecules, the first picture of lesson 1.

``h2_curve`` gives E_k(R) for the ground and excited singlet states of H2 (FCI), the Hartree-Fock
curve beside it and the nuclear repulsion E_nuc(R) on its own; ``fit_minimum`` reads off the
equilibrium bond length r_e and the well depth D_e.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from ase import Atoms
from scipy.interpolate import CubicSpline
from scipy.optimize import minimize_scalar

from nnpes_core.potentials.quantum import PySCFCalculator
from nnpes_core.units import HARTREE


@dataclass
class DiatomicCurve:
    """Energies along the bond length R of a diatomic; all energies in eV."""

    symbols: str  # e.g. "H2" or "LiH"
    method: str
    basis: str
    distances: np.ndarray  # [n_R] Å
    energies: np.ndarray  # [n_R, n_roots] eV, column 0 = ground state
    hf_energies: np.ndarray  # [n_R] eV, NaN where HF was not computed (DFT)
    nuclear_repulsion: np.ndarray  # [n_R] eV
    metadata: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready: eV values and, for convenience, the same energies in Hartree."""
        as_list = lambda values: np.asarray(values, dtype=float).tolist()  # noqa: E731
        return dict(
            symbols=self.symbols, method=self.method, basis=self.basis, metadata=self.metadata,
            distances_angstrom=as_list(self.distances),
            energies_eV=as_list(self.energies), energies_hartree=as_list(self.energies / HARTREE),
            hf_energies_eV=as_list(self.hf_energies), hf_energies_hartree=as_list(self.hf_energies / HARTREE),
            nuclear_repulsion_eV=as_list(self.nuclear_repulsion),
            nuclear_repulsion_hartree=as_list(self.nuclear_repulsion / HARTREE),
        )

    @classmethod
    def from_dict(cls, data: dict) -> "DiatomicCurve":
        return cls(
            symbols=data["symbols"], method=data["method"], basis=data["basis"],
            distances=np.array(data["distances_angstrom"]), energies=np.array(data["energies_eV"]),
            hf_energies=np.array(data["hf_energies_eV"], dtype=float),
            nuclear_repulsion=np.array(data["nuclear_repulsion_eV"]), metadata=data.get("metadata", {}),
        )


def diatomic_curve(
    symbols: str,
    distances,
    basis: str = "cc-pvdz",
    method: str = "fci",
    nroots: int = 1,
    charge: int = 0,
    spin: int = 0,
    cache_dir: str | os.PathLike | bool | None = "auto",
    progress=None,
) -> DiatomicCurve:
    """Energies of a diatomic ``symbols`` (e.g. "H2", "LiH") at each distance in Å.

    ``progress(done, total)`` is called after each distance if given.
    """
    distances = np.asarray(distances, dtype=float)
    calculator = PySCFCalculator(method, basis, charge=charge, spin=spin, nroots=nroots, cache_dir=cache_dir)
    energies = np.zeros((len(distances), nroots))
    hf_energies = np.full(len(distances), np.nan)
    nuclear_repulsion = np.zeros(len(distances))
    for index, distance in enumerate(distances):
        molecule = Atoms(symbols, positions=[[0.0, 0.0, 0.0], [0.0, 0.0, distance]])
        molecule.calc = calculator
        molecule.get_potential_energy()
        results = calculator.results
        energies[index] = results.get("state_energies", [results["energy"]])
        hf_energies[index] = results.get("hf_energy", np.nan)
        nuclear_repulsion[index] = results["nuclear_repulsion"]
        if progress is not None:
            progress(index + 1, len(distances))
    return DiatomicCurve(symbols, calculator.parameters["method"], calculator.parameters["basis"],
                         distances, energies, hf_energies, nuclear_repulsion)


def h2_curve(distances, basis: str = "cc-pvdz", method: str = "fci", nroots: int = 3,
             cache_dir: str | os.PathLike | bool | None = "auto", progress=None) -> DiatomicCurve:
    """H2 ground and excited singlet curves E_k(R) (FCI by default), HF beside them, and E_nuc(R)."""
    if method.lower() != "fci":
        nroots = 1
    return diatomic_curve("H2", distances, basis, method, nroots, cache_dir=cache_dir, progress=progress)


@dataclass
class MinimumFit:
    bond_length: float  # r_e, Å
    energy: float  # E(r_e), same unit as the input energies
    well_depth: float  # D_e = E_dissociation - E(r_e), > 0 for a bound molecule
    dissociation_limit: float  # the energy D_e is measured from


def fit_minimum(distances, energies, dissociation_limit: float | None = None) -> MinimumFit:
    """r_e and D_e from a sampled curve: a cubic spline through the points, minimised.

    D_e is measured from ``dissociation_limit`` if given (e.g. twice the H-atom energy, -0.5 Eh each
    for H2), else from the energy at the largest distance. The latter is a good approximation only
    when the curve has flattened out there, and it is misleading for restricted Hartree-Fock, whose
    curve dissociates to the wrong (ionic + covalent) limit and keeps rising.
    """
    distances = np.asarray(distances, dtype=float)
    energies = np.asarray(energies, dtype=float)
    order = np.argsort(distances)
    distances, energies = distances[order], energies[order]
    spline = CubicSpline(distances, energies)
    lowest = int(np.argmin(energies))
    lower = distances[max(lowest - 1, 0)]
    upper = distances[min(lowest + 1, len(distances) - 1)]
    found = minimize_scalar(spline, bounds=(lower, upper), method="bounded", options={"xatol": 1e-8})
    limit = float(energies[-1]) if dissociation_limit is None else float(dissociation_limit)
    energy = float(spline(found.x))
    return MinimumFit(float(found.x), energy, limit - energy, limit)


def save_curves(path: str | os.PathLike, curves: dict[str, DiatomicCurve], metadata: dict | None = None) -> None:
    """Write named curves (e.g. one per basis set) to one JSON file."""
    payload = {"metadata": metadata or {}, "curves": {name: curve.to_dict() for name, curve in curves.items()}}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(payload, indent=1))
    os.replace(temporary, path)


def load_curves(path: str | os.PathLike) -> dict[str, DiatomicCurve]:
    """Read curves written by :func:`save_curves` (e.g. ``assets/data/h2_fci_curves.json``)."""
    payload = json.loads(Path(path).read_text())
    return {name: DiatomicCurve.from_dict(data) for name, data in payload["curves"].items()}
