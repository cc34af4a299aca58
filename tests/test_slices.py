"""Slices of a surface: the geometries on a grid of internal coordinates, a model evaluated on them in one
batch, and the training data projected onto the slice's coordinates."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from nnpes_core.analysis.slices import (
    ReferenceSlice, compute_reference_slice, contour_arrays, coordinate_label, coverage_mask, curve_minimum,
    error_by_coverage, grid_points, held_coordinates, load_slices, project_onto_slice, save_slices, slice_coverage,
    slice_energies, slice_frames,
)
from nnpes_core.data import get_coordinate, molecule, scan_2d
from nnpes_core.models import Committee, build_model
from nnpes_core.potentials import WATER_LIKE_MORSE, MorsePairPotential

STRETCH, OTHER, BEND = ("distance", 0, 1), ("distance", 0, 2), ("angle", 1, 0, 2)
WATER = [STRETCH, OTHER, BEND]


@pytest.fixture
def water():
    return molecule("H2O")


def test_slice_frames_set_the_coordinates_and_leave_the_others(water):
    bonds, angles = [0.9, 1.0, 1.2], [90.0, 120.0]
    frames = slice_frames(water, [STRETCH, BEND], [bonds, angles])
    assert len(frames) == 6
    points = grid_points([bonds, angles])
    for frame, (bond, angle) in zip(frames, points):
        assert get_coordinate(frame, STRETCH) == pytest.approx(bond, abs=1e-9)
        assert get_coordinate(frame, BEND) == pytest.approx(angle, abs=1e-6)
        assert get_coordinate(frame, OTHER) == pytest.approx(get_coordinate(water, OTHER), abs=1e-9)


def test_slice_frames_are_the_geometries_scan_2d_labels(water):
    morse = MorsePairPotential(pair_parameters=WATER_LIKE_MORSE)
    values = [[0.9, 1.1], [0.95, 1.05, 1.3]]
    labelled = scan_2d(water, morse, STRETCH, values[0], OTHER, values[1])
    for ours, theirs in zip(slice_frames(water, [STRETCH, OTHER], values), labelled):
        np.testing.assert_allclose(ours.positions, theirs.positions, atol=1e-12)


def test_reference_slice_energies_match_the_calculator_and_survive_a_round_trip(water, tmp_path):
    morse = MorsePairPotential(pair_parameters=WATER_LIKE_MORSE)
    reference = compute_reference_slice("bend", water, morse, [BEND], [np.linspace(80, 140, 4)])
    for frame, energy in zip(reference.frames(water), reference.energy):
        frame.calc = morse
        assert frame.get_potential_energy() == pytest.approx(energy, abs=1e-12)
    path = save_slices(tmp_path / "slices.json", water, [reference], {"note": "test"})
    base, slices, metadata = load_slices(path)
    assert metadata == {"note": "test"} and list(slices) == ["bend"]
    np.testing.assert_allclose(slices["bend"].energy, reference.energy)
    np.testing.assert_allclose(base.positions, water.positions)
    assert slices["bend"].coordinates == [BEND]


def test_load_slices_rejects_other_files(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="not a reference-slice file"):
        load_slices(path)


def test_a_committee_on_a_slice_gives_the_mean_and_the_spread_of_its_members(water):
    members = []
    for seed in range(3):
        torch.manual_seed(seed)
        members.append(build_model("bp", [1, 8]).double())
    committee = Committee(members)
    frames = slice_frames(water, [STRETCH], [np.linspace(0.8, 1.3, 5)])
    result = slice_energies(committee, frames)
    singles = np.stack([slice_energies(m, frames).energy for m in members])
    np.testing.assert_allclose(result.energy, singles.mean(0), rtol=1e-10)
    np.testing.assert_allclose(result.energy_std, singles.std(0), rtol=1e-8, atol=1e-12)
    assert slice_energies(members[0], frames).energy_std is None


def test_projection_puts_each_structure_at_its_coordinates_and_flags_those_near_the_slice(water):
    frames = slice_frames(water, [STRETCH, BEND], [[0.9, 1.1], [100.0, 130.0]])
    held = held_coordinates(water, [STRETCH, BEND], WATER)
    assert list(held) == [OTHER]
    moved = frames[0].copy()
    moved.set_distance(0, 2, get_coordinate(water, OTHER) + 0.2, fix=0)
    projection = project_onto_slice(frames + [moved], [STRETCH, BEND], held)
    np.testing.assert_allclose(projection.points[:4], grid_points([[0.9, 1.1], [100.0, 130.0]]), atol=1e-6)
    assert projection.near.tolist() == [True, True, True, True, False]


def test_coverage_needs_data_close_in_every_coordinate(water):
    grid = np.array([[1.0, 100.0], [1.3, 100.0]])
    data = np.array([[1.01, 101.0], [1.3, 130.0]])
    assert coverage_mask(grid, data, [0.04, 4.0]).tolist() == [True, False]
    stats = error_by_coverage(np.array([1.0, -10.0]), np.array([True, False]))
    assert stats["rms_covered"] == 1.0 and stats["max_beyond"] == 10.0 and stats["fraction_covered"] == 0.5
    frames = slice_frames(water, [STRETCH], [[get_coordinate(water, STRETCH), 1.5]])
    assert slice_coverage(frames, [water], WATER).tolist() == [True, False]


def test_contour_arrays_put_the_first_coordinate_along_x():
    X, Y, Z = contour_arrays([1.0, 2.0, 3.0], [10.0, 20.0], np.arange(6.0))
    assert X.shape == Y.shape == Z.shape == (2, 3)
    assert X[0].tolist() == [1.0, 2.0, 3.0] and Y[:, 0].tolist() == [10.0, 20.0]
    assert Z[1, 0] == 1.0  # x = 1, y = 20 is the second grid point (last coordinate fastest)


def test_curve_minimum_finds_the_bottom_of_a_parabola():
    x = np.linspace(0.8, 1.2, 9)
    position, energy = curve_minimum(x, 3.0 * (x - 0.9687) ** 2 - 2.0)
    assert position == pytest.approx(0.9687, abs=1e-9) and energy == pytest.approx(-2.0, abs=1e-12)


def test_coordinates_have_readable_labels(water):
    symbols = water.get_chemical_symbols()
    assert coordinate_label(STRETCH, symbols) == "r(O1–H2)"
    assert coordinate_label(BEND, symbols) == "∠(H2–O1–H3)"


def test_the_shipped_reference_slices_are_readable():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "assets" / "data" / "water_reference_slices.json"
    base, slices, metadata = load_slices(path)
    assert {"stretch", "bend", "stretch_stretch", "stretch_bend"} <= set(slices)
    assert isinstance(slices["stretch_stretch"], ReferenceSlice) and slices["stretch_stretch"].shape == (15, 15)
    # the minimum of the stretch scan lies at the B3LYP bond length within the grid resolution
    position, _ = curve_minimum(slices["stretch"].values[0], slices["stretch"].energy)
    assert position == pytest.approx(metadata["r_oh"], abs=0.01)
