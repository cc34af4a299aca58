"""Uploaded XYZ files (nnpes_core.data.upload): a good file gives a clean molecule; every bad one gives
one clear sentence (a StructureUploadError, which is a ValueError), never a traceback."""
from __future__ import annotations

import numpy as np
import pytest

from nnpes_core.data.upload import StructureUploadError, read_structure_upload

WATER = b"3\nwater\nO 0.0 0.0 0.119\nH 0.0 0.763 -0.477\nH 0.0 -0.763 -0.477\n"
H_TO_AR = range(1, 19)


def error_for(data: bytes, **options) -> str:
    with pytest.raises(StructureUploadError) as raised:
        read_structure_upload(data, "mol.xyz", **options)
    message = str(raised.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_plain_xyz_file_gives_the_molecule():
    atoms = read_structure_upload(WATER, "water.xyz", allowed_numbers=H_TO_AR)
    assert atoms.get_chemical_symbols() == ["O", "H", "H"]
    assert atoms.positions[1] == pytest.approx([0.0, 0.763, -0.477])
    assert not atoms.pbc.any() and atoms.calc is None


def test_extended_xyz_labels_are_dropped_and_windows_line_endings_are_fine():
    text = ("2\nProperties=species:S:1:pos:R:3:forces:R:3 energy=-1.5 pbc=\"F F F\"\r\n"
            "H 0 0 0 0 0 1\r\nH 0 0 0.74 0 0 -1\r\n").encode()
    atoms = read_structure_upload(text)
    assert len(atoms) == 2 and atoms.calc is None


def test_a_byte_order_mark_is_ignored():
    assert len(read_structure_upload("\ufeff".encode() + WATER)) == 3


def test_only_the_first_structure_of_a_trajectory_is_read():
    atoms = read_structure_upload(WATER + WATER.replace(b"0.119", b"0.2"))
    assert atoms.positions[0, 2] == pytest.approx(0.119)


@pytest.mark.parametrize(("data", "expected"), [
    (b"", "is empty"),
    (b"  \n\n ", "is empty"),
    (b"\xff\xfe\x00\x01binary", "not a text file"),
    (b"hello world\n", "not a valid XYZ file"),
    (b"3\n\nO 0 0 0\nH 0 0 1\n", "not a valid XYZ file"),
    (b"2\n\nO 0 0 zero\nH 0 0 1\n", "not a valid XYZ file"),
    (b"2\n\nXx 0 0 0\nH 0 0 1\n", "'Xx' is not a chemical element symbol"),
    (b"2\n\nX 0 0 0\nH 0 0 1\n", "dummy atom"),
    (b"2\n\nO 0 0 nan\nH 0 0 1\n", "NaN or infinite"),
    (b"2\n\nH 0 0 0\nH 0 0 0.1\n", "only 0.10 Å apart"),
    (b'2\nLattice="5 0 0 0 5 0 0 0 5" pbc="T T T"\nO 0 0 0\nH 0 0 1\n', "periodic cell"),
])
def test_malformed_files_get_a_clear_message(data, expected):
    assert expected in error_for(data)


def test_an_element_the_models_do_not_know_is_named():
    message = error_for(b"2\n\nFe 0 0 0\nO 0 0 1.6\n", allowed_numbers=H_TO_AR)
    assert "Fe" in message and "do not know" in message


def test_too_many_atoms_are_refused_from_the_header_and_from_the_content():
    atoms_lines = "".join(f"H 0 0 {1.0 * i}\n" for i in range(61))
    assert "at most 60" in error_for(f"61\n\n{atoms_lines}".encode(), max_atoms=60)
    assert "3 atoms; this page handles at most 2" in error_for(WATER, max_atoms=2)


def test_a_single_atom_or_atoms_out_of_each_others_reach_are_refused_when_asked():
    single = b"1\n\nHe 0 0 0\n"
    assert len(read_structure_upload(single)) == 1  # by default one atom is a structure too
    assert "contains 1 atom; upload a molecule of at least 2" in error_for(single, min_atoms=2)
    apart = b"2\n\nH 0 0 0\nH 0 0 7.4\n"
    assert "no two atoms are within 5 Å" in error_for(apart, neighbor_within=5.0)
    assert len(read_structure_upload(WATER, neighbor_within=5.0)) == 3


def test_a_file_that_is_too_big_is_refused_before_parsing():
    assert "MB" in error_for(WATER + b" " * 2000, max_bytes=1000)


def test_the_error_is_a_value_error_for_the_page():
    with pytest.raises(ValueError):
        read_structure_upload(b"nonsense")


def test_coordinates_come_back_as_floats_in_angstrom():
    atoms = read_structure_upload(b"2\n\nH 0 0 0\nH 0 0 7.4e-1\n")
    assert np.isclose(atoms.get_distance(0, 1), 0.74)
