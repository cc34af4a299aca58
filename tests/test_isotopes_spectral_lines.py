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
