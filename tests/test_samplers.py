"""Samplers: labelled frames, the right temperature scale, scans that hit the requested values."""
from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from nnpes_core.data import (
    get_coordinate, md_sampling, molecule, normal_mode_sampling, normal_modes, optimize, scan_1d, scan_2d,
)
from nnpes_core.potentials import WATER_LIKE_MORSE, MorsePairPotential
from nnpes_core.units import BOLTZMANN


@pytest.fixture(scope="module")
def calculator():
    return MorsePairPotential(pair_parameters=WATER_LIKE_MORSE)


@pytest.fixture(scope="module")
def water_minimum(calculator):
    return optimize(molecule("water"), calculator, fmax=1e-6)


def test_molecule_understands_plain_names():
    assert molecule("ethanol").get_chemical_formula() == "C2H6O"
    assert molecule("H2O").get_chemical_formula() == molecule("water").get_chemical_formula() == "H2O"
    assert len(molecule("CH4")) == 5
    with pytest.raises(ValueError, match="unknown molecule"):
        molecule("unobtainium")


def test_normal_modes_of_water_and_of_a_diatomic(calculator, water_minimum):
    modes = normal_modes(water_minimum, calculator)
    assert len(modes.wavenumbers) == 3 and np.all(modes.wavenumbers > 1000)  # 3N - 6
    diatomic = Atoms("OH", positions=[[0, 0, 0], [0, 0, 0.96]])
    assert len(normal_modes(diatomic, calculator).wavenumbers) == 1  # 3N - 5
    # O-H Morse: k = 2 D_e a^2 on the reduced mass gives the harmonic wavenumber.
    well_depth, morse_a, _ = WATER_LIKE_MORSE["O", "H"]
    masses = diatomic.get_masses()
    reduced_mass = masses.prod() / masses.sum()
    from nnpes_core.units import WAVENUMBER_PER_SQRT_EV_A2_AMU

    expected = np.sqrt(2 * well_depth * morse_a**2 / reduced_mass) * WAVENUMBER_PER_SQRT_EV_A2_AMU
    assert normal_modes(diatomic, calculator).wavenumbers[0] == pytest.approx(expected, rel=1e-4)


def test_normal_mode_samples_hold_kT_over_2_per_mode(calculator, water_minimum):
    temperature = 300.0
    modes = normal_modes(water_minimum, calculator)
    frames = normal_mode_sampling(water_minimum, calculator, 2000, temperature, seed=1, modes=modes)
    assert all(frame.calc is not None and frame.get_forces().shape == (3, 3) for frame in frames)
    displacements = np.array([(frame.positions - water_minimum.positions).ravel() for frame in frames])
    harmonic = 0.5 * np.einsum("si,ij,sj->s", displacements, modes.hessian, displacements)
    expected = 3 * 0.5 * BOLTZMANN * temperature  # (3N - 6) k_B T / 2
    assert harmonic.mean() == pytest.approx(expected, rel=0.06)
    # The real (anharmonic) energy above the minimum is close at this temperature.
    energies = np.array([frame.get_potential_energy() for frame in frames]) - water_minimum.get_potential_energy()
    assert energies.mean() == pytest.approx(expected, rel=0.1)


def test_normal_mode_sampling_is_seeded_and_scales_with_temperature(calculator, water_minimum):
    modes = normal_modes(water_minimum, calculator)
    first = normal_mode_sampling(water_minimum, calculator, 5, 300.0, seed=4, modes=modes)
    again = normal_mode_sampling(water_minimum, calculator, 5, 300.0, seed=4, modes=modes)
    hot = normal_mode_sampling(water_minimum, calculator, 5, 1200.0, seed=4, modes=modes)
    assert all(np.array_equal(a.positions, b.positions) for a, b in zip(first, again))
    # Same random numbers, amplitudes sqrt(k_B T)/omega: four times the temperature, twice the displacement.
    for cold_frame, hot_frame in zip(first, hot):
        cold_step = cold_frame.positions - water_minimum.positions
        assert np.allclose(hot_frame.positions - water_minimum.positions, 2 * cold_step)
        assert hot_frame.info["temperature_K"] == 1200.0


def test_md_sampling_gives_labelled_snapshots_at_the_temperature(calculator, water_minimum):
    temperature = 500.0
    frames = md_sampling(water_minimum, calculator, 300, temperature, timestep_fs=0.5, interval=10, seed=2)
    assert len(frames) == 300
    assert frames[-1].info["time_fs"] == pytest.approx((200 + 300 * 10) * 0.5)
    energies = np.array([frame.get_potential_energy() for frame in frames]) - water_minimum.get_potential_energy()
    assert energies.mean() == pytest.approx(1.5 * BOLTZMANN * temperature, rel=0.25)
    kinetic_temperature = np.mean([frame.get_temperature() for frame in frames])
    assert kinetic_temperature == pytest.approx(temperature, rel=0.2)
    assert np.allclose(frames[-1].get_center_of_mass(), water_minimum.get_center_of_mass(), atol=1e-8)


def test_scans_produce_the_requested_coordinate_values(calculator, water_minimum):
    stretch = ("distance", 0, 1)
    bend = ("angle", 1, 0, 2)
    distances = np.linspace(0.8, 1.4, 7)
    frames = scan_1d(water_minimum, calculator, stretch, distances)
    assert [get_coordinate(frame, stretch) for frame in frames] == pytest.approx(distances)
    energies = [frame.get_potential_energy() for frame in frames]
    assert int(np.argmin(energies)) == 2  # 1.0 Å is the grid point nearest r_e = 0.96 Å
    angles = [95.0, 105.0, 115.0]
    grid = scan_2d(water_minimum, calculator, stretch, distances[:3], bend, angles)
    assert len(grid) == 9
    for index, frame in enumerate(grid):
        assert get_coordinate(frame, stretch) == pytest.approx(distances[index // 3])
        assert get_coordinate(frame, bend) == pytest.approx(angles[index % 3])
        assert get_coordinate(frame, ("distance", 0, 2)) == pytest.approx(water_minimum.get_distance(0, 2))
        assert frame.info["scan_2"] == angles[index % 3]
