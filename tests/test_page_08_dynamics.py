"""Lesson 8 page (Molecular dynamics): a water trajectory runs as a job and shows the animation, the
energies with drift and fluctuation, a download and a spectrum; a too-large time step is one line, not a
traceback; Langevin shows temperature and speeds; the time-step study measures slope 2 and grades the
computed problem; the stop button keeps what was computed; a particle rolls on the 2-D surfaces."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import check, metric, number, run, texts

PAGE = str(Path(__file__).resolve().parents[1] / "app" / "pages" / "08_Dynamics.py")
SLUG = "08_dynamics"


def click(app: AppTest, label_start: str) -> AppTest:
    (button,) = [b for b in app.button if b.label.startswith(label_start)]
    return run(button.click(), allow_errors=True)


def finish(app: AppTest, key: str, timeout: float = 120.0) -> AppTest:
    """Wait for the page's job ``key`` to end, then rerun the page to show its result."""
    job = app.session_state[f"job::{key}"]
    assert job.wait(timeout), f"job {key} did not finish in {timeout} s"
    return run(app, allow_errors=True)


@pytest.fixture
def app(stand_in_models_dir, models_at) -> AppTest:
    models_at(stand_in_models_dir)
    page = run(AppTest.from_file(PAGE, default_timeout=240))
    page.select_slider(key="md_length").set_value(0.05)  # 100 steps of 0.5 fs
    return run(page)


def test_a_water_trajectory_runs_and_shows_animation_energies_and_spectrum(app):
    assert not app.get("iframe")  # nothing run yet
    app = finish(click(app, "▶️ Run MD"), "md-run")
    assert not app.exception and not app.error
    assert "Finished" in app.success[0].value and "100 steps" in app.success[0].value
    assert len(app.get("iframe")) == 1  # the trajectory player
    assert abs(number(metric(app, "Drift of E_tot (eV/ps)"))) < 0.05
    assert number(metric(app, "Fluctuation of E_tot (meV)")) < 5.0
    assert number(metric(app, "Resolution 1/(cT) (cm⁻¹)")) == pytest.approx(667.1, abs=0.2)  # 1/(c · 50 fs)
    assert number(metric(app, "Nyquist limit (cm⁻¹)")) == pytest.approx(33356, abs=1)  # frames every 0.5 fs
    downloads = [d for d in app.get("download_button")]
    assert len(downloads) == 2  # trajectory and spectrum


def test_too_large_time_step_is_one_line_and_langevin_shows_temperature(app):
    app.select_slider(key="md_timestep").set_value(4.0)
    app = finish(click(run(app), "▶️ Run MD"), "md-run")
    assert not app.exception
    (warning,) = [w.value for w in app.warning]
    assert "too large" in warning and "blew up" in warning and "\n" not in warning
    app.select_slider(key="md_timestep").set_value(1.0)
    app.radio(key="md_thermostat").set_value("Langevin")
    app.radio(key="md_engine").set_value("torch (velocity Verlet / BAOAB)")
    app = finish(click(run(app), "▶️ Run MD"), "md-run")
    assert not app.exception and not app.warning
    assert "Mean temperature" in texts(app, "caption")
    titles = " ".join(chart.proto.spec for chart in app.get("plotly_chart"))
    assert "Maxwell-Boltzmann" in titles and "Langevin" in titles


def test_timestep_study_measures_slope_two_and_grades_the_computed_problem(app):
    app = finish(click(app, "▶️ Energy error vs Δt"), "md-timestep")
    slope = number(metric(app, "Measured slope"))
    assert slope == pytest.approx(2.0, abs=0.25)
    (warning,) = [w.value for w in app.warning]  # Δt = 3.2 fs is beyond the stability limit of an O-H stretch
    assert warning.startswith("Δt = 3.2 fs") and "blew up" in warning
    app = check(app, SLUG, "my-timestep-slope", f"{slope:.3f}", allow_errors=True)
    assert any("Correct" in s.value for s in app.success)


def test_stop_keeps_the_frames_computed_so_far(app):
    app = click(app, "🎓 Lecture preset")  # 5 ps: long enough to stop it on the way
    job = app.session_state["job::md-run"]
    deadline = time.monotonic() + 60
    while job.progress.fraction in (None, 0.0) and time.monotonic() < deadline:
        time.sleep(0.2)
    job.cancel()
    app = finish(app, "md-run")
    assert "Stopped" in app.success[0].value
    assert len(app.get("iframe")) == 1


def test_a_particle_rolls_on_the_two_dimensional_surfaces(app):
    app.radio(key="md_system").set_value("A particle on a 2-D surface")
    app = run(app)
    assert len(app.get("plotly_chart")) == 2  # the path on the contour map, and the energies
    assert "drift of E_tot" in texts(app, "caption")
    app.selectbox(key="p2d_surface").set_value("LEPS H + H₂ (collinear)")
    app = run(app)
    assert len(app.get("plotly_chart")) == 2 and "amu" in texts(app, "caption")


def test_models_trained_in_this_session_are_offered(stand_in_models_dir, models_at):
    from nnpes_core.models import load_model

    models_at(stand_in_models_dir)
    page = AppTest.from_file(PAGE, default_timeout=240)
    page.session_state["session_models"] = {
        "#1 bp on water": {"model": load_model(stand_in_models_dir / "water_bp.pt"), "kind": "bp", "dataset": "water"}}
    page = run(page)
    options = page.selectbox(key="md_potential").options
    assert "Trained this session: #1 bp on water" in options
    assert options[-1].startswith("B3LYP/6-31G* reference itself")


def test_learned_trajectory_is_compared_with_the_b3lyp_one_step_by_step(app):
    app = finish(click(app, "▶️ Run Behler-Parrinello (water_bp) from the B3LYP start"), "md-reference")
    assert not app.exception and not app.error
    titles = " ".join(chart.proto.spec for chart in app.get("plotly_chart"))
    assert "Learned vs B3LYP trajectory" in titles and "Spectra of the two trajectories" in titles
    assert "stay within 0.1 Å" in texts(app, "caption")
