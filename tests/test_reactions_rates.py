"""Harmonic transition-state theory: Vineyard's formula on a double well agrees with its closed form,
the bimolecular rate has the temperature dependence its partition functions predict, and a barrier error
of 1 kcal/mol changes a rate about five-fold at 300 K."""
from __future__ import annotations

import math

import numpy as np
import pytest

from nnpes_core.potentials import DoubleWell, ParticleCalculator, particle_atoms
from nnpes_core.reactions import (
    RateInputError, arrhenius_fit, barrier_error_factor, bimolecular_rate, collinear_h3, harmonic_modes, vineyard_rate,
)
from nnpes_core.reactions.rates import translational_partition_function
from nnpes_core.units import AMU_KG, BOLTZMANN, EV_J, KCAL_PER_MOL


def test_one_kcal_per_mol_barrier_error_changes_the_rate_about_fivefold_at_300_k():
    factor = barrier_error_factor(KCAL_PER_MOL, 300.0)  # 43.4 meV
    assert factor == pytest.approx(5.35, abs=0.05)
    # the same factor from the rates themselves: the prefactor cancels
    slow = vineyard_rate(0.5, [1000.0, 2000.0], [-800.0, 1500.0], 300.0)
    fast = vineyard_rate(0.5 - KCAL_PER_MOL, [1000.0, 2000.0], [-800.0, 1500.0], 300.0)
    assert fast / slow == pytest.approx(factor, rel=1e-12)
    assert barrier_error_factor(KCAL_PER_MOL, 1000.0) < 2  # hot: the same error matters less


def test_vineyard_rate_of_a_particle_in_a_double_well_matches_the_closed_form():
    # E = h (x² - 1)² + (k/2) y²: curvatures 8h (x) and k (y) at the minimum, -4h and k at the saddle, so
    # k_TST = [nu_x nu_y / nu_y] exp(-h / k_B T) = sqrt(8 h / m) / (2 pi) exp(-h / k_B T)
    barrier, stiffness, temperature = 0.3, 2.0, 500.0  # eV, eV/Å², K
    calculator = ParticleCalculator(DoubleWell(barrier=barrier, stiffness=stiffness))
    minimum = harmonic_modes(particle_atoms((1.0, 0.0)), calculator)
    saddle = harmonic_modes(particle_atoms((0.0, 0.0)), calculator)
    assert (saddle.omega_squared < 0).sum() == 1 and (minimum.omega_squared > 0).all()
    rate = vineyard_rate(barrier, minimum.wavenumbers, saddle.wavenumbers, temperature)
    mass = particle_atoms((0, 0)).get_masses()[0] * AMU_KG
    omega = math.sqrt(8 * barrier * EV_J / 1e-20 / mass)  # rad/s
    expected = omega / (2 * math.pi) * math.exp(-barrier / (BOLTZMANN * temperature))
    assert float(rate) == pytest.approx(expected, rel=1e-4)  # finite-difference Hessian (5e-3 Å steps)


def test_thermal_wavelength_of_a_hydrogen_atom_at_300_k_is_one_angstrom():
    wavelength = translational_partition_function(1.008, 300.0) ** (-1 / 3)  # Λ = (q/V)^(-1/3), m
    assert wavelength == pytest.approx(1.00e-10, rel=0.01)


def test_bimolecular_rate_rises_like_t_to_the_three_halves_times_the_boltzmann_factor():
    # classical harmonic TST for atom + diatomic through a linear complex: k_B T / h (T¹), translation
    # (T^-3/2), rotation (linear / linear: T⁰), three complex vibrations over one (T²): k ∝ T^1.5 exp(-ΔE/k_B T),
    # so the Arrhenius slope is E_a = ΔE + 1.5 k_B T
    barrier = 0.25
    saddle, molecule = collinear_h3(0.93, 0.93), collinear_h3(30.0, 0.7416)[[1, 2]]
    atom = collinear_h3(30.0, 0.7416)[[0]]
    temperatures = np.array([295.0, 300.0, 305.0])
    rate = bimolecular_rate(barrier, atom, molecule, [4400.0], saddle, [-1500.0, 900.0, 900.0, 2100.0], temperatures)
    activation, _ = arrhenius_fit(temperatures, rate)
    assert activation == pytest.approx(barrier + 1.5 * BOLTZMANN * 300.0, abs=2e-4)


def test_a_saddle_needs_exactly_one_imaginary_frequency():
    with pytest.raises(RateInputError, match="exactly one imaginary"):
        vineyard_rate(0.3, [1000.0, 2000.0], [900.0, 1800.0], 300.0)
    with pytest.raises(RateInputError, match="not a minimum"):
        vineyard_rate(0.3, [-1000.0, 2000.0], [-900.0, 1800.0], 300.0)
    with pytest.raises(RateInputError, match="positive"):
        barrier_error_factor(0.04, 0.0)
