"""``nnpes`` on periodic metals: data --reference emt writes cells and pbc, train and eval work on that
data unchanged, ``nnpes crystal`` compares a model with EMT, and bad input ends with exit code 2 and one
line on stderr."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import nnpes_core
from nnpes_core.cli import EXIT_BAD_INPUT, main
from nnpes_core.data import molecule, read_dataset, write_dataset
from nnpes_core.materials import fcc_supercell

MODELS_DIR = Path(__file__).resolve().parents[1] / "assets" / "models"


@pytest.fixture(scope="module")
def crystal_data(tmp_path_factory) -> Path:
    """A tiny periodic Cu set (4-atom cells, half with a vacancy) and a bp model trained by the command."""
    directory = tmp_path_factory.mktemp("crystal_cli")
    assert main(["data", "--reference", "emt", "--element", "Cu", "--supercell", "1", "--n", "16",
                 "--rattle", "0.1", "--strain", "0.04", "--vacancies", "--seed", "3",
                 "--out", str(directory / "cu.extxyz")]) == 0
    assert main(["train", "--model", "bp", "--train", str(directory / "cu.extxyz"), "--epochs", "3",
                 "--seed", "0", "--out", str(directory / "cu.pt")]) == 0
    return directory


def test_data_command_writes_periodic_labelled_supercells(crystal_data):
    text = (crystal_data / "cu.extxyz").read_text()
    assert text.count('pbc="T T T"') == 16 and text.count("Lattice=") == 16
    frames = read_dataset(crystal_data / "cu.extxyz")
    assert [len(frame) for frame in frames[:4]] == [4, 3, 4, 3]  # every second one has a vacancy
    assert all(frame.pbc.all() and frame.get_volume() > 30 for frame in frames)
    assert {frame.info["kind"] for frame in frames} == {"bulk", "vacancy"}


def test_train_and_eval_work_unchanged_on_periodic_data(crystal_data, capsys):
    capsys.readouterr()
    assert main(["eval", "--model", str(crystal_data / "cu.pt"), "--data", str(crystal_data / "cu.extxyz"),
                 "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["n_structures"] == 16 and metrics["force_mae_mev_per_a"] > 0
    # the saved model's ASE calculator sees the cell: a periodic crystal and the same atoms without
    # their images are different structures
    crystal = fcc_supercell("Cu", 1)
    crystal.calc = nnpes_core.load_calculator(crystal_data / "cu.pt")
    periodic = crystal.get_potential_energy()
    cluster = crystal.copy()
    cluster.pbc = False
    cluster.calc = nnpes_core.load_calculator(crystal_data / "cu.pt")
    assert abs(cluster.get_potential_energy() - periodic) > 0.1


def test_the_equivariant_model_trains_on_periodic_data_too(crystal_data, capsys):
    assert main(["train", "--model", "equivariant", "--train", str(crystal_data / "cu.extxyz"), "--epochs", "1",
                 "--out", str(crystal_data / "cu_eq.pt")]) == 0
    capsys.readouterr()
    assert main(["eval", "--model", str(crystal_data / "cu_eq.pt"), "--data", str(crystal_data / "cu.extxyz"),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["kind"] == "equivariant"


def test_crystal_command_compares_a_shipped_model_with_emt(capsys):
    capsys.readouterr()
    assert main(["crystal", "--model", str(MODELS_DIR / "cu_bp.pt"), "--repeat", "2", "--no-relax", "--json"]) == 0
    output = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert output["element"] == "Cu"
    rows = {row["property"]: row for row in output["properties"]}
    assert rows["lattice constant (Å)"]["EMT"] == pytest.approx(3.590, abs=0.002)
    assert abs(rows["lattice constant (Å)"]["model error"]) < 0.02
    assert abs(rows["vacancy, unrelaxed (eV)"]["model error"]) < 0.15


def test_crystal_command_runs_md_and_reports_g_of_r(capsys, tmp_path):
    start = tmp_path / "start.extxyz"
    write_dataset(start, [fcc_supercell("Cu", 2)])
    capsys.readouterr()
    assert main(["crystal", "--model", str(MODELS_DIR / "cu_bp.pt"), "--repeat", "1", "--no-relax",
                 "--structure", str(start), "--temperature", "300", "--steps", "40"]) == 0
    out = capsys.readouterr().out
    assert "g(r) first peak at 2.5" in out and "coordination 1" in out


def run_bad(argv, capsys) -> str:
    capsys.readouterr()
    assert main(argv) == EXIT_BAD_INPUT
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "Traceback" not in error
    return error


@pytest.mark.parametrize("options, message", [
    (["--element", "Xx"], "unknown element"),
    (["--rattle", "-0.1"], "rattle"),
    (["--strain", "0.9"], "strain"),
    (["--supercell", "0"], "at least 1"),
])
def test_bad_crystal_requests_end_with_one_line(options, message, capsys, tmp_path):
    error = run_bad(["data", "--reference", "emt", "--n", "2", *options, "--out", str(tmp_path / "x.extxyz")], capsys)
    assert message in error
    assert not (tmp_path / "x.extxyz").exists()


def test_unknown_reference_is_refused(capsys, tmp_path):
    assert "only emt" in run_bad(["data", "--reference", "dft", "--out", str(tmp_path / "x.extxyz")], capsys)


def test_a_molecule_where_a_crystal_is_needed_is_refused(capsys, tmp_path):
    water = tmp_path / "water.extxyz"
    write_dataset(water, [molecule("H2O")])
    error = run_bad(["crystal", "--model", str(MODELS_DIR / "cu_bp.pt"), "--structure", str(water),
                     "--temperature", "300"], capsys)
    assert "not periodic" in error


def test_a_model_without_copper_cannot_describe_a_copper_crystal(capsys):
    error = run_bad(["crystal", "--model", str(MODELS_DIR / "water_bp.pt"), "--element", "Cu"], capsys)
    assert "cannot describe Cu" in error


def test_aluminium_is_the_second_element(tmp_path):
    out = tmp_path / "al.extxyz"
    assert main(["data", "--reference", "emt", "--element", "al", "--supercell", "1", "--n", "2",
                 "--rattle", "0", "--strain", "0", "--out", str(out)]) == 0
    frames = read_dataset(out)
    assert frames[0].get_chemical_symbols() == ["Al"] * 4
    assert frames[0].cell.lengths() == pytest.approx([3.994] * 3, abs=0.002)  # EMT's own Al lattice constant
    assert abs(frames[0].get_potential_energy()) < 0.05  # EMT's zero: the perfect crystal near equilibrium
