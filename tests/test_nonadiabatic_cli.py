"""`nnpes fssh` and `nnpes exact`: probabilities with standard errors, one JSON object with --json, and
bad input (momentum <= 0, unknown model, trajectories < 1) as one line on stderr with exit code 2."""
from __future__ import annotations

import json

import pytest

from nnpes_core.cli import EXIT_BAD_INPUT, main

KEYS = {"transmission_lower", "transmission_upper", "reflection_lower", "reflection_upper", "stderr"}


def test_fssh_prints_probabilities_with_standard_errors(capsys):
    assert main(["fssh", "--model", "1", "--momentum", "20", "--trajectories", "100", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "Tully model 1" in out and "k = 20 ħ/bohr" in out
    assert out.count("±") >= 2  # both transmission channels are populated at k = 20


def test_fssh_json_is_one_object_whose_probabilities_add_up(capsys):
    assert main(["fssh", "--model", "1", "--momentum", "20", "--trajectories", "100", "--seed", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert KEYS <= set(result) and set(result["stderr"]) == KEYS - {"stderr"}
    assert sum(result[k] for k in KEYS - {"stderr"}) == pytest.approx(1.0)
    p = result["transmission_upper"]
    assert result["stderr"]["transmission_upper"] == pytest.approx((p * (1 - p) / 100) ** 0.5)
    assert result["momentum"] == 20.0 and result["n_trajectories"] == 100


def test_exact_json_matches_the_published_value(capsys):
    """Model 1 at k = 10: T_lower = 0.8445 (Ouyang et al.'s exact result, see test_nonadiabatic.py)."""
    assert main(["exact", "--model", "1", "--momentum", "10", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["transmission_lower"] == pytest.approx(0.8445, abs=2e-3)
    assert all(value == 0.0 for value in result["stderr"].values())


@pytest.mark.parametrize("argv", [
    ["fssh", "--model", "1", "--momentum", "0"],
    ["fssh", "--model", "1", "--momentum", "-5", "--trajectories", "10"],
    ["fssh", "--model", "4", "--momentum", "10"],
    ["fssh", "--model", "one", "--momentum", "10"],
    ["fssh", "--model", "2", "--momentum", "10", "--trajectories", "0"],
    ["exact", "--model", "0", "--momentum", "10"],
    ["exact", "--model", "3", "--momentum", "-1"],
])
def test_bad_input_is_one_line_on_stderr_and_exit_code_2(argv, capsys):
    assert main(argv) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and "error" in captured.err
