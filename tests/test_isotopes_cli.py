"""`nnpes vib`: optimise on a shipped model's surface, print harmonic wavenumbers (cm⁻¹), other isotopes on the
same surface; bad input gives one line and exit code 2."""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from nnpes_core.cli import main

ROOT = Path(__file__).resolve().parents[1]
WATER_MODEL = str(ROOT / "assets" / "models" / "water_bp.pt")
WATER_TEST = str(ROOT / "assets" / "data" / "water_b3lyp_631gs_test.extxyz")
REFERENCE_WATER = np.array([1710.5, 3720.7, 3844.5])  # B3LYP/6-31G*, assets/data/water_b3lyp_631gs_hessian.json


@pytest.fixture(scope="module")
def water_runs():
    """Plain and deuterated water on the shipped bp model (each run optimises from a thermal structure)."""
    runs = {}
    for spec in (None, "H=2"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["vib", "--model", WATER_MODEL, "--structure", WATER_TEST, "--json",
                         *(["--isotope", spec] if spec else [])]) == 0
        runs[spec] = json.loads(out.getvalue())
    return runs


def test_vib_finds_the_three_water_frequencies_near_the_reference(water_runs):
    result = water_runs[None]
    assert len(result["frequencies_cm1"]) == 3  # 3N - 6
    np.testing.assert_allclose(result["frequencies_cm1"], REFERENCE_WATER, atol=30)
    assert result["zero_point_energy_eV"] == pytest.approx(0.5 * sum(result["frequencies_cm1"]) * 1.2398e-4, rel=1e-4)
    assert result["symbols"] == ["O", "H", "H"]


def test_deuterium_changes_only_the_masses(water_runs):
    plain, heavy = water_runs[None], water_runs["H=2"]
    assert heavy["masses_amu"][1:] == [pytest.approx(2.0141018)] * 2 and heavy["masses_amu"][0] == plain["masses_amu"][0]
    np.testing.assert_allclose(heavy["positions_angstrom"], plain["positions_angstrom"], atol=1e-8)  # same minimum
    ratios = np.array(heavy["frequencies_cm1"]) / np.array(plain["frequencies_cm1"])
    np.testing.assert_allclose(ratios, [0.732, 0.721, 0.733], atol=0.004)  # as for the B3LYP Hessian


def test_vib_prints_a_readable_summary(capsys):
    assert main(["vib", "--model", WATER_MODEL, "--molecule", "H2O", "--isotope", "1=2"]) == 0
    out = capsys.readouterr().out
    assert "harmonic wavenumbers (cm⁻¹):" in out and "H 2.0141" in out and "H 1.0080" in out


@pytest.mark.parametrize("arguments, message", [
    (["--molecule", "NH3"], "cannot describe N"),
    (["--structure", WATER_TEST, "--isotope", "H=7"], "unknown isotope 7H"),
    (["--structure", WATER_TEST, "--isotope", "N=15"], "has no N atom"),
    (["--structure", "no-such-file.extxyz"], "no-such-file"),
])
def test_bad_input_is_one_line_and_exit_code_2(capsys, arguments, message):
    assert main(["vib", "--model", WATER_MODEL, *arguments]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1 and "Traceback" not in error


def test_vib_on_the_ammonia_model_gives_six_modes_near_the_reference(capsys):
    reference = [1129.4, 1727.4, 1727.7, 3438.7, 3569.9, 3570.1]  # MOLECULES_PROVENANCE.md
    assert main(["vib", "--model", str(ROOT / "assets" / "models" / "nh3_bp.pt"), "--structure",
                 str(ROOT / "assets" / "data" / "nh3_b3lyp_631gs_test.extxyz"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert len(result["frequencies_cm1"]) == 6  # 3N - 6: not only triatomics
    np.testing.assert_allclose(result["frequencies_cm1"], reference, atol=40)
    pairs = np.array(result["frequencies_cm1"])
    assert abs(pairs[1] - pairs[2]) < 5 and abs(pairs[4] - pairs[5]) < 5  # degenerate pairs stay (nearly) paired


@pytest.mark.parametrize("content, message", [
    (bytes(range(200, 256)) * 4, "not a valid extended-XYZ file"),
    (b"1\nProperties=species:S:1:pos:R:3\nH 0 0 0\n", "a single atom has no vibrations"),
    (b"2\nProperties=species:S:1:pos:R:3\nH 0 0 0\nH 0 0 0\n", ""),  # coinciding atoms: refused by the reader
])
def test_broken_structure_files_are_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "broken.extxyz"
    path.write_bytes(content)
    assert main(["vib", "--model", WATER_MODEL, "--structure", str(path)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.count("\n") == 1 and captured.out == ""


def test_a_broken_model_file_or_method_is_one_line(tmp_path, capsys):
    garbage = tmp_path / "model.pt"
    garbage.write_bytes(b"not a model")
    assert main(["vib", "--model", str(garbage), "--molecule", "H2O"]) == 2
    assert main(["vib", "--method", "nonsense", "--molecule", "H2O"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 2 and "unknown method 'nonsense'" in captured.err and captured.out == ""
