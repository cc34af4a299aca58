"""Non-adiabatic dynamics on two-state model Hamiltonians (lesson 12), in atomic units.

    tully.py          Tully's three 1-D models (diabatic 2 x 2 Hamiltonians), J. Chem. Phys. 93, 1061 (1990)
    adiabatic.py      diabatic -> adiabatic: eigenvalues, their slopes, the coupling d12 in closed form
    fssh.py           fewest-switches surface hopping, vectorised over trajectories
    exact.py          the exact quantum answer: a stationary scattering solution on a grid
    outcomes.py       the four outcome probabilities and their binomial standard errors
    scan.py           probabilities against the incoming momentum, for either method
    diabatisation.py  why one NN-PES is not enough; a network that learns the diabatic matrix
"""
from nnpes_core.nonadiabatic.adiabatic import AdiabaticStates, adiabatic_states
from nnpes_core.nonadiabatic.exact import exact_probabilities
from nnpes_core.nonadiabatic.fssh import FSSHRun, RecordedTrajectory, run_fssh
from nnpes_core.nonadiabatic.outcomes import CHANNELS, ScatteringProbabilities, binomial_stderr
from nnpes_core.nonadiabatic.tully import (
    AU_TIME_FS, TULLY_MASS, TULLY_MODELS, DiabaticHamiltonian, DualAvoidedCrossing, ExtendedCoupling, SimpleAvoidedCrossing,
    TwoStateModel, UnknownModelError, tully_model,
)

__all__ = [
    "AU_TIME_FS", "AdiabaticStates", "CHANNELS", "DiabaticHamiltonian", "DualAvoidedCrossing", "ExtendedCoupling", "FSSHRun",
    "RecordedTrajectory", "ScatteringProbabilities", "SimpleAvoidedCrossing", "TULLY_MASS", "TULLY_MODELS",
    "TwoStateModel", "UnknownModelError", "adiabatic_states", "binomial_stderr", "exact_probabilities",
    "run_fssh", "tully_model",
]
