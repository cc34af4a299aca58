"""One place that turns a name into a reference calculator (used by the ``nnpes`` command and pages)."""
from __future__ import annotations

from ase.calculators.calculator import Calculator
from ase.calculators.emt import EMT
from ase.calculators.lj import LennardJones

from nnpes_core.potentials.morse import MorsePairPotential
from nnpes_core.potentials.quantum import PySCFCalculator, validate_method

ANALYTIC = {"morse": MorsePairPotential, "emt": EMT, "lj": LennardJones, "lennard-jones": LennardJones}


def reference_calculator(name: str, **parameters) -> Calculator:
    """A fresh ASE calculator: "morse", "emt", "lj" / "lennard-jones", "pyscf", or a PySCF method name.

    A PySCF method ("hf", "fci", "b3lyp", "pbe", ...) gives ``PySCFCalculator(method=name, **parameters)``
    (so ``basis``, ``charge``, ``spin``, ``nroots``, ``cache_dir`` pass through); the analytic ones
    take their own keyword arguments.
    """
    key = name.strip().lower().replace("_", "-")
    if key in ANALYTIC:
        return ANALYTIC[key](**parameters)
    if key == "pyscf":
        return PySCFCalculator(**parameters)
    try:
        method = validate_method(key)
    except ValueError:
        raise ValueError(
            f"unknown reference {name!r}: use morse, emt, lj, or a PySCF method (hf, fci, b3lyp, pbe, ...)"
        ) from None
    return PySCFCalculator(method=method, **parameters)
