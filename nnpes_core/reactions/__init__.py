"""Reactions: minimum-energy paths, saddle points and transition-state-theory rates (lesson 10).

- ``neb``: ASE's nudged elastic band with a climbing image, for any ASE calculator (``find_minimum_energy_path``).
- ``saddle``: the Hessian at a saddle by ASE's Vibrations; one negative eigenvalue, the imaginary
  frequency, the barrier (``analyse_saddle``).
- ``rates``: harmonic transition-state theory, unimolecular (Vineyard) and bimolecular (H + H2), and
  what a barrier error does to a rate.
- ``h3``: the H + H2 exchange end to end (``study_h_plus_h2``) and the training structures of the
  lesson (reactant valleys, structures along the path); ``h3_training``: the model recipe.
- ``surfaces``: the same for a particle on a 2-D surface (Müller-Brown).
"""
from nnpes_core.reactions.h3 import (
    FAR, H2_BOND_LENGTH, SEPARATION, H3Reaction, collinear_coordinates, collinear_energy_map, collinear_h3,
    energies_along, h2_wavenumber, leps_barrier_curve, path_structures, reaction_endpoints, separated_reactants,
    study_h_plus_h2, valley_structures,
)
from nnpes_core.reactions.neb import (
    H3_SETTINGS, MULLER_BROWN_SETTINGS, NEBInputError, NEBSettings, ReactionPath, check_endpoints,
    find_minimum_energy_path,
)
from nnpes_core.reactions.rates import (
    RateInputError, arrhenius_fit, barrier_error_factor, bimolecular_rate, frequency_hz, vineyard_rate,
)
from nnpes_core.reactions.saddle import (
    SaddleAnalysis, analyse_saddle, harmonic_modes, particle_modes, vibrations_hessian,
)

__all__ = [
    "FAR", "H2_BOND_LENGTH", "SEPARATION", "H3Reaction", "collinear_coordinates", "collinear_energy_map",
    "collinear_h3", "energies_along", "h2_wavenumber", "leps_barrier_curve", "path_structures",
    "reaction_endpoints", "separated_reactants", "study_h_plus_h2", "valley_structures",
    "H3_SETTINGS", "MULLER_BROWN_SETTINGS", "NEBInputError", "NEBSettings", "ReactionPath", "check_endpoints",
    "find_minimum_energy_path",
    "RateInputError", "arrhenius_fit", "barrier_error_factor", "bimolecular_rate", "frequency_hz", "vineyard_rate",
    "SaddleAnalysis", "analyse_saddle", "harmonic_modes", "particle_modes", "vibrations_hessian",
]
