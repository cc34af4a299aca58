"""Where the data is: the shipped H3 models trained on LEPS, one on reactant/product valleys only and one
with structures along the path, run the same NEB + saddle + TST study as the reference. The valley-only
model misses the barrier; adding path data fixes it (a smaller error, a first-order saddle, a rate that
follows its barrier error)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnpes_core.calculator import load_calculator
from nnpes_core.potentials import LEPSCalculator
from nnpes_core.reactions import NEBSettings, barrier_error_factor, study_h_plus_h2

MODELS = Path(__file__).resolve().parents[1] / "assets" / "models"
SETTINGS = NEBSettings(n_images=7)  # fewer images than the page: the climbing image finds the same saddle


@pytest.fixture(scope="module")
def reference():
    return study_h_plus_h2(LEPSCalculator(sato=0.18), "LEPS", SETTINGS)


@pytest.fixture(scope="module")
def studies():
    return {name: study_h_plus_h2(load_calculator(MODELS / f"{name}.pt", dtype="float64"), name, SETTINGS)
            for name in ("leps_bp", "leps_bp_valleys")}


def test_a_model_trained_only_near_the_minima_gets_the_barrier_wrong(reference, studies):
    assert abs(studies["leps_bp_valleys"].barrier - reference.barrier) > 0.1  # eV: far beyond chemical accuracy


def test_adding_structures_along_the_path_makes_the_barrier_error_smaller(reference, studies):
    with_path = abs(studies["leps_bp"].barrier - reference.barrier)
    valleys_only = abs(studies["leps_bp_valleys"].barrier - reference.barrier)
    assert with_path < valleys_only
    assert with_path < 0.02  # eV, within chemical accuracy (43 meV)


def test_the_path_trained_model_has_a_first_order_saddle_like_the_reference(reference, studies):
    saddle = studies["leps_bp"].saddle
    assert saddle.n_negative == 1
    assert saddle.imaginary_wavenumber == pytest.approx(reference.saddle.imaginary_wavenumber, rel=0.1)
    np.testing.assert_allclose(saddle.atoms.get_all_distances(), reference.saddle.atoms.get_all_distances(), atol=0.02)


def test_the_model_rate_is_off_by_about_its_boltzmann_factor(reference, studies):
    study = studies["leps_bp"]
    ratio = float(study.rate(300.0) / reference.rate(300.0))
    from_barrier = barrier_error_factor(reference.barrier - study.barrier, 300.0)  # e^(-δ/k_B T)
    assert 0.5 < ratio / from_barrier < 2.0  # the frequencies change the prefactor only a little


def test_shipped_files_record_the_barrier_they_were_made_with(reference, studies):
    for name, study in studies.items():
        metadata = load_calculator(MODELS / f"{name}.pt").model.metadata
        assert metadata["reference_barrier_ev"] == pytest.approx(reference.barrier, abs=1e-3)
        assert metadata["barrier_ev"] == pytest.approx(study.barrier, abs=5e-3)  # 9 images there, 7 here


def test_the_collinear_map_of_a_model_is_its_energy_at_those_geometries():
    from nnpes_core.reactions import collinear_energy_map, collinear_h3, energies_along

    calculator = load_calculator(MODELS / "leps_bp.pt", dtype="float64")
    r = np.array([0.8, 1.3, 2.5])
    grid = collinear_energy_map(calculator.model, r)  # [r_BC, r_AB]
    one_by_one = energies_along([collinear_h3(r[2], r[0]), collinear_h3(r[0], r[1])], calculator)
    np.testing.assert_allclose([grid[0, 2], grid[1, 0]], one_by_one, atol=1e-9)
