"""Lesson 7 page (Derivatives): runs with and without the pretrained models, shows the measured numbers
(a V-shaped finite-difference error with its best steps, finite differences far slower than autograd,
H v equal to the Hessian-vector product, three water frequencies beside the reference), and its
widgets and practice problems work."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import check, metric, number, run, texts

PAGE = str(Path(__file__).resolve().parents[1] / "app" / "pages" / "07_Derivatives.py")
SLUG = "07_derivatives"


@pytest.fixture
def app_with_models(stand_in_models_dir, models_at) -> AppTest:
    models_at(stand_in_models_dir)
    return run(AppTest.from_file(PAGE, default_timeout=240))


def test_without_pretrained_models_the_page_says_so_and_still_times(tmp_path, models_at):
    models_at(tmp_path)  # an empty folder: a broken installation
    # (its timings are cached for the tests below: same preset, architecture and precision)
    app = run(AppTest.from_file(PAGE, default_timeout=240), allow_errors=True)
    assert any("water_bp.pt" in error.value and "missing" in error.value for error in app.error)
    assert number(metric(app, "Finite differences ÷ autograd", prefix=True)) > 1
    assert number(metric(app, "max |H v − HVP(v)|", prefix=True)) < 1e-10
    assert not app.get("iframe")  # no model, no normal modes to animate
    assert len(app.get("plotly_chart")) == 2  # the two timing plots


def test_default_run_shows_the_v_the_costs_and_the_frequencies(app_with_models):
    app = app_with_models
    best64 = number(metric(app, "Best step, float64", prefix=True))
    best32 = number(metric(app, "Best step, float32", prefix=True))
    assert 1e-7 <= best64 <= 1e-3 and best32 > best64  # float32 runs into round-off at larger steps
    assert number(metric(app, "Energies per force evaluation", prefix=True)) == 18  # 6N for water
    assert "expected 2 and −1" in texts(app, "caption")
    assert number(metric(app, "Finite differences ÷ autograd", prefix=True)) > 3
    assert number(metric(app, "Full Hessian ÷ one H·v", prefix=True)) > 1
    assert number(metric(app, "max |H v − HVP(v)|", prefix=True)) < 1e-10
    assert number(metric(app, "Rigid motions projected out", prefix=True)) == 6
    assert number(metric(app, "Largest force left after BFGS", prefix=True)) < 1e-4
    tables = [frame.value for frame in app.dataframe]
    frequencies = next(t for t in tables if "reference (cm⁻¹)" in t.columns and "mode" in t.columns)
    assert list(frequencies["mode"]) == ["bend", "symmetric stretch", "antisymmetric stretch"]
    assert list(frequencies["reference (cm⁻¹)"].round()) == [1711, 3721, 3845]  # PySCF B3LYP/6-31G*
    assert (frequencies["difference (cm⁻¹)"] == frequencies["model (cm⁻¹)"] - frequencies["reference (cm⁻¹)"]).all()
    assert len(app.get("iframe")) == 1  # the animated normal mode
    assert len(app.get("plotly_chart")) == 4


def test_forward_differences_other_geometry_and_another_mode(app_with_models):
    app = app_with_models
    central = number(metric(app, "Best step, float64", prefix=True))
    app.radio(key="fd_scheme").set_value("forward")
    run(app)
    assert "expected 1 and −1" in texts(app, "caption")
    assert number(metric(app, "Energies per force evaluation", prefix=True)) == 10  # 3N + 1
    assert number(metric(app, "Best step, float64", prefix=True)) < central  # h* ~ eps^(1/2) against eps^(1/3)
    app.number_input(key="fd_structure").set_value(7)
    run(app)
    app.radio(key="mode").set_value(2)
    run(app)
    assert "Antisymmetric stretch of water_bp" in texts(app, "caption")


def test_switching_the_model_and_the_timing_precision(app_with_models):
    app = app_with_models
    app.session_state["lecture_mode"] = True
    app.radio(key="model").set_value("water_equivariant")
    app.radio(key="cost_dtype").set_value("float32")
    run(app)
    captions = texts(app, "caption")
    assert "Equivariant MPNN (water_equivariant), Hessian by autograd in float64" in captions
    assert "Architecture: Equivariant MPNN" in captions and "float32." in captions
    assert number(metric(app, "Finite differences ÷ autograd", prefix=True)) > 1


def test_practice_answers_right_and_wrong(app_with_models):
    app = app_with_models
    best = metric(app, "Best step, float64", prefix=True)  # e.g. "1.0e-05 Å", read off the plot
    check(app, SLUG, "best-step-float64", best)
    assert any("Correct" in s.value for s in app.success), [s.value for s in app.success]
    check(app, SLUG, "energy-evaluations", "1500")  # 3N, not 6N
    assert app.warning, "a wrong answer gets a warning"
    check(app, SLUG, "float32-step-if-the-total-were-float32", "0.0175 Å")  # (eps32 |E| / 2C)^(1/3)
    assert "2 / 6 solved" in app.metric[-1].value


def test_the_shipped_models_predicted_best_steps_match_the_measured_ones_in_both_precisions():
    """Lesson 7: the round-off line uses what is really rounded (the float64 total and the float32
    network), so the predicted best step lands within a grid step of the measured one, about 1e-3 Å in
    float32; and at the smallest float32 step the error has grown past the largest force."""
    app = run(AppTest.from_file(PAGE, default_timeout=240))
    for dtype in ("float64", "float32"):
        measured = number(metric(app, f"Best step, {dtype}", prefix=True))
        predicted = number(metric(app, f"Predicted best step h*, {dtype}", prefix=True))
        assert abs(np.log10(predicted / measured)) <= 0.5 + 1e-9, (dtype, measured, predicted)
    assert 5e-4 <= number(metric(app, "Best step, float32", prefix=True)) <= 5e-3
    caption = texts(app, "caption")
    assert "float32: δE = " in caption and "network" in caption
    times = re.search(r"the float32 error is ([\d.e+-]+) eV/Å, ([\d.]+) × the largest force", caption)
    assert times and float(times.group(2)) > 1
    assert "assets/models/water_bp.pt" in caption and "trained on water_b3lyp_631gs_train.extxyz" in caption
