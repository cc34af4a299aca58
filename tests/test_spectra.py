"""Vibrational spectra from velocities (nnpes_core.analysis.spectra): the autocorrelation of a vibration
oscillates at its frequency, the VDOS peaks there within the resolution 1/(cT), frequencies above the
Nyquist limit alias, the total momentum is removed, and real MD of a Morse O-H bond and of water on the
B3LYP surface put their peaks at the harmonic frequencies."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ase import Atoms

from nnpes_core.analysis.spectra import (
    WAVENUMBER_PER_INVERSE_FS, averaged_spectrum, spectrum_csv, velocity_autocorrelation, vibrational_spectrum,
)
from nnpes_core.analysis.vibrations import harmonic_analysis
from nnpes_core.data.reference_hessian import read_reference_hessian
from nnpes_core.dynamics import run_md
from nnpes_core.dynamics.trajectory import read_trajectory
from nnpes_core.potentials import MorsePairPotential
from nnpes_core.units import WAVENUMBER_PER_SQRT_EV_A2_AMU

DATA = Path(__file__).resolve().parents[1] / "assets" / "data"


def vibrating_velocities(wavenumbers, n_frames: int, frame_fs: float, n_atoms: int = 2) -> np.ndarray:
    """Velocities [n_frames, n_atoms, 3] that are sums of cosines at ``wavenumbers`` (cm^-1), opposite on
    the two atoms (a vibration without net momentum)."""
    t = np.arange(n_frames) * frame_fs
    signal = sum(np.cos(2 * np.pi * w / WAVENUMBER_PER_INVERSE_FS * t + k) for k, w in enumerate(wavenumbers))
    velocities = np.zeros((n_frames, n_atoms, 3))
    velocities[:, 0, 0], velocities[:, 1, 0] = signal, -signal
    return velocities


def test_autocorrelation_of_a_vibration_oscillates_at_its_frequency():
    # an atom circling at angular frequency omega: v(t).v(t + tau) = cos(omega tau) for every time origin
    omega = 2 * np.pi / 40.0  # rad/fs: a period of 40 fs
    t = np.arange(2000.0)  # frames 1 fs apart
    velocities = np.stack([np.cos(omega * t), np.sin(omega * t), np.zeros_like(t)], axis=-1)[:, None, :]
    correlation = velocity_autocorrelation(velocities, remove_momentum=False)
    assert correlation[0] == pytest.approx(1.0)
    np.testing.assert_allclose(correlation[:1000], np.cos(omega * t[:1000]), atol=1e-9)


def test_vdos_peaks_at_the_frequencies_within_the_resolution():
    spectrum = vibrational_spectrum(vibrating_velocities([1650.0, 3700.0], 2001, 0.5), 0.5)
    assert spectrum.resolution_cm == pytest.approx(WAVENUMBER_PER_INVERSE_FS / 1000.0)  # 1 ps: 33.4 cm^-1
    assert spectrum.nyquist_cm == pytest.approx(WAVENUMBER_PER_INVERSE_FS)  # frames every 0.5 fs
    np.testing.assert_allclose(spectrum.peaks(2), [1650.0, 3700.0], atol=0.25 * spectrum.resolution_cm)
    assert spectrum.intensity.max() == pytest.approx(1.0)


def test_a_frequency_above_nyquist_folds_back():
    # frames every 5 fs: Nyquist 3336 cm^-1; a 3700 cm^-1 stretch appears at 2 x 3336 - 3700 = 2971 cm^-1
    spectrum = vibrational_spectrum(vibrating_velocities([3700.0], 400, 5.0), 5.0)
    assert spectrum.nyquist_cm == pytest.approx(3335.64, abs=0.01)
    assert spectrum.peaks(1)[0] == pytest.approx(2 * spectrum.nyquist_cm - 3700.0, abs=0.25 * spectrum.resolution_cm)


def test_total_momentum_is_removed_before_the_transform():
    velocities = vibrating_velocities([2000.0], 1000, 1.0) + np.array([1.0, 0.0, 0.0])  # the molecule drifts
    masses = np.array([1.0, 1.0])
    with_drift = vibrational_spectrum(velocities, 1.0, masses, remove_momentum=False)
    without = vibrational_spectrum(velocities, 1.0, masses)
    assert with_drift.intensity[0] > 0.5  # a drifting molecule puts a peak at zero frequency
    assert without.intensity[0] < 1e-3
    assert without.peaks(1)[0] == pytest.approx(2000.0, abs=0.25 * without.resolution_cm)


def test_bad_velocities_give_a_clear_error():
    with pytest.raises(ValueError, match="shape"):
        velocity_autocorrelation(np.zeros((10, 3)))
    with pytest.raises(ValueError, match="NaN"):
        velocity_autocorrelation(np.full((10, 2, 3), np.nan))
    with pytest.raises(ValueError, match="do not move"):
        velocity_autocorrelation(np.zeros((10, 2, 3)))


def test_morse_bond_in_md_vibrates_at_its_harmonic_frequency():
    well_depth, morse_a, bond_length = 4.6, 2.3, 0.96  # eV, 1/Å, Å: an O-H bond
    atoms = Atoms("OH", positions=[[0, 0, 0], [0, 0, bond_length + 0.02]])
    atoms.calc = MorsePairPotential(well_depth, morse_a, bond_length)
    run = run_md(atoms, 1000, 0.5, temperature=None, initialise=False)  # released from rest, 0.5 ps
    masses = atoms.get_masses()
    reduced_mass = masses.prod() / masses.sum()
    harmonic = np.sqrt(2 * well_depth * morse_a**2 / reduced_mass) * WAVENUMBER_PER_SQRT_EV_A2_AMU  # ~3740 cm^-1
    spectrum = vibrational_spectrum(run.velocities, 0.5, masses)
    assert spectrum.peaks(1)[0] == pytest.approx(harmonic, abs=0.5 * spectrum.resolution_cm)


@pytest.mark.skipif(not (DATA / "water_b3lyp_631gs_nve_300K.extxyz").is_file(), reason="reference trajectory not made")
def test_b3lyp_water_trajectory_peaks_near_the_b3lyp_harmonic_frequencies():
    reference = read_reference_hessian(DATA / "water_b3lyp_631gs_hessian.json")
    harmonic = harmonic_analysis(reference.hessian, reference.atoms.get_masses(), reference.atoms.positions)
    np.testing.assert_allclose(harmonic.wavenumbers, [1711, 3721, 3845], atol=1)  # B3LYP/6-31G* water
    run = read_trajectory(DATA / "water_b3lyp_631gs_nve_300K.extxyz")
    assert run.failure is None and run.time_fs[-1] >= 500.0
    spectrum = vibrational_spectrum(run.velocities, run.timestep_fs * run.record_every, run.masses, window="none")
    (bend,) = spectrum.peaks(1, above_cm=1000, below_cm=2500)
    (stretch,) = spectrum.peaks(1, above_cm=3000, below_cm=4500)
    # classical 300 K dynamics: anharmonic, and velocity Verlet adds ~+20 cm^-1 to a stretch at 0.5 fs
    assert abs(bend - harmonic.wavenumbers[0]) < 40.0
    assert np.min(np.abs(stretch - harmonic.wavenumbers[1:])) < 60.0
    # a total energy that stays flat: the reference's forces are the gradient of its energy
    assert np.ptp(run.total_energy) < 2e-3 and abs(run.drift_ev_per_ps) < 1e-3


def test_averaged_spectrum_and_csv():
    runs = [vibrating_velocities([1600.0 + 5 * k], 500, 1.0) for k in range(3)]
    spectrum = averaged_spectrum(runs, 1.0)
    assert spectrum.intensity.max() == pytest.approx(1.0)
    lines = spectrum_csv(spectrum).splitlines()
    assert lines[0] == "wavenumber_cm-1,intensity"
    first = [float(value) for value in lines[1].split(",")]
    assert first[0] == 0.0 and len(lines) == len(spectrum.wavenumbers) + 1
