"""Lesson 11, spectra from molecular dynamics: thermal NVE runs of water on the shipped bp model at two
temperatures (one batch), lines band by band against the harmonic frequencies and against where velocity
Verlet puts them, and what a coarser saving stride and a shorter window do to the same trajectories.

A time step of 1 fs makes the integrator's shift of the stretches (+80 to +89 cm^-1) larger than the
resolution, so the test can tell the Verlet line from the harmonic one."""
from __future__ import annotations

from pathlib import Path

import pytest

from nnpes_core.analysis import md_spectra
from nnpes_core.analysis.frequency_comparison import model_minimum
from nnpes_core.data.reference_hessian import read_reference_hessian
from nnpes_core.models import load_model


ROOT = Path(__file__).resolve().parents[1]
TIMESTEP_FS, LENGTH_FS, COLD, HOT = 1.0, 800.0, 50.0, 1000.0


@pytest.fixture(scope="module")
def water():
    model = load_model(ROOT / "assets" / "models" / "water_bp.pt")
    start = read_reference_hessian(ROOT / "assets" / "data" / "water_b3lyp_631gs_hessian.json").atoms
    minimum = model_minimum(model, start.copy())
    series = md_spectra.run_temperature_series(model, minimum, [COLD, HOT], 3, LENGTH_FS, TIMESTEP_FS, seed=1)
    return minimum, series


def lines_at(lines, temperature):
    return {line.band: line for line in lines if line.temperature_K == temperature}


def test_water_has_three_bands_and_every_trajectory_survives(water):
    minimum, series = water
    assert [band.name for band in md_spectra.bands(minimum)] == ["bend", "symmetric stretch", "antisymmetric stretch"]
    assert series.failed == [0, 0] and all(len(runs) == 3 for runs in series.velocities)
    assert series.length_fs == pytest.approx(LENGTH_FS)


def test_at_low_temperature_the_peaks_sit_at_the_verlet_shifted_harmonic_lines(water):
    minimum, series = water
    cold = lines_at(md_spectra.band_lines(series, minimum), COLD)
    resolution = cold["bend"].resolution_cm
    assert resolution == pytest.approx(33356.41 / LENGTH_FS, rel=1e-3)  # 1 / (c T)
    for line in cold.values():
        assert abs(line.peak_cm - line.verlet_cm) < 0.25 * resolution, line
        assert line.fwhm_cm == pytest.approx(resolution, rel=0.15)  # no width of its own: the window's
    for name in ("symmetric stretch", "antisymmetric stretch"):  # not at the Hessian's line
        assert cold[name].verlet_cm - cold[name].harmonic_cm > 75
        assert cold[name].peak_cm - cold[name].harmonic_cm > 0.5 * (cold[name].verlet_cm - cold[name].harmonic_cm)


def test_the_stretch_peaks_move_down_as_the_temperature_rises(water):
    minimum, series = water
    lines = md_spectra.band_lines(series, minimum)
    cold, hot = lines_at(lines, COLD), lines_at(lines, HOT)
    for name in ("symmetric stretch", "antisymmetric stretch"):
        assert hot[name].peak_cm < cold[name].peak_cm - cold[name].resolution_cm, (cold[name], hot[name])
        assert hot[name].anharmonic_shift_cm < -30
    assert hot["bend"].peak_cm < cold["bend"].peak_cm


def test_a_stride_beyond_nyquist_folds_the_oh_stretch_to_the_predicted_alias(water):
    minimum, series = water
    stride = 5.0  # Nyquist limit 3336 cm^-1: the stretches lie above it, the bend below
    assert md_spectra.nyquist_wavenumber(stride) == pytest.approx(3335.6, abs=0.1)
    folded = lines_at(md_spectra.band_lines(series, minimum, stride_fs=stride), COLD)
    stretch = folded["antisymmetric stretch"]
    sampling = 33356.41 / stride  # 1 / (c dt)
    assert stretch.aliased and stretch.expected_cm == pytest.approx(sampling - stretch.verlet_cm, abs=0.1)
    assert abs(stretch.peak_cm - stretch.expected_cm) < 0.25 * stretch.resolution_cm
    assert not folded["bend"].aliased
    spectrum = md_spectra.series_spectrum(series, 0, stride_fs=stride)  # the total VDOS shows it too
    near = (spectrum.wavenumbers > stretch.expected_cm - 60) & (spectrum.wavenumbers < stretch.expected_cm + 60)
    assert spectrum.intensity[near].max() > 0.1
    assert spectrum.wavenumbers.max() == pytest.approx(md_spectra.nyquist_wavenumber(stride), rel=1e-6)


def test_a_shorter_window_gives_wider_lines(water):
    minimum, series = water
    half = lines_at(md_spectra.band_lines(series, minimum, length_fs=LENGTH_FS / 2), COLD)
    full = lines_at(md_spectra.band_lines(series, minimum), COLD)
    for name, line in half.items():
        assert line.fwhm_cm == pytest.approx(2 * full[name].fwhm_cm, rel=0.15)


def test_alias_wavenumber_folds_into_the_band_below_nyquist():
    assert md_spectra.alias_wavenumber(3000.0, 5.0) == pytest.approx(3000.0)  # below the limit: unchanged
    assert md_spectra.alias_wavenumber(3900.0, 5.0) == pytest.approx(6671.28 - 3900.0, abs=0.01)
    assert md_spectra.alias_wavenumber(7000.0, 5.0) == pytest.approx(7000.0 - 6671.28, abs=0.01)


def test_bad_settings_are_refused_in_one_line(water):
    minimum, series = water
    with pytest.raises(ValueError, match="positive temperatures"):
        md_spectra.run_temperature_series(None, minimum, [], 2, 100.0)
    with pytest.raises(ValueError, match="too few"):
        md_spectra.series_spectrum(series, 0, length_fs=20.0, stride_fs=5.0)


def test_degenerate_modes_of_ammonia_form_one_band_each():
    model = load_model(ROOT / "assets" / "models" / "nh3_bp.pt")
    start = read_reference_hessian(ROOT / "assets" / "data" / "nh3_b3lyp_631gs_hessian.json").atoms
    names = [band.name for band in md_spectra.bands(model_minimum(model, start.copy()))]
    assert names == ["symmetric bend", "antisymmetric bend (×2)", "symmetric stretch", "antisymmetric stretch (×2)"]
