"""Quantum and classical harmonic oscillators: zero-point energy and what a mode holds at a temperature.

A normal mode of wavenumber nu~ (cm^-1) is a harmonic oscillator with quantum levels

    E_n = h c nu~ (n + 1/2),   n = 0, 1, 2, ...

so even at T = 0 a molecule keeps the zero-point energy ZPE = sum_k h c nu~_k / 2. At temperature T

    quantum:    <E> = h c nu~ (1/2 + 1 / (exp(h c nu~ / k_B T) - 1))
    classical:  <E> = k_B T                  (equipartition: k_B T / 2 kinetic + k_B T / 2 potential)

and the spread of the mass-weighted normal coordinate q (Å amu^1/2) is

    quantum:    <q²> = hbar / (2 omega) coth(hbar omega / 2 k_B T)
    classical:  <q²> = k_B T / omega²,

the classical numbers being the high-temperature limits of the quantum ones. For an O-H stretch
(3700 cm^-1) h c nu~ / k_B is 5300 K: at 300 K classical molecular dynamics puts k_B T = 0.026 eV in it,
the quantum ground state 0.23 eV. The classical molecule stays near the bottom of the well, where the
surface is almost harmonic. Energies in eV, wavenumbers in cm^-1, temperatures in K.
"""
from __future__ import annotations

import numpy as np
from ase import units as ase_units

from nnpes_core.units import BOLTZMANN, WAVENUMBER_PER_SQRT_EV_A2_AMU

# h c in eV cm: the energy of one quantum of a 1 cm^-1 vibration (CODATA, through ASE).
EV_PER_WAVENUMBER = ase_units._hplanck * ase_units._c * 100.0 / ase_units._e


def quantum_energy(wavenumber: np.ndarray | float) -> np.ndarray:
    """h c nu~ in eV for wavenumbers in cm^-1."""
    return np.asarray(wavenumber, dtype=float) * EV_PER_WAVENUMBER


def zero_point_energy(wavenumbers: np.ndarray) -> float:
    """ZPE = sum_k h c nu~_k / 2 in eV over the real (positive) harmonic wavenumbers (cm^-1).

    Imaginary modes (negative numbers, e.g. at a saddle point) have no bound levels and are skipped."""
    wavenumbers = np.asarray(wavenumbers, dtype=float)
    return float(0.5 * quantum_energy(wavenumbers[wavenumbers > 0]).sum())


def mode_energy(wavenumber: np.ndarray | float, temperature: float, quantum: bool = True) -> np.ndarray:
    """Mean energy (eV) of a harmonic mode at T (K): Bose-Einstein plus zero point, or classical k_B T."""
    wavenumber = np.asarray(wavenumber, dtype=float)
    if not quantum:
        return np.full_like(wavenumber, BOLTZMANN * temperature)
    step = quantum_energy(wavenumber)
    if temperature <= 0:
        return 0.5 * step
    ratio = step / (BOLTZMANN * temperature)  # 1 / (e^x - 1) written as e^-x / (1 - e^-x): no overflow
    return step * (0.5 + np.exp(-ratio) / -np.expm1(-ratio))


def rms_normal_coordinate(wavenumber: np.ndarray | float, temperature: float, quantum: bool = True) -> np.ndarray:
    """Root-mean-square mass-weighted normal coordinate sqrt(<q²>) in Å amu^1/2 at T (K)."""
    wavenumber = np.asarray(wavenumber, dtype=float)
    omega_squared = (wavenumber / WAVENUMBER_PER_SQRT_EV_A2_AMU) ** 2  # eV / (Å² amu)
    if not quantum:
        return np.sqrt(BOLTZMANN * temperature / omega_squared)
    step = quantum_energy(wavenumber)  # hbar omega in eV
    # <q²> = hbar/(2 omega) coth(x) = (hbar omega / 2) coth(x) / omega², x = hbar omega / 2 k_B T
    coth = 1.0 if temperature <= 0 else 1.0 / np.tanh(step / (2 * BOLTZMANN * temperature))
    return np.sqrt(0.5 * step * coth / omega_squared)
