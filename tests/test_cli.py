"""The ``nnpes`` command: a round trip data -> train -> eval -> load_calculator on a tiny set, and bad
input that ends with exit code 2 and one line on stderr, never a traceback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
import pytest

import nnpes_core
from nnpes_core.cli import EXIT_BAD_INPUT, main
from nnpes_core.data import labelled_copy, molecule, read_dataset, write_dataset
from nnpes_core.potentials import MorsePairPotential


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A Morse water data set and a bp model trained on it by the command itself (once per module)."""
    directory = tmp_path_factory.mktemp("cli")
    assert main(["data", "--method", "morse", "--molecule", "H2O", "--n", "24", "--temperature", "300",
                 "--seed", "1", "--out", str(directory / "water.extxyz")]) == 0
    assert main(["train", "--model", "bp", "--train", str(directory / "water.extxyz"), "--epochs", "20",
                 "--time-budget", "5", "--seed", "0", "--out", str(directory / "model.pt")]) == 0
    return directory


def evaluate_json(workdir: Path, capsys) -> dict:
    capsys.readouterr()
    assert main(["eval", "--model", str(workdir / "model.pt"), "--data", str(workdir / "water.extxyz"), "--json"]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_round_trip_data_train_eval_and_load_calculator(workdir, capsys):
    metrics = evaluate_json(workdir, capsys)
    assert metrics["kind"] == "bp" and metrics["n_structures"] == 24
    frames = read_dataset(workdir / "water.extxyz")
    calculator = nnpes_core.load_calculator(workdir / "model.pt")
    errors = []
    for atoms in frames:
        reference = atoms.get_potential_energy()
        work = atoms.copy()
        work.calc = calculator
        errors.append(abs(work.get_potential_energy() - reference))
    # the calculator predicts the energies ``nnpes eval`` scored; the network runs in float32 (the
    # training default) and a batch of 24 rounds differently from one structure at a time (~1e-9 eV)
    assert 1e3 * np.mean(errors) == pytest.approx(metrics["energy_mae_mev"], abs=1e-5)


def test_train_writes_one_model_file_with_its_full_provenance(workdir, capsys):
    """One save, by the trainer: the file keeps kind, settings, data hashes, epochs, best validation errors
    and versions, and ``nnpes eval`` reports them."""
    import hashlib

    metadata = torch.load(workdir / "model.pt", weights_only=True)["metadata"]
    assert metadata["kind"] == "bp" and metadata["training"]["alpha"] == 1.0
    digest = hashlib.sha256((workdir / "water.extxyz").read_bytes()).hexdigest()
    assert metadata["data"]["train"]["sha256"] == digest
    assert metadata["epochs_run"] >= metadata["best_epoch"] >= 1
    assert metadata["best_validation"]["force_mae_mev_per_a"] > 0
    assert set(metadata["versions"]) == {"python", "torch", "nnpes_core"}
    assert evaluate_json(workdir, capsys)["provenance"]["best_epoch"] == metadata["best_epoch"]


def test_installed_console_script_prints_the_same_json(workdir, capsys):
    expected = evaluate_json(workdir, capsys)
    script = Path(sys.executable).with_name("nnpes")
    completed = subprocess.run(
        [str(script), "eval", "--model", str(workdir / "model.pt"), "--data", str(workdir / "water.extxyz"), "--json"],
        capture_output=True, text=True, timeout=120, env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
    )
    assert completed.returncode == 0, completed.stderr
    printed = json.loads(completed.stdout.strip().splitlines()[-1])
    assert printed["energy_mae_mev"] == pytest.approx(expected["energy_mae_mev"], rel=1e-12)


def assert_bad_input(argv: list[str], capsys, mentions: str) -> None:
    capsys.readouterr()
    assert main(argv) == EXIT_BAD_INPUT
    error = capsys.readouterr().err
    assert "Traceback" not in error
    lines = error.strip().splitlines()
    assert len(lines) == 1, error
    assert lines[0].startswith(f"nnpes {argv[0]}: error:") and mentions.lower() in lines[0].lower(), lines[0]


def test_missing_file_is_a_one_line_error(workdir, capsys):
    assert_bad_input(["eval", "--model", str(workdir / "model.pt"), "--data", str(workdir / "absent.extxyz")],
                     capsys, "not found")
    assert_bad_input(["eval", "--model", str(workdir / "absent.pt"), "--data", str(workdir / "water.extxyz")],
                     capsys, "not found")


def test_malformed_extxyz_is_a_one_line_error(workdir, tmp_path, capsys):
    path = tmp_path / "broken.extxyz"
    path.write_text("3\nenergy=oops Properties=species:S:1:pos:R:3\nO 0.0 0.0\nH x y z\n")
    assert_bad_input(["train", "--model", "bp", "--train", str(path), "--out", str(tmp_path / "m.pt")],
                     capsys, "extended-XYZ")


def test_data_without_forces_is_a_one_line_error(workdir, tmp_path, capsys):
    frames = [labelled_copy(atoms.copy(), energy=atoms.get_potential_energy())
              for atoms in read_dataset(workdir / "water.extxyz")]
    path = write_dataset(tmp_path / "no_forces.extxyz", frames)
    assert_bad_input(["eval", "--model", str(workdir / "model.pt"), "--data", str(path)], capsys, "no forces")


def test_element_the_model_was_not_trained_on_is_a_one_line_error(workdir, tmp_path, capsys):
    methane = molecule("CH4")
    methane.calc = MorsePairPotential()
    frame = labelled_copy(methane, methane.get_potential_energy(), methane.get_forces())
    path = write_dataset(tmp_path / "methane.extxyz", [frame])
    assert_bad_input(["eval", "--model", str(workdir / "model.pt"), "--data", str(path)], capsys, "cannot describe C")


def test_nan_in_the_data_file_is_a_one_line_error(workdir, tmp_path, capsys):
    frames = read_dataset(workdir / "water.extxyz")
    forces = frames[2].get_forces().copy()
    forces[1, 2] = np.nan
    frames[2] = labelled_copy(frames[2], frames[2].get_potential_energy(), forces)
    path = write_dataset(tmp_path / "nan.extxyz", frames)
    assert_bad_input(["eval", "--model", str(workdir / "model.pt"), "--data", str(path)], capsys, "NaN")
    assert_bad_input(["train", "--model", "bp", "--train", str(path), "--out", str(tmp_path / "m.pt")],
                     capsys, "NaN")


def test_md_runs_nve_with_a_shipped_model_and_reports_speed_and_drift(tmp_path, capsys):
    capsys.readouterr()
    trajectory = tmp_path / "md.extxyz"
    model = Path(__file__).resolve().parents[1] / "assets" / "models" / "water_bp.pt"
    assert main(["md", "--model", str(model), "--steps", "200", "--trajectory", str(trajectory)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert "steps/s" in line and "drift" in line
    drift = float(line.split("drift")[1].split("eV/ps")[0])
    assert abs(drift) < 5e-3  # eV/ps: conservative forces, 100 fs of water at 300 K
    assert len(read_dataset(trajectory, require_energy=False, require_forces=False)) == 201  # t = 0 and 200 steps


def test_md_with_a_missing_model_is_a_one_line_error(tmp_path, capsys):
    assert_bad_input(["md", "--model", str(tmp_path / "none.pt")], capsys, "not found")
