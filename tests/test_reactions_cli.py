"""``nnpes neb``: barrier, saddle energy and imaginary frequency from a band between two files, for LEPS,
Müller-Brown and a trained model; bad input ends with one line on stderr and exit code 2."""
from __future__ import annotations

import json
from pathlib import Path

import ase.io
import pytest

from nnpes_core.cli import EXIT_BAD_INPUT, main
from nnpes_core.data import molecule
from nnpes_core.potentials import particle_atoms
from nnpes_core.reactions import reaction_endpoints

MODELS = Path(__file__).resolve().parents[1] / "assets" / "models"


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("neb")
    initial, final = reaction_endpoints(separation=3.5)
    stretched = molecule("H2O")
    stretched.positions[1] *= 1.2
    files = {"h3_initial": initial, "h3_final": final, "water": molecule("H2O"), "water_stretched": stretched,
             "mb_b": particle_atoms((0.623, 0.028)), "mb_c": particle_atoms((-0.050, 0.467))}
    for name, atoms in files.items():
        ase.io.write(folder / f"{name}.extxyz", atoms, format="extxyz")
    return {"missing": str(folder / "missing.extxyz"), **{name: str(folder / f"{name}.extxyz") for name in files}}


def run_json(capsys, *arguments) -> dict:
    capsys.readouterr()
    assert main(["neb", *arguments, "--json"]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_neb_on_leps_prints_the_lesson_one_barrier_and_imaginary_frequency(endpoints, capsys):
    result = run_json(capsys, "--calculator", "leps", "--initial", endpoints["h3_initial"],
                      "--final", endpoints["h3_final"], "--images", "7", "--climb")
    # from H at 3.5 Å (0.6 meV above H + H2 apart) to the saddle 0.229 eV above H + H2
    assert result["barrier_ev"] == pytest.approx(0.2288, abs=0.001)
    assert result["imaginary_cm1"] == pytest.approx(1583, abs=15)
    assert len(result["energies_ev"]) == 7 and result["converged"] and result["negative_eigenvalues"] == 1
    assert max(result["energies_ev"]) == pytest.approx(result["saddle_energy_ev"])


def test_neb_on_muller_brown_finds_the_tabulated_saddle(endpoints, capsys):
    result = run_json(capsys, "--calculator", "muller-brown", "--initial", endpoints["mb_b"],
                      "--final", endpoints["mb_c"], "--images", "7", "--climb")
    assert result["saddle_energy_ev"] == pytest.approx(-72.25, abs=0.02)  # Müller & Brown: saddle B-C
    assert result["energy_unit"] == "a.u." and result["negative_eigenvalues"] == 1


def test_neb_with_a_trained_model_prints_a_barrier_in_plain_text(endpoints, capsys):
    capsys.readouterr()
    assert main(["neb", "--calculator", str(MODELS / "leps_bp.pt"), "--initial", endpoints["h3_initial"],
                 "--final", endpoints["h3_final"], "--images", "5", "--climb"]) == 0
    printed = capsys.readouterr().out
    assert "barrier" in printed and "imaginary frequency" in printed and "cm⁻¹" in printed


@pytest.mark.parametrize("calculator, initial, final, images, message", [
    ("leps", "h3_initial", "h3_final", 2, "at least 3 images"),
    ("leps", "h3_initial", "water", 9, "different atoms"),
    ("leps", "water", "water_stretched", 9, "three H atoms"),
    ("MODEL", "water", "water_stretched", 9, "cannot describe O"),  # leps_bp knows H only
    ("muller-brown", "h3_initial", "h3_final", 9, "one particle"),
    ("schroedinger", "h3_initial", "h3_final", 9, "unknown calculator"),
    ("leps", "missing", "h3_final", 9, "not found"),
])
def test_bad_input_ends_with_one_line_and_exit_code_2(endpoints, capsys, calculator, initial, final, images, message):
    calculator = str(MODELS / "leps_bp.pt") if calculator == "MODEL" else calculator
    capsys.readouterr()
    code = main(["neb", "--calculator", calculator, "--initial", endpoints[initial], "--final", endpoints[final],
                 "--images", str(images)])
    error = capsys.readouterr().err.strip()
    assert code == EXIT_BAD_INPUT
    assert len(error.splitlines()) == 1 and message in error and "Traceback" not in error
