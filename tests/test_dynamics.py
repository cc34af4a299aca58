"""Molecular dynamics (nnpes_core.dynamics): the batched torch integrator follows ASE's velocity Verlet
step for step, conservative models conserve energy per trajectory while the direct-force model drifts,
the energy error of velocity Verlet grows as dt^2 until a too-large step blows up (caught, one line),
Langevin dynamics samples the bath temperature and Maxwell-Boltzmann speeds, a stopped run keeps its
frames, and trajectories round-trip through extended XYZ."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from ase.build import molecule
from scipy import integrate

from nnpes_core.calculator import NNPESCalculator
from nnpes_core.dynamics import NVERun, initialise_velocities, run_ensemble, run_md, run_nve
from nnpes_core.dynamics.analysis import (
    loglog_slope, maxwell_boltzmann_speed_pdf, mean_speed, start_of, timestep_study, trajectory_deviation,
    verlet_wavenumber,
)
from nnpes_core.dynamics.ase_md import MDSettingsError
from nnpes_core.dynamics.trajectory import read_trajectory
from nnpes_core.models import load_model
from nnpes_core.potentials import WATER_LIKE_MORSE, MorsePairPotential
from nnpes_core.units import BOLTZMANN

MODELS = Path(__file__).resolve().parents[1] / "assets" / "models"


@pytest.fixture(scope="module")
def bp():
    return load_model(MODELS / "water_bp.pt", dtype=torch.float64)


def test_batched_velocity_verlet_follows_ase_step_by_step(bp):
    atoms = molecule("H2O")
    atoms.calc = NNPESCalculator(bp)
    ase_run = run_nve(atoms, 100, 0.5, temperature=300.0, seed=3, record_positions=True)
    torch_run = run_ensemble(bp, [molecule("H2O")], 100, 0.5, "nve", temperature=300.0, seed=3).trajectory(0)
    np.testing.assert_allclose(torch_run.positions, ase_run.positions, atol=1e-10)
    np.testing.assert_allclose(torch_run.velocities, ase_run.velocities, atol=1e-10)
    np.testing.assert_allclose(torch_run.total_energy, ase_run.total_energy, atol=1e-10)


def test_energy_is_conserved_in_nve_for_every_trajectory_of_a_batch(bp):
    ensemble = run_ensemble(bp, [molecule("H2O")] * 8, 300, 0.5, "nve", temperature=300.0, seed=0,
                            record_trajectory=False)
    assert ensemble.total_energy.shape == (301, 8) and all(why is None for why in ensemble.failure)
    change = np.abs(ensemble.total_energy - ensemble.total_energy[0]).max(axis=0)  # [8] eV
    assert np.all(change < 1e-2)  # a wobble of a few meV at 0.5 fs, 300 K; no trajectory drifts away
    assert np.all(np.abs(ensemble.drift_ev_per_ps) < 5e-3)
    assert np.all(ensemble.kinetic_energy.std(axis=0) > 0.01)  # ...while kinetic energy goes up and down


@pytest.fixture(scope="module")
def bp_study(bp):
    """bp water at 300 K integrated with five time steps at once; the largest is beyond the stability limit."""
    return timestep_study(bp, molecule("H2O"), [0.1, 0.2, 0.4, 0.8, 4.0], duration_fs=40.0, temperature=300.0)


def test_energy_error_grows_as_dt_squared_and_a_too_large_step_blows_up(bp_study):
    study = bp_study
    assert study.slope == pytest.approx(2.0, abs=0.2)  # velocity Verlet is second order
    assert np.all(np.isfinite(study.energy_error[:4])) and np.isnan(study.energy_error[4])
    ((dt, why),) = study.blown_up
    assert dt == 4.0 and "blew up" in why and "\n" not in why


def test_direct_force_model_error_does_not_shrink_with_the_time_step(bp_study):
    # the same start: the conservative model's error falls as dt^2, the direct model's is dominated by the
    # work its non-conservative forces do, which no smaller time step removes
    direct = load_model(MODELS / "water_direct.pt", dtype=torch.float64)
    study = timestep_study(direct, molecule("H2O"), [0.1, 0.2, 0.4, 0.8], duration_fs=40.0, temperature=300.0)
    assert study.slope < 1.5
    assert study.energy_error[0] > 5 * bp_study.energy_error[0]


def test_verlet_frequency_shift_and_stability_limit():
    assert verlet_wavenumber(3800.0, 1.0) == pytest.approx(3886.2, abs=0.1)
    assert verlet_wavenumber(1700.0, 1e-4) == pytest.approx(1700.0, abs=1e-3)
    assert np.isnan(verlet_wavenumber(3800.0, 3.0))  # omega dt > 2: no stable solution
    assert loglog_slope([1, 2, 4], [3, 12, 48]) == pytest.approx(2.0)


def test_ase_run_catches_a_blow_up_with_one_line_and_keeps_the_frames_before():
    atoms = molecule("H2O")
    atoms.calc = MorsePairPotential(pair_parameters=WATER_LIKE_MORSE)
    run = run_md(atoms, 200, 5.0, temperature=300.0, seed=0)
    assert run.failure is not None and "blew up" in run.failure and "\n" not in run.failure
    assert 1 <= run.steps_done < 200 and np.all(np.isfinite(run.positions))


def test_stopping_keeps_what_was_computed(bp):
    calls = {"n": 0}

    def stop() -> bool:
        calls["n"] += 1
        return calls["n"] >= 30

    atoms = molecule("H2O")
    atoms.calc = NNPESCalculator(bp)
    run = run_md(atoms, 1000, 0.5, should_stop=stop, record_every=5)
    assert run.stopped and run.steps_done == 30 and run.n_frames == 7  # t = 0, 5, ..., 30 steps
    ensemble = run_ensemble(bp, [molecule("H2O")] * 2, 1000, 0.5, should_stop=lambda: True)
    assert ensemble.stopped and ensemble.steps_done == 1


def test_langevin_samples_the_bath_temperature_and_maxwell_boltzmann_speeds(bp):
    # strong friction: the velocities forget their start within a few fs
    ensemble = run_ensemble(bp, [molecule("H2O")] * 32, 150, 1.0, "langevin", temperature=500.0, friction_per_fs=0.5,
                            seed=0)
    kinetic = ensemble.kinetic_energy[30:]  # [frames, trajectories]
    temperature = 2 * kinetic.mean() / (ensemble.degrees_of_freedom[0] * BOLTZMANN)
    assert temperature == pytest.approx(500.0, rel=0.05)
    hydrogen_speeds = np.linalg.norm(ensemble.velocities[30:][:, ensemble.numbers == 1], axis=-1).ravel()
    assert hydrogen_speeds.mean() == pytest.approx(mean_speed(1.008, 500.0), rel=0.05)


def test_ase_langevin_heats_a_cold_molecule_to_the_bath():
    atoms = molecule("H2O")
    atoms.calc = MorsePairPotential(pair_parameters=WATER_LIKE_MORSE)
    run = run_md(atoms, 800, 1.0, "langevin", temperature=400.0, friction_per_fs=0.5, seed=2, record_every=4,
                 initialise=False)  # starts at rest
    assert run.temperature[0] == 0.0 and run.degrees_of_freedom == 9
    assert run.temperature[10:].mean() == pytest.approx(400.0, rel=0.15)


def test_maxwell_boltzmann_speed_density_is_normalised():
    mass, temperature = 1.008, 300.0
    total, _ = integrate.quad(maxwell_boltzmann_speed_pdf, 0, 1.0, args=(mass, temperature))
    mean, _ = integrate.quad(lambda v: v * maxwell_boltzmann_speed_pdf(v, mass, temperature), 0, 1.0)
    assert total == pytest.approx(1.0, rel=1e-6)
    assert mean == pytest.approx(mean_speed(mass, temperature), rel=1e-6)
    assert mean_speed(mass, temperature) == pytest.approx(0.02510, rel=1e-3)  # 2510 m/s for H at 300 K


def test_trajectory_round_trips_through_extended_xyz_and_restarts_exactly(bp, tmp_path):
    atoms = molecule("H2O")
    atoms.calc = NNPESCalculator(bp)
    run = run_nve(atoms, 20, 0.5, temperature=300.0, record_every=2, trajectory_path=tmp_path / "md.extxyz")
    back = read_trajectory(tmp_path / "md.extxyz")
    assert back.n_frames == 11 and back.timestep_fs == 0.5 and back.record_every == 2
    np.testing.assert_allclose(back.time_fs, run.time_fs)
    np.testing.assert_allclose(back.velocities, run.velocities, atol=1e-7)
    np.testing.assert_allclose(back.total_energy, run.total_energy, atol=1e-6)
    # the same start again, on the same model: the same trajectory
    again = run_ensemble(bp, [start_of(back)], 20, 0.5, temperature=None, initialise=False, record_every=2)
    assert trajectory_deviation(again.trajectory(0).positions, back.positions).max() < 1e-6


def test_bad_settings_are_one_line_errors(bp):
    atoms = molecule("H2O")
    atoms.calc = NNPESCalculator(bp)
    for options, words in ((dict(timestep_fs=-1.0), "time step"), (dict(thermostat="nose"), "thermostat"),
                           (dict(thermostat="langevin", friction_per_fs=0.0), "friction"),
                           (dict(temperature=-5.0), "temperature")):
        with pytest.raises(MDSettingsError, match=words):
            run_md(atoms, 10, **options)
    with pytest.raises(MDSettingsError, match="steps"):
        run_ensemble(bp, [atoms], 0)


def test_old_names_still_work():
    assert NVERun is not None and callable(run_nve) and callable(initialise_velocities)
