"""Spectral lines beside the harmonic frequencies (lesson 11): peak position and full width at half maximum of
known line shapes, and a bad spectrum refused in one line."""
from __future__ import annotations

import numpy as np
import pytest

from nnpes_core.analysis.spectral_lines import spectral_lines


def lorentzian(x, centre, fwhm):
    return 1.0 / (1.0 + ((x - centre) / (0.5 * fwhm)) ** 2)


def test_peak_and_width_of_two_lorentzian_lines():
    grid = np.linspace(0, 4500, 9001)  # 0.5 cm^-1 spacing
    spectrum = lorentzian(grid, 3700.0, 20.0) + 0.5 * lorentzian(grid, 1600.0, 40.0)
    bend, stretch = spectral_lines(grid, spectrum, [1650.0, 3720.0])
    assert stretch.peak_cm == pytest.approx(3700.0, abs=0.5) and stretch.shift_cm == pytest.approx(-20.0, abs=0.5)
    assert stretch.fwhm_cm == pytest.approx(20.0, abs=0.2)
    assert bend.peak_cm == pytest.approx(1600.0, abs=0.5) and bend.fwhm_cm == pytest.approx(40.0, rel=0.02)


def test_a_gaussian_width_is_2_sqrt_2ln2_sigma():
    grid = np.linspace(3000, 4000, 2001)
    sigma = 15.0
    (line,) = spectral_lines(grid, np.exp(-0.5 * ((grid - 3500) / sigma) ** 2), [3510.0])
    assert line.fwhm_cm == pytest.approx(2 * np.sqrt(2 * np.log(2)) * sigma, rel=1e-3)


def test_a_line_outside_the_grid_or_cut_by_its_edge_is_not_a_number():
    grid = np.linspace(0, 2000, 401)
    far, edge = spectral_lines(grid, lorentzian(grid, 1990.0, 50.0), [3000.0, 1995.0])
    assert np.isnan(far.peak_cm) and np.isnan(edge.fwhm_cm)


def test_mismatched_arrays_are_refused():
    with pytest.raises(ValueError, match="same length"):
        spectral_lines(np.arange(10.0), np.arange(9.0), [5.0])


def test_each_line_is_searched_only_on_its_side_of_the_neighbouring_lines():
    grid = np.linspace(3000, 4500, 3001)
    spectrum = 0.3 * lorentzian(grid, 3720.0, 15.0) + lorentzian(grid, 3850.0, 15.0)  # a weak line beside a strong one
    symmetric, antisymmetric = spectral_lines(grid, spectrum, [3715.0, 3838.0])
    assert symmetric.peak_cm == pytest.approx(3720.0, abs=0.5) and antisymmetric.peak_cm == pytest.approx(3850.0, abs=0.5)


def test_velocity_verlet_moves_an_oh_stretch_up_by_twenty_wavenumbers_at_half_a_femtosecond():
    from nnpes_core.analysis.spectral_lines import verlet_wavenumber

    assert verlet_wavenumber(3715.0, 0.5) - 3715.0 == pytest.approx(19.1, abs=0.2)
    assert verlet_wavenumber(1707.0, 0.5) - 1707.0 == pytest.approx(1.8, abs=0.1)
    # the leading term (omega dt)^2 / 24, and a quarter of the shift at half the step
    omega_dt = 2 * np.pi * 2.99792458e10 * 3715.0 * 0.25e-15
    assert verlet_wavenumber(3715.0, 0.25) / 3715.0 - 1 == pytest.approx(omega_dt**2 / 24, rel=0.01)
    assert np.isnan(verlet_wavenumber(3715.0, 3.0))  # omega dt > 2: Verlet is unstable
