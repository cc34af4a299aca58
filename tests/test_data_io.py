"""Datasets on disk: extended XYZ round trips, clear errors for bad files, seeded splits."""
from __future__ import annotations

import ase.io
import numpy as np
import pytest
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator

from nnpes_core.data import (
    DatasetError, dataset_summary, read_dataset, split_dataset, split_indices, write_dataset,
)


def labelled_water(k: int, energy: float | None = None, forces=True) -> Atoms:
    rng = np.random.default_rng(k)
    atoms = Atoms("OH2", positions=[[0, 0, 0.12], [0, 0.76, -0.47], [0, -0.76, -0.47]])
    atoms.positions += 0.02 * rng.standard_normal((3, 3))
    labels = {"energy": -2079.1 + 0.01 * k if energy is None else energy}
    if forces is True:
        labels["forces"] = rng.standard_normal((3, 3))
    elif forces is not None and forces is not False:
        labels["forces"] = forces
    atoms.calc = SinglePointCalculator(atoms, **labels)
    atoms.info["temperature_K"] = 300.0
    return atoms


def test_written_dataset_reads_back_with_ase_and_with_read_dataset(tmp_path):
    frames = [labelled_water(k) for k in range(5)]
    path = write_dataset(tmp_path / "sub" / "water.extxyz", frames)
    for reader in (lambda: ase.io.read(path, ":"), lambda: read_dataset(path)):
        loaded = reader()
        assert len(loaded) == 5
        for original, copy in zip(frames, loaded):
            assert copy.get_potential_energy() == pytest.approx(original.get_potential_energy(), abs=1e-10)
            assert np.allclose(copy.get_forces(), original.get_forces(), atol=1e-7)
            assert np.allclose(copy.positions, original.positions, atol=1e-7)
            assert copy.get_chemical_symbols() == ["O", "H", "H"]
            assert copy.info["temperature_K"] == 300.0


def test_labels_from_any_calculator_are_stored(tmp_path):
    from nnpes_core.potentials import WATER_LIKE_MORSE, MorsePairPotential

    atoms = labelled_water(0)
    atoms.calc = MorsePairPotential(pair_parameters=WATER_LIKE_MORSE)
    atoms.get_forces()
    loaded = read_dataset(write_dataset(tmp_path / "morse.extxyz", [atoms]))[0]
    assert loaded.get_potential_energy() == pytest.approx(atoms.get_potential_energy())


def write_text(tmp_path, text: str):
    path = tmp_path / "data.extxyz"
    path.write_text(text)
    return path


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message and message
    return message


def test_missing_file_is_a_dataset_error(tmp_path):
    with pytest.raises(DatasetError, match="not found") as error:
        read_dataset(tmp_path / "nope.extxyz")
    one_line(error)


@pytest.mark.parametrize("text", ["", "   \n\n"])
def test_empty_file_is_a_dataset_error(tmp_path, text):
    with pytest.raises(DatasetError, match="empty") as error:
        read_dataset(write_text(tmp_path, text))
    one_line(error)


@pytest.mark.parametrize(
    "text", ["this is not a molecule\nat all\n", "3\ncomment\nO 0 0\nH 0 0 1\n", "2\n\nH 0 0 0\n"]
)
def test_malformed_file_is_a_dataset_error(tmp_path, text):
    with pytest.raises(DatasetError, match="not a valid extended-XYZ") as error:
        read_dataset(write_text(tmp_path, text))
    one_line(error)


def test_missing_energy_or_forces_is_a_dataset_error(tmp_path):
    bare = labelled_water(0)
    bare.calc = None
    path = tmp_path / "bare.extxyz"
    ase.io.write(path, [bare], format="extxyz")
    with pytest.raises(DatasetError, match="no energy") as error:
        read_dataset(path)
    one_line(error)
    path = write_dataset(tmp_path / "energy_only.extxyz", [labelled_water(0), labelled_water(1, forces=None)])
    with pytest.raises(DatasetError, match="structure 2: no forces") as error:
        read_dataset(path)
    one_line(error)
    assert len(read_dataset(path, require_forces=False)) == 2


@pytest.mark.parametrize("what", ["positions", "energy", "forces"])
def test_nan_or_infinity_is_a_dataset_error(tmp_path, what):
    bad = labelled_water(1, energy=np.nan if what == "energy" else None,
                         forces=np.array([[0, 0, np.inf], [0, 0, 0], [0, 0, 0]]) if what == "forces" else True)
    if what == "positions":
        bad.positions[1, 0] = np.nan
    path = write_dataset(tmp_path / "bad.extxyz", [labelled_water(0), bad])
    with pytest.raises(DatasetError, match=f"structure 2: {what} contain NaN") as error:
        read_dataset(path)
    one_line(error)


def test_too_many_structures_or_atoms_is_a_dataset_error(tmp_path):
    path = write_dataset(tmp_path / "five.extxyz", [labelled_water(k) for k in range(5)])
    with pytest.raises(DatasetError, match="5 structures, more than the limit of 4"):
        read_dataset(path, max_structures=4)
    with pytest.raises(DatasetError, match="3 atoms, more than the limit of 2"):
        read_dataset(path, max_atoms=2)
    assert len(read_dataset(path, max_structures=5, max_atoms=3)) == 5


def test_seeded_splits_are_reproducible_disjoint_and_complete():
    first = split_indices(103, (0.8, 0.1, 0.1), seed=7)
    again = split_indices(103, (0.8, 0.1, 0.1), seed=7)
    other = split_indices(103, (0.8, 0.1, 0.1), seed=8)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], other[0])
    assert [len(part) for part in first] == [82, 10, 11]  # fractions round down, the last takes the rest
    combined = np.concatenate(first)
    assert len(np.unique(combined)) == 103


def test_split_by_counts_and_of_frames():
    frames = [labelled_water(k) for k in range(20)]
    train, val, test = split_dataset(frames, (10, 4, 3), seed=0)
    assert (len(train), len(val), len(test)) == (10, 4, 3)
    energies = [{frame.get_potential_energy() for frame in part} for part in (train, val, test)]
    assert not (energies[0] & energies[1] or energies[0] & energies[2] or energies[1] & energies[2])
    with pytest.raises(ValueError):
        split_dataset(frames, (15, 10), seed=0)


def test_dataset_summary_reports_counts_elements_and_label_statistics():
    frames = [labelled_water(k) for k in range(4)]
    summary = dataset_summary(frames)
    assert summary["n_structures"] == 4 and summary["n_atoms_total"] == 12
    assert summary["elements"] == {"H": 8, "O": 4}
    assert summary["energy_min_eV"] == pytest.approx(-2079.1)
    assert summary["energy_max_eV"] == pytest.approx(-2079.07)
    forces = np.concatenate([frame.get_forces().ravel() for frame in frames])
    assert summary["force_rms_eV_per_A"] == pytest.approx(np.sqrt(np.mean(forces**2)))
