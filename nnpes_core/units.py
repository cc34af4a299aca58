"""Units in one place.

The public API of nnpes_core speaks ASE's units: energies in eV, lengths in Å, masses in amu and
times in fs (ASE's own time unit is converted with ``FS``). Hartree and Bohr appear only inside the
quantum-chemistry adapter, which converts with the constants below.
"""
from __future__ import annotations

import math

from ase import units as _ase

HARTREE = _ase.Hartree  # eV per Hartree
BOHR = _ase.Bohr  # Å per Bohr
KCAL_PER_MOL = _ase.kcal / _ase.mol  # eV per kcal/mol
KJ_PER_MOL = _ase.kJ / _ase.mol  # eV per kJ/mol
BOLTZMANN = _ase.kB  # eV per K
FS = _ase.fs  # ASE time units per femtosecond
AMU_KG = 1.66053906660e-27
EV_J = 1.602176634e-19
SPEED_OF_LIGHT_CM_S = 2.99792458e10
PLANCK_J_S = _ase._hplanck  # J s (CODATA, as ASE has it)
BOLTZMANN_J_K = BOLTZMANN * EV_J  # J/K
AU_TIME_FS = _ase._hbar / (HARTREE * _ase._e) * 1e15  # one atomic unit of time, ħ/Eₕ, in fs (0.0242)
GPA_PER_EV_PER_A3 = EV_J * 1e30 / 1e9  # pressure, bulk modulus: 1 eV/Å³ = 160.2 GPa
J_PER_M2_PER_EV_PER_A2 = EV_J * 1e20  # surface energy: 1 eV/Å² = 16.02 J/m²

# A harmonic force constant k in eV/Å² on a mass m in amu vibrates at omega = sqrt(k/m); this factor
# turns sqrt(eV / (Å² amu)) into a wavenumber in cm^-1 (omega / (2 pi c)).
WAVENUMBER_PER_SQRT_EV_A2_AMU = math.sqrt(EV_J / (1e-20 * AMU_KG)) / (2 * math.pi * SPEED_OF_LIGHT_CM_S)

MEV = 1e-3  # eV per meV


def hartree_to_ev(energy_hartree: float) -> float:
    return energy_hartree * HARTREE


def ev_to_hartree(energy_ev: float) -> float:
    return energy_ev / HARTREE
