"""Datasets of lesson 4: H2 structures from a curve, uploaded files checked byte by byte, splits."""
from __future__ import annotations

import io

import ase.io
import numpy as np
import pytest

from nnpes_core.data import labelled_copy, write_dataset
from nnpes_core.data.io import DatasetError
from nnpes_core.data.training_sets import (
    finite_difference_bond_forces, h2_frames, h2_structure, read_uploaded_dataset, same_molecule, spline_forces,
    split_for_training,
)
from nnpes_core.potentials.morse import morse_energy_and_derivative

MORSE = (4.7, 1.9, 0.74)  # D_e (eV), a (1/Å), r_e (Å): an H2-like well


def morse_curve(n: int = 60):
    distances = np.linspace(0.4, 4.0, n)
    energy, derivative = morse_energy_and_derivative(distances, *MORSE)
    return distances, energy, -derivative


def test_spline_forces_are_minus_the_derivative_of_the_curve():
    distances, energies, forces = morse_curve()
    inside = (distances > 0.5) & (distances < 3.9)
    np.testing.assert_allclose(spline_forces(distances, energies)[inside], forces[inside], atol=2e-2)


def test_finite_differences_of_an_analytic_curve_match_its_derivative():
    distances, _, forces = morse_curve(12)
    energy_at = lambda r: float(morse_energy_and_derivative(np.array(r), *MORSE)[0])  # noqa: E731
    np.testing.assert_allclose(finite_difference_bond_forces(distances, energy_at, 1e-4), forces, atol=1e-5)


def test_h2_frames_carry_the_curve_energy_and_forces_along_the_bond():
    distances, energies, forces = morse_curve()
    frames = h2_frames(distances, energies, forces, r_min=0.5)
    assert len(frames) == int(np.sum(distances >= 0.5))
    stretched = frames[-1]  # R = 4 Å: the bond pulls the atoms together
    assert stretched.get_distance(0, 1) == pytest.approx(4.0)
    assert stretched.get_potential_energy() == pytest.approx(energies[-1])
    atom_forces = stretched.get_forces()
    np.testing.assert_allclose(atom_forces.sum(0), 0.0, atol=1e-12)  # no net force
    assert atom_forces[1, 2] < 0 < atom_forces[0, 2]  # atom 1 sits at +z and is pulled down
    assert atom_forces[1, 2] == pytest.approx(forces[-1])


def test_h2_frames_outside_the_window_are_an_error():
    distances, energies, _ = morse_curve()
    with pytest.raises(DatasetError, match="no H2 points"):
        h2_frames(distances, energies, r_min=5.0)


def extxyz_bytes(frames) -> bytes:
    buffer = io.StringIO()
    ase.io.write(buffer, [labelled_copy(frame) for frame in frames], format="extxyz")
    return buffer.getvalue().encode()


@pytest.fixture(scope="module")
def good_frames():
    distances, energies, forces = morse_curve(20)
    return h2_frames(distances, energies, forces)


def test_a_good_upload_is_read_back(good_frames, tmp_path):
    content = extxyz_bytes(good_frames)
    frames = read_uploaded_dataset(content, "h2.extxyz")
    assert len(frames) == len(good_frames)
    np.testing.assert_allclose(frames[3].get_forces(), good_frames[3].get_forces())
    write_dataset(tmp_path / "h2.extxyz", good_frames)  # the file format the app writes reads back too
    assert len(read_uploaded_dataset((tmp_path / "h2.extxyz").read_bytes(), "h2.extxyz")) == len(good_frames)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"this is not\nan xyz file at all\n", "not a valid extended-XYZ"),
    (b"2\nenergy=-1.0 Properties=species:S:1:pos:R:3\nH 0 0 0\nH 0 0 0.7\n", "no forces"),
    (b"2\nProperties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 0 0 1\nH 0 0 0.7 0 0 -1\n", "no energy"),
    (b"2\nenergy=nan Properties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 0 0 1\nH 0 0 0.7 0 0 -1\n", "NaN"),
    (b"2\nenergy=-1 Properties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 0 0 nan\nH 0 0 0.7 0 0 -1\n", "NaN"),
])
def test_bad_uploads_get_one_clear_line_naming_the_file(content, message):
    with pytest.raises(DatasetError, match=message) as error:
        read_uploaded_dataset(content, "mine.xyz")
    assert "mine.xyz" in str(error.value) and "\n" not in str(error.value)
    assert "/tmp" not in str(error.value)  # the temporary file's name is never shown


def test_oversized_uploads_are_refused(good_frames):
    content = extxyz_bytes(good_frames)
    with pytest.raises(DatasetError, match="more than the limit"):
        read_uploaded_dataset(content, "big.xyz", max_bytes=len(content) - 1)
    with pytest.raises(DatasetError, match="20 structures, more than the limit of 5"):
        read_uploaded_dataset(content, "many.xyz", max_structures=5)
    with pytest.raises(DatasetError, match="2 atoms, more than the limit of 1"):
        read_uploaded_dataset(content, "wide.xyz", max_atoms=1)


def test_split_is_seeded_disjoint_and_refuses_tiny_sets(good_frames):
    train, val, test = split_for_training(good_frames, seed=0)
    assert (len(train), len(val), len(test)) == (16, 2, 2)
    ids = [id(frame) for frame in train + val + test]
    assert len(set(ids)) == len(good_frames)
    again = split_for_training(good_frames, seed=0)
    assert [a.get_distance(0, 1) for a in again[0]] == [a.get_distance(0, 1) for a in train]
    with pytest.raises(DatasetError, match="too few"):
        split_for_training(good_frames[:5])


def test_same_molecule_tells_whether_a_cartesian_model_can_take_the_data(good_frames, morse_water_frames):
    assert same_molecule(good_frames)
    assert not same_molecule([good_frames[0], morse_water_frames[0]])
    assert h2_structure(0.74).get_distance(0, 1) == pytest.approx(0.74)
