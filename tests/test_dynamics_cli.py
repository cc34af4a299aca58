"""``nnpes md``: NVE and Langevin with any structure file, the trajectory as extended XYZ and the
vibrational spectrum as CSV; bad input ends with one line on stderr and exit code 2."""
from __future__ import annotations

from pathlib import Path

import ase.io
import numpy as np
import pytest
from ase.build import molecule

from nnpes_core.cli import EXIT_BAD_INPUT, main
from nnpes_core.dynamics.trajectory import read_trajectory

MODEL = str(Path(__file__).resolve().parents[1] / "assets" / "models" / "water_bp.pt")


def bad_input(argv, capsys, words: str) -> None:
    capsys.readouterr()
    assert main(argv) == EXIT_BAD_INPUT
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and words in error and "Traceback" not in error


def test_langevin_from_a_structure_file_writes_trajectory_and_spectrum(tmp_path, capsys):
    start = molecule("H2O")
    start.rattle(0.02, seed=0)
    ase.io.write(tmp_path / "start.extxyz", start)
    capsys.readouterr()
    assert main(["md", "--model", MODEL, "--structure", str(tmp_path / "start.extxyz"), "--thermostat", "langevin",
                 "--friction", "0.05", "--temperature", "400", "--timestep", "0.5", "--steps", "120",
                 "--traj", str(tmp_path / "md.extxyz"), "--spectrum", str(tmp_path / "vdos.csv")]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert "mean temperature" in line and "bath 400 K" in line and "resolution" in line
    run = read_trajectory(tmp_path / "md.extxyz")
    assert run.n_frames == 121 and run.thermostat == "langevin" and run.degrees_of_freedom == 9
    np.testing.assert_allclose(run.positions[0], start.positions, atol=1e-7)
    table = np.loadtxt(tmp_path / "vdos.csv", delimiter=",", skiprows=1)
    header = (tmp_path / "vdos.csv").read_text().splitlines()[0]
    assert header == "wavenumber_cm-1,intensity" and table.shape[1] == 2
    assert table[0, 0] == 0.0 and np.all(np.diff(table[:, 0]) > 0) and table[:, 1].max() == pytest.approx(1.0)


def test_nve_reports_drift_and_a_spectrum(tmp_path, capsys):
    capsys.readouterr()
    assert main(["md", "--model", MODEL, "--steps", "200", "--spectrum", str(tmp_path / "vdos.csv")]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    drift = float(line.split("drift")[1].split("eV/ps")[0])
    assert abs(drift) < 5e-3 and "fluctuation" in line


def test_too_large_time_step_is_caught_and_says_so(tmp_path, capsys):
    bad_input(["md", "--model", MODEL, "--steps", "200", "--timestep", "5", "--traj", str(tmp_path / "t.extxyz")],
              capsys, "blew up")
    assert (tmp_path / "t.extxyz").is_file()  # what was computed before the blow-up is kept


@pytest.mark.parametrize("arguments, words", [
    (["--timestep", "-0.5"], "time step"),
    (["--thermostat", "langevin", "--friction", "0"], "friction"),
    (["--steps", "0"], "steps"),
    (["--temperature", "-3"], "temperature"),
    (["--molecule", "CH4"], "cannot describe C"),
    (["--threads", "0"], "--threads"),
])
def test_bad_settings_are_one_line_errors(arguments, words, capsys):
    bad_input(["md", "--model", MODEL, "--steps", "5", *arguments], capsys, words)


def test_bad_structure_files_are_one_line_errors(tmp_path, capsys):
    bad_input(["md", "--model", MODEL, "--structure", str(tmp_path / "missing.extxyz")], capsys, "not found")
    (tmp_path / "garbage.extxyz").write_text("not a structure\n")
    bad_input(["md", "--model", MODEL, "--structure", str(tmp_path / "garbage.extxyz")], capsys, "cannot read")
