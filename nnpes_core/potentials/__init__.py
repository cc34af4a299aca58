"""Reference potentials, "the truth" every model is compared with.

- ``PySCFCalculator``: clamped-nuclei electronic structure (HF, DFT, FCI with excited singlets) as an ASE
  calculator, cached on disk; ``h2_curve`` / ``fit_minimum`` for the potential energy curves of lesson 1.
- ``MullerBrown``, ``LEPS``, ``DoubleWell``: 2-D surfaces as differentiable torch functions, with
  ``gradient``, ``hessian``, ``find_stationary_point``, ``classify`` and ``grid``.
- ``MorsePairPotential``: an analytic pair potential as an ASE calculator (ASE's EMT and LennardJones
  are used as they are); ``reference_calculator(name)`` returns any of them by name.
"""
from nnpes_core.potentials.leps_calculator import LEPSCalculator, LEPSInputError
from nnpes_core.potentials.particle import ParticleCalculator, ParticleInputError, particle_atoms, particle_xy
from nnpes_core.potentials.diatomic import (
    DiatomicCurve, MinimumFit, diatomic_curve, fit_minimum, h2_curve, load_curves, save_curves,
)
from nnpes_core.potentials.morse import WATER_LIKE_MORSE, MorsePairPotential
from nnpes_core.potentials.quantum import PySCFCalculator, SCFNotConvergedError
from nnpes_core.potentials.reference import reference_calculator
from nnpes_core.potentials.stationary import (
    StationaryPoint, classify, find_stationary_point, gradient, grid, hessian,
)
from nnpes_core.potentials.toy2d import LEPS, DoubleWell, KnownPoint, MullerBrown, Surface2D, toy_surface

__all__ = [
    "PySCFCalculator", "SCFNotConvergedError",
    "DiatomicCurve", "MinimumFit", "diatomic_curve", "h2_curve", "fit_minimum", "save_curves", "load_curves",
    "MorsePairPotential", "WATER_LIKE_MORSE", "reference_calculator",
    "Surface2D", "KnownPoint", "MullerBrown", "LEPS", "DoubleWell", "toy_surface",
    "StationaryPoint", "gradient", "hessian", "classify", "find_stationary_point", "grid",
    "LEPSCalculator", "LEPSInputError", "ParticleCalculator", "ParticleInputError", "particle_atoms", "particle_xy",
]
