"""``nnpes al``: pool-based active learning on any labelled pool prints the learning curve (``--json``: one
object); bad input is one line on stderr and exit code 2."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nnpes_core.cli import EXIT_BAD_INPUT, main
from nnpes_core.data import labelled_copy, write_dataset

TINY = ["--model", "bp", "--start", "4", "--add", "2", "--rounds", "2", "--committee", "2", "--epochs", "3",
        "--seed", "1"]


@pytest.fixture(scope="module")
def files(tmp_path_factory, morse_water_frames) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("al_cli")
    return {"pool": write_dataset(folder / "pool.extxyz", morse_water_frames[:24]),
            "test": write_dataset(folder / "test.extxyz", morse_water_frames[48:]), "folder": folder}


def al(files, *extra: str) -> list[str]:
    return ["al", "--pool", str(files["pool"]), "--test", str(files["test"]), *extra]


def test_json_is_one_object_with_the_learning_curve(files, capsys):
    capsys.readouterr()
    assert main(al(files, *TINY, "--strategy", "random", "--json")) == 0
    output = capsys.readouterr().out.strip().splitlines()
    assert len(output) == 1
    result = json.loads(output[0])
    assert result["labels"] == [4, 6, 8] and result["strategy"] == "random"
    assert len(result["force_mae_mev_per_a"]) == 3 and all(v > 0 for v in result["force_mae_mev_per_a"])


def test_text_output_prints_a_row_per_round(files, capsys):
    capsys.readouterr()
    assert main(al(files, *TINY)) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [line.split() for line in lines[2:-1]]
    assert [int(row[0]) for row in rows] == [4, 6, 8]
    assert "force MAE (meV/Å)" in lines[1] and "8 labels: test force MAE" in lines[-1]


def assert_bad_input(argv, capsys, mentions: str) -> None:
    capsys.readouterr()
    assert main(argv) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1, captured.err
    assert lines[0].startswith("nnpes al: error:") and mentions.lower() in lines[0].lower(), lines[0]


def test_pool_without_forces_is_a_one_line_error(files, morse_water_frames, capsys):
    frames = [labelled_copy(a.copy(), energy=a.get_potential_energy()) for a in morse_water_frames[:10]]
    path = write_dataset(files["folder"] / "no_forces.extxyz", frames)
    assert_bad_input(["al", "--pool", str(path), "--test", str(files["test"]), *TINY], capsys, "no forces")


def test_unknown_strategy_and_model_are_one_line_errors(files, capsys):
    assert_bad_input(al(files, *TINY, "--strategy", "greedy"), capsys, "unknown strategy 'greedy'")
    assert_bad_input(al(files, "--model", "transformer"), capsys, "unknown model kind")
    assert_bad_input(al(files, "--model", "surface"), capsys, "2-D surface model")


def test_start_larger_than_the_pool_is_a_one_line_error(files, capsys):
    assert_bad_input(al(files, "--start", "30", "--committee", "2"), capsys, "pool holds 24")
    assert_bad_input(al(files, "--start", "10", "--add", "10", "--rounds", "3"), capsys, "pool holds 24")


def test_nan_is_a_one_line_error(files, morse_water_frames, capsys):
    assert_bad_input(al(files, *TINY, "--time-budget", "nan"), capsys, "positive")
    frames = [labelled_copy(a) for a in morse_water_frames[:10]]
    forces = frames[3].get_forces().copy()
    forces[2, 1] = np.nan
    frames[3] = labelled_copy(frames[3], forces=forces)
    path = write_dataset(files["folder"] / "nan.extxyz", frames)
    assert_bad_input(["al", "--pool", str(path), "--test", str(files["test"]), *TINY], capsys, "NaN")
