"""A reference minimum and its Hessian, computed with any ASE calculator and kept in a small JSON file.

The harmonic frequencies of a molecule need the geometry of the minimum and the matrix of second
derivatives there. For a quantum-chemistry reference (PySCF) both are expensive: a BFGS optimisation
and 6N analytic gradients for the finite-difference Hessian (18 for water). ``compute_reference_hessian``
does both; ``write_reference_hessian`` / ``read_reference_hessian`` keep the result in a file that a
page reads in milliseconds (assets/scripts/make_water_hessian.py writes the shipped one).

Units: positions Å, energy eV, Hessian eV/Å², masses amu.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator

from nnpes_core.data.samplers import finite_difference_hessian, optimize

FORMAT = "nnpes-reference-hessian-1"


@dataclass
class ReferenceHessian:
    """A minimum (atoms without a calculator), its energy and Cartesian Hessian, and where they came from."""

    atoms: Atoms
    energy: float  # eV
    hessian: np.ndarray  # [3N, 3N] eV/Å²
    metadata: dict[str, Any] = field(default_factory=dict)  # method, basis, step, timings, versions


def compute_reference_hessian(atoms: Atoms, calculator: Calculator, fmax: float = 1e-4, delta: float = 5e-3,
                              progress: Callable[[str], None] | None = None) -> ReferenceHessian:
    """Relax ``atoms`` with BFGS to ``fmax`` (eV/Å), then the Hessian by central differences of the
    forces with step ``delta`` (Å): 6N force calls. Records the number of calls and the wall time."""
    calls = {"n": 0, "cached": 0}
    original = calculator.calculate

    def counted(*args, **kwargs):  # count what the reference costs (and what a disk cache saved)
        calls["n"] += 1
        result = original(*args, **kwargs)
        calls["cached"] += bool(getattr(calculator, "from_cache", False))
        return result

    calculator.calculate = counted
    try:
        start = time.perf_counter()
        if progress:
            progress("optimising the geometry (BFGS)")
        minimum = optimize(atoms, calculator, fmax=fmax)
        energy = float(minimum.get_potential_energy())
        optimisation_calls = calls["n"]
        if progress:
            progress(f"Hessian: {6 * len(atoms)} force calls by central differences")
        matrix = finite_difference_hessian(minimum, calculator, delta)
        seconds = time.perf_counter() - start
    finally:
        calculator.calculate = original
    minimum.calc = None
    metadata = {"fmax_eV_per_A": fmax, "delta_A": delta, "optimisation_calls": optimisation_calls,
                "hessian_calls": calls["n"] - optimisation_calls, "calls_from_cache": calls["cached"],
                "seconds": seconds}
    return ReferenceHessian(minimum, energy, matrix, metadata)


def write_reference_hessian(path: str | os.PathLike, reference: ReferenceHessian) -> Path:
    """Write the reference as JSON (numbers in full precision)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "format": FORMAT,
        "symbols": reference.atoms.get_chemical_symbols(),
        "positions_angstrom": reference.atoms.positions.tolist(),
        "energy_eV": reference.energy,
        "hessian_eV_per_angstrom2": np.asarray(reference.hessian).tolist(),
        "metadata": reference.metadata,
    }
    path.write_text(json.dumps(document, indent=1) + "\n")
    return path


def read_reference_hessian(path: str | os.PathLike) -> ReferenceHessian:
    """Read a file written by :func:`write_reference_hessian`; ValueError with one clear line otherwise."""
    path = Path(path)
    try:
        document = json.loads(path.read_text())
        if document.get("format") != FORMAT:
            raise ValueError(f"not a reference Hessian file (format {document.get('format')!r})")
        atoms = Atoms(document["symbols"], positions=np.asarray(document["positions_angstrom"], dtype=float))
        matrix = np.asarray(document["hessian_eV_per_angstrom2"], dtype=float)
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"could not read the reference Hessian {path.name}: {error}") from None
    if matrix.shape != (3 * len(atoms), 3 * len(atoms)) or not np.all(np.isfinite(matrix)):
        raise ValueError(f"{path.name}: the Hessian must be a finite [{3 * len(atoms)}, {3 * len(atoms)}] matrix")
    return ReferenceHessian(atoms, float(document["energy_eV"]), matrix, dict(document.get("metadata", {})))
