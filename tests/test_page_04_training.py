"""Lesson 4 page: loads without training, trains a model briefly and shows its test errors, takes
α = 0, refuses bad uploads and α = β = 0, keeps a stopped run's best model, runs an experiment, grades
practice answers."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from apptest_helpers import check, run as run_page, start_job, texts  # (``run`` names a training run here)
from nnpes_core.models import model_from_checkpoint

PAGE = str(Path(__file__).resolve().parents[1] / "app" / "pages" / "04_Training.py")
SLUG = "04_training"
RUN_KEY = "training_run"
PAGE_TEXT = ("markdown", "caption", "info", "success", "warning")  # the elements ``texts`` reads here


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


START = "job::train::start"  # the Train button of ui.live_job("train", ...)


@pytest.fixture
def page() -> AppTest:
    return run_page(AppTest.from_file(PAGE, default_timeout=120))


def short_training(app: AppTest, epochs: int = 2) -> AppTest:
    app.radio(key="train_stop_by").set_value("epochs").run()
    app.number_input(key="train_epochs").set_value(epochs).run()
    return app


def test_default_run_shows_the_data_and_the_controls_without_training(page):
    assert "Training a potential" in page.title[0].value
    text = texts(page, *PAGE_TEXT)
    assert "1500 water structures" in text and "B3LYP/6-31G*" in text
    assert "Training runs on: **CPU" in text or "Training runs on: **GPU" in text
    assert page.radio(key="train_dataset").value.startswith("Water")
    assert page.selectbox(key="train_kind_atomistic").value == "bp"
    assert not page.button(key=START).disabled
    assert RUN_KEY not in page.session_state
    assert "Your score this session" in metrics(page)
    # the shipped model it compares with says where it came from
    assert "Provenance: **assets/models/water_bp.pt** · trained on water_b3lyp_631gs_train.extxyz · 120 s, 621 " \
           "epochs" in texts(page, *PAGE_TEXT)


def test_a_short_training_shows_test_errors_registers_and_offers_the_model(page):
    page.slider(key="train_n_water").set_value(50).run()
    start_job(short_training(page), "train")
    assert not page.exception, page.exception
    shown = metrics(page)
    assert shown["Epoch"] == "2"
    assert float(shown["Force MAE (meV/Å)"]) > 0 and float(shown["Energy MAE (meV/atom)"]) > 0
    assert "Throughput (structures/s)" in shown
    run = page.session_state[RUN_KEY]
    assert run["status"] == "finished" and run["best_epoch"] >= 1
    assert "available on every page of this session" in texts(page, *PAGE_TEXT)
    assert run["model_name"] in page.session_state["session_models"]
    assert len(page.get("download_button")) == 1
    checkpoint = torch.load(io.BytesIO(run["checkpoint"]), weights_only=True)
    loaded = model_from_checkpoint(checkpoint)
    assert loaded.kind == "bp"
    provenance = checkpoint["metadata"]  # the downloaded file says how the model was made
    assert provenance["dataset"] == "water B3LYP (50 structures)" and provenance["epochs_run"] == 2
    assert provenance["training"]["alpha"] == 1.0 and "torch" in provenance["versions"]
    assert "Provenance (also inside the downloaded file): trained on water B3LYP (50 structures)" in \
        texts(page, *PAGE_TEXT)
    assert len(page.get("plotly_chart")) >= 3  # live curves and two parity plots


def test_forces_only_training_is_accepted_and_reports_the_constant(page):
    page.slider(key="train_n_water").set_value(30).run()
    page.number_input(key="train_alpha").set_value(0.0).run()
    start_job(short_training(page), "train")
    assert not page.exception, page.exception
    assert "α = 0: the model never saw an energy" in texts(page, *PAGE_TEXT)
    assert page.session_state[RUN_KEY]["summary"]["energy_offset"] > 100  # eV: water's total energy is missing


def test_zero_weights_are_refused_with_a_clear_message(page):
    page.number_input(key="train_alpha").set_value(0.0).run()
    page.number_input(key="train_beta").set_value(0.0).run()
    assert not page.exception
    assert any("α and β are both 0" in e.value for e in page.error)
    assert page.button(key=START).disabled


def test_invalid_uploads_show_one_line_and_nothing_trains(page):
    page.radio(key="train_dataset").set_value("Upload an extended-XYZ file").run()
    assert page.button(key=START).disabled
    page.get("file_uploader")[0].set_value(("broken.xyz", b"not\nan xyz file\n", "text/plain")).run()
    assert not page.exception, page.exception
    assert any("broken.xyz" in e.value and "extended-XYZ" in e.value for e in page.error)
    no_forces = b"2\nenergy=-1.0 Properties=species:S:1:pos:R:3\nH 0 0 0\nH 0 0 0.7\n" * 12
    page.get("file_uploader")[0].set_value(("noforces.xyz", no_forces, "text/plain")).run()
    assert any("no forces" in e.value for e in page.error)
    assert page.button(key=START).disabled


def test_a_valid_upload_trains(page, morse_water_frames):
    buffer = io.StringIO()
    import ase.io
    ase.io.write(buffer, morse_water_frames[:20], format="extxyz")
    page.radio(key="train_dataset").set_value("Upload an extended-XYZ file").run()
    page.get("file_uploader")[0].set_value(("water.extxyz", buffer.getvalue().encode(), "text/plain")).run()
    assert not page.error, [e.value for e in page.error]
    assert "20 structures" in texts(page, *PAGE_TEXT)
    start_job(short_training(page, 1), "train")
    assert not page.exception, page.exception
    assert page.session_state[RUN_KEY]["status"] == "finished"


def test_the_stop_button_ends_a_run_and_keeps_its_best_model(page):
    """Training runs in the job pool: Stop asks it to end after the epoch, and the best weights are kept."""
    import time

    page.slider(key="train_n_water").set_value(30).run()
    page.number_input(key="train_seconds").set_value(60).run()
    page.button(key=START).click().run()
    job = page.session_state["job::train"]
    while not job.progress.partial.get("history") and not job.finished:
        time.sleep(0.05)
    job.cancel()  # what the Stop button of ui.live_job does
    assert job.wait(30)
    page.run()
    assert not page.exception, page.exception
    run = page.session_state[RUN_KEY]
    assert run["status"] == "stopped" and "summary" in run and run["best_epoch"] >= 1
    assert "Stopped: the best epoch so far is kept" in texts(page, *PAGE_TEXT)
    assert page.session_state["session_models"][run["model_name"]]["stop_reason"] == "stopped"


def test_the_2d_surface_and_h2_datasets_train(page):
    page.radio(key="train_dataset").set_value("2-D toy surface").run()
    start_job(short_training(page, 2), "train")
    assert not page.exception, page.exception
    assert "Throughput (points/s)" in metrics(page)
    assert page.session_state[RUN_KEY]["kind"] == "surface"
    page.radio(key="train_dataset").set_value("H₂ curve, FCI (shipped)").run()
    assert "minus the derivative of a cubic spline" in texts(page, *PAGE_TEXT)
    start_job(page, "train")
    assert not page.exception, page.exception
    assert page.session_state[RUN_KEY]["label"].startswith("H₂")
    assert len(page.session_state["session_models"]) == 2


def test_the_rotation_experiment_measures_the_cartesian_failure():
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.session_state["lecture_mode"] = True  # the short preset: 3 s per model
    app.run()
    assert "One loss, two weights" in texts(app, *PAGE_TEXT)  # the projector version of the text
    start_job(app, "rotation")
    assert not app.exception, app.exception
    caption = next(c.value for c in app.caption if c.value.startswith("Force RMSE of the cartesian MLP"))
    factor = float(caption.split("(×")[1].split(")")[0])
    assert factor > 10


def test_practice_answers_are_graded(page):
    check(page, SLUG, "labels-per-calculation", "10")
    assert any("Correct" in s.value for s in page.success)
    check(page, SLUG, "forces-only-unknown", "B")
    assert page.warning, "a wrong choice gets a warning"
    assert "1 / 6 solved" in page.metric[-1].value
