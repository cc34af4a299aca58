"""Lesson 10 page (Reaction paths and rates): the reference and the shipped H3 models' NEB paths, the
saddle table with one imaginary frequency, TST rates, the data comparison, Sato's knob, Müller-Brown with
a model fitted on the page, an H3 model trained on the page, and the practice problems."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import check, metric, number, run, texts

PAGE = str(Path(__file__).resolve().parents[1] / "app" / "pages" / "10_Reaction_Paths.py")
SLUG = "10_reaction_paths"


@pytest.fixture
def app() -> AppTest:
    page = AppTest.from_file(PAGE, default_timeout=240)
    page.session_state["lecture_mode"] = True  # the lecture preset: 7 images, small maps
    return run(page)


def saddle_table(app: AppTest):
    """Rows: the reference, then the chosen model; columns: the quantities."""
    return next(frame.value for frame in app.dataframe if "barrier ΔE (eV)" in frame.value.columns)


def finish_job(app: AppTest, button_key: str, done: callable, timeout: float = 120) -> AppTest:
    run(app.button(key=button_key).click())
    deadline = time.monotonic() + timeout
    while not done(app) and time.monotonic() < deadline:
        time.sleep(0.5)
        run(app)
    assert done(app), "the job did not finish in time"
    return app


def test_default_page_shows_paths_saddle_rates_and_the_data_comparison(app):
    table = saddle_table(app)
    reference, model = table.index[:2]
    assert table.loc[reference, "barrier ΔE (eV)"] == pytest.approx(0.229, abs=0.001)
    assert table.loc[reference, "negative Hessian eigenvalues"] == 1
    assert table.loc[model, "negative Hessian eigenvalues"] == 1
    assert table.loc[reference, "imaginary frequency (cm⁻¹, i)"] == pytest.approx(1583, abs=20)
    assert "leps_bp" in model
    assert number(metric(app, "k reference at 300 K (cm³ s⁻¹)")) > 0
    assert number(metric(app, "Rate too fast by, at 300 K").lstrip("× ")) == pytest.approx(5.3, abs=0.1)
    data = next(frame.value for frame in app.dataframe if "barrier error (meV)" in frame.value.columns)
    errors = dict(zip(data["model"], data["barrier error (meV)"].abs()))
    assert errors["valleys + path (leps_bp)"] < errors["valleys only (leps_bp_valleys)"]
    assert len(app.get("iframe")) == 1  # the images of the path, animated
    app.radio(key="animate").set_value("imaginary mode, reference")
    run(app)
    imaginary = re.search(r"saddle \(reference\): (\d+)i cm⁻¹", texts(app, "caption"))
    assert imaginary and float(imaginary.group(1)) == pytest.approx(1583, abs=15)
    assert len(app.get("plotly_chart")) == 5  # map, profile, Arrhenius, along the path, Sato


def test_without_models_the_reference_is_shown_and_the_page_explains(tmp_path, models_at):
    models_at(tmp_path)  # an empty folder
    page = AppTest.from_file(PAGE, default_timeout=240)
    page.session_state["lecture_mode"] = True
    app = run(page)
    assert any("leps_bp.pt" in info.value for info in app.info)
    assert list(saddle_table(app).index) == ["reference (LEPS k = 0.18)"]
    assert number(metric(app, "k reference at 300 K (cm³ s⁻¹)")) > 0


def test_sato_knob_moves_the_barrier_to_the_accurate_value(app):
    app.slider(key="sato").set_value(0.134)
    run(app)
    assert number(metric(app, "Barrier (NEB in 3-D)")) == pytest.approx(0.425, abs=0.003)
    assert number(metric(app, "Saddle r_AB = r_BC")) == pytest.approx(0.93, abs=0.005)


def test_muller_brown_with_a_model_fitted_on_the_page(app):
    app.radio(key="system").set_value("Müller-Brown (a particle in 2-D)")
    run(app)
    assert number(metric(app, "Energy at the saddle")) == pytest.approx(-40.66, abs=0.05)  # saddle A-C
    assert any("No model of Müller-Brown yet" in info.value for info in app.info)
    finish_job(app, "job::mb_fit::start", lambda page: any(r.key == "mb_model" for r in page.radio))
    assert app.radio(key="mb_model").value == "Müller-Brown MLP (lesson 10)"
    assert not any("No model of Müller-Brown yet" in info.value for info in app.info)
    assert "climbing image takes the higher saddle" in texts(app, "caption")


def test_training_a_model_on_the_page_adds_it_to_the_comparison(app):
    app.slider(key="train_n").set_value(60)
    app.slider(key="train_budget").set_value(5)
    run(app)
    finish_job(app, "job::h3_train::start",
               lambda page: any("(this session)" in option for option in page.radio(key="h3_model").options))
    assert "(this session)" in app.radio(key="h3_model").value
    assert "(this session)" in saddle_table(app).index[1]


def test_practice_answers_right_and_wrong(app):
    table = saddle_table(app)
    reference, model = table.index[:2]
    error_mev = 1e3 * (table.loc[model, "barrier ΔE (eV)"] - table.loc[reference, "barrier ΔE (eV)"])
    check(app, SLUG, "model-barrier-error", f"{error_mev:.2f} meV")
    assert any("Correct" in s.value for s in app.success), [s.value for s in app.success]
    check(app, SLUG, "linear-saddle-real-modes", "4")  # 3N - 5, forgetting the imaginary mode
    assert app.warning
    assert "1 / 6 solved" in app.metric[-1].value
