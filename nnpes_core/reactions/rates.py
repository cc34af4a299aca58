"""Rates from a barrier and frequencies: harmonic transition-state theory.

Unimolecular (a reactant well R and a saddle S; Vineyard, J. Phys. Chem. Solids 3, 121 (1957)):

    k(T) = (prod_{i=1}^{n} nu_i^R / prod_{i=1}^{n-1} nu_i^S) exp(-Delta E / k_B T)

with the n real frequencies at the minimum and the n - 1 real ones at the saddle (the imaginary one
is the motion across and is left out). Assumptions: classical nuclei (no zero-point energy, no
tunnelling), harmonic wells and saddle, every crossing of the dividing surface through the saddle
is reactive (no recrossing), and the reactants stay in equilibrium. It is the classical limit
(k_B T >> h nu) of Eyring's k = (k_B T / h) q^S / q^R exp(-Delta E / k_B T).

Bimolecular A + BC (H + H2): there is no reactant well, since the reactants are free. The reactant
partition function is that of the separate species per unit volume: translation of A and of BC,
rotation of BC, its vibration; the saddle complex has translation, rotation and its real vibrations,

    k(T) = (k_B T / h) [q_tr^S / (q_tr^A q_tr^BC)] [q_rot^S / q_rot^BC] [q_vib^S / q_vib^BC] exp(-Delta E / k_B T)

in cm³ s⁻¹ per molecule, with the same classical harmonic vibrations (q_vib = prod k_B T / h nu), classical
rigid rotors (symmetry numbers sigma) and the same assumptions.

A barrier error delta changes k by exp(delta / k_B T), whatever the prefactor: 43 meV (1 kcal/mol,
"chemical accuracy") is a factor exp(0.043 / 0.02585) = 5.3 at 300 K.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from ase import Atoms
from ase.units import _hplanck as PLANCK_J_S  # J s (CODATA, as ASE has it)

from nnpes_core.units import AMU_KG, BOLTZMANN, EV_J, SPEED_OF_LIGHT_CM_S

BOLTZMANN_J_K = BOLTZMANN * EV_J  # J/K
M3_TO_CM3 = 1e6
LINEAR_TOLERANCE = 1e-3  # amu Å²: a smallest moment of inertia below this means a linear species


class RateInputError(ValueError):
    """Frequencies or temperatures a rate cannot be computed from."""


def _temperatures(temperature) -> np.ndarray:
    values = np.asarray(temperature, dtype=float)
    if np.any(values <= 0) or not np.all(np.isfinite(values)):
        raise RateInputError("temperatures must be positive (K)")
    return values


def frequency_hz(wavenumber_cm1) -> np.ndarray:
    """nu = c * wavenumber: cm⁻¹ -> s⁻¹."""
    return np.asarray(wavenumber_cm1, dtype=float) * SPEED_OF_LIGHT_CM_S


def barrier_error_factor(barrier_error: float, temperature: float) -> float:
    """How many times faster the rate comes out when the barrier is ``barrier_error`` eV too low:
    exp(delta / k_B T)."""
    return float(np.exp(barrier_error / (BOLTZMANN * _temperatures(temperature))))


def _real_modes(minimum_wavenumbers: Sequence[float], saddle_wavenumbers: Sequence[float]):
    minimum = np.asarray(minimum_wavenumbers, dtype=float)
    saddle = np.asarray(saddle_wavenumbers, dtype=float)
    if np.any(minimum <= 0):
        raise RateInputError("the reactant is not a minimum: it has imaginary (negative) frequencies")
    if np.sum(saddle < 0) != 1:
        raise RateInputError(f"a transition state has exactly one imaginary frequency, this one has "
                             f"{int(np.sum(saddle < 0))}")
    return minimum, saddle[saddle > 0]


def vineyard_rate(barrier: float, minimum_wavenumbers: Sequence[float], saddle_wavenumbers: Sequence[float],
                  temperature) -> np.ndarray:
    """Unimolecular harmonic TST rate in s⁻¹ at ``temperature`` (K, scalar or array).

    ``barrier`` Delta E in eV; wavenumbers in cm⁻¹ (all n of the minimum; all n of the saddle, one of
    them negative = imaginary).
    """
    minimum, saddle = _real_modes(minimum_wavenumbers, saddle_wavenumbers)
    if len(saddle) != len(minimum) - 1:
        raise RateInputError(f"the minimum has {len(minimum)} modes and the saddle {len(saddle) + 1}: "
                             "the same system must have the same number")
    prefactor = np.prod(frequency_hz(minimum)) / np.prod(frequency_hz(saddle))  # s⁻¹
    return prefactor * np.exp(-barrier / (BOLTZMANN * _temperatures(temperature)))


def translational_partition_function(mass_amu: float, temperature) -> np.ndarray:
    """q_tr / V = (2 pi m k_B T / h²)^(3/2) in m⁻³."""
    mass = mass_amu * AMU_KG
    return (2 * math.pi * mass * BOLTZMANN_J_K * _temperatures(temperature) / PLANCK_J_S**2) ** 1.5


def rotational_partition_function(atoms: Atoms, symmetry_number: int, temperature) -> np.ndarray:
    """Classical rigid rotor: linear k_B T / (sigma B) with B = h² / (8 pi² I); non-linear
    sqrt(pi) / sigma * prod_i sqrt(8 pi² I_i k_B T / h²). 1 for a single atom."""
    temperature = _temperatures(temperature)
    if len(atoms) == 1:
        return np.ones_like(temperature)
    moments_amu = np.sort(atoms.get_moments_of_inertia())  # [3] amu Å², ascending
    moments = moments_amu * AMU_KG * 1e-20  # [3] kg m²
    per_axis = 8 * math.pi**2 * BOLTZMANN_J_K * temperature[..., None] / PLANCK_J_S**2  # [..., 1]
    if moments_amu[0] < LINEAR_TOLERANCE:
        return per_axis[..., 0] * moments[2] / symmetry_number
    return math.sqrt(math.pi) / symmetry_number * np.prod(np.sqrt(per_axis * moments), axis=-1)


def vibrational_partition_function(wavenumbers: Sequence[float], temperature) -> np.ndarray:
    """Classical harmonic oscillators: prod_k k_B T / (h nu_k) (real modes only)."""
    temperature = _temperatures(temperature)
    nu = frequency_hz([w for w in wavenumbers if w > 0])
    return np.prod(BOLTZMANN_J_K * temperature[..., None] / (PLANCK_J_S * nu), axis=-1)


def bimolecular_rate(barrier: float, atom: Atoms, molecule: Atoms, molecule_wavenumbers: Sequence[float],
                     saddle: Atoms, saddle_wavenumbers: Sequence[float], temperature,
                     symmetry_numbers: tuple[int, int] = (2, 2)) -> np.ndarray:
    """Harmonic TST rate constant of atom + molecule in cm³ s⁻¹ (per molecule), at ``temperature`` (K).

    ``barrier`` Delta E (eV) above the separated reactants; wavenumbers in cm⁻¹ (the saddle's with one
    negative); ``symmetry_numbers`` (sigma of the molecule, sigma of the saddle complex): (2, 2) for
    H2 and symmetric linear H3.
    """
    _, saddle_real = _real_modes(molecule_wavenumbers, saddle_wavenumbers)
    temperature = _temperatures(temperature)
    masses = [float(species.get_masses().sum()) for species in (saddle, atom, molecule)]  # amu
    q_saddle, q_atom, q_molecule = (translational_partition_function(m, temperature) for m in masses)
    translation = q_saddle / (q_atom * q_molecule)  # m³
    sigma_molecule, sigma_saddle = symmetry_numbers
    rotation = rotational_partition_function(saddle, sigma_saddle, temperature) / rotational_partition_function(
        molecule, sigma_molecule, temperature)
    vibration = vibrational_partition_function(saddle_real, temperature) / vibrational_partition_function(
        molecule_wavenumbers, temperature)
    attempt = BOLTZMANN_J_K * temperature / PLANCK_J_S  # s⁻¹
    boltzmann = np.exp(-barrier / (BOLTZMANN * temperature))
    return attempt * translation * rotation * vibration * boltzmann * M3_TO_CM3


def arrhenius_fit(temperature: Sequence[float], rate: Sequence[float]) -> tuple[float, float]:
    """(E_a in eV, A in the rate's unit) of the straight line ln k = ln A - E_a / k_B T through the points."""
    slope, intercept = np.polyfit(1.0 / (BOLTZMANN * _temperatures(temperature)), np.log(rate), 1)
    return float(-slope), float(np.exp(intercept))
