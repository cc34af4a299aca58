"""Lesson 7 page (Derivatives): runs with and without the pretrained models, shows the measured numbers
(a V-shaped finite-difference error with its best steps, finite differences far slower than autograd,
H v equal to the Hessian-vector product, three water frequencies beside the reference), and its
widgets and practice problems work."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import model_suite
import resources
from nnpes_core.models import save_model

PAGE = str(Path(__file__).resolve().parents[1] / "app" / "pages" / "07_Derivatives.py")
SLUG = "07_derivatives"


@pytest.fixture(scope="module")
def pretrained_dir(tmp_path_factory, morse_water_frames):
    """Stand-ins for assets/models/water_{bp,equivariant}.pt: small models trained for a second each."""
    folder = tmp_path_factory.mktemp("models")
    train, val = morse_water_frames[:48], morse_water_frames[48:]
    for kind in ("bp", "equivariant"):
        save_model(model_suite.trained_model(kind, train, val), folder / f"water_{kind}.pt")
    return folder


@pytest.fixture
def models_at(monkeypatch):
    def use(folder: Path) -> None:
        monkeypatch.setattr(resources, "MODELS_DIR", Path(folder))
    return use


def _run(app: AppTest | None = None) -> AppTest:
    if app is None:  # (not `app or ...`: an AppTest that has not run yet is empty, i.e. falsy)
        app = AppTest.from_file(PAGE, default_timeout=240)
    app.run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    return app


def _metric(app: AppTest, label_start: str) -> str:
    for metric in app.metric:
        if metric.label.startswith(label_start):
            return metric.value
    raise AssertionError(f"no metric {label_start!r}: {[m.label for m in app.metric]}")


def _number(text: str) -> float:
    return float(text.replace("×", " ").replace(",", "").split()[0])


def _captions(app: AppTest) -> str:
    return "\n".join(c.value for c in app.caption)


@pytest.fixture
def app_with_models(pretrained_dir, models_at) -> AppTest:
    models_at(pretrained_dir)
    return _run()


def test_without_pretrained_models_the_page_explains_and_still_times(tmp_path, models_at):
    models_at(tmp_path)  # an empty folder: no pretrained models yet
    app = _run()  # (its timings are cached for the tests below: same preset, architecture and precision)
    assert any("water_bp.pt" in info.value for info in app.info)
    assert _number(_metric(app, "Finite differences ÷ autograd")) > 1
    assert _number(_metric(app, "max |H v − HVP(v)|")) < 1e-10
    assert not app.get("iframe")  # no model, no normal modes to animate
    assert len(app.get("plotly_chart")) == 2  # the two timing plots


def test_default_run_shows_the_v_the_costs_and_the_frequencies(app_with_models):
    app = app_with_models
    best64, best32 = _number(_metric(app, "Best step, float64")), _number(_metric(app, "Best step, float32"))
    assert 1e-7 <= best64 <= 1e-3 and best32 > best64  # float32 runs into round-off at larger steps
    assert _number(_metric(app, "Energies per force evaluation")) == 18  # 6N for water
    assert "expected 2 and −1" in _captions(app)
    assert _number(_metric(app, "Finite differences ÷ autograd")) > 3
    assert _number(_metric(app, "Full Hessian ÷ one H·v")) > 1
    assert _number(_metric(app, "max |H v − HVP(v)|")) < 1e-10
    assert _number(_metric(app, "Rigid motions projected out")) == 6
    assert _number(_metric(app, "Largest force left after BFGS")) < 1e-4
    tables = [frame.value for frame in app.dataframe]
    frequencies = next(t for t in tables if "reference (cm⁻¹)" in t.columns and "mode" in t.columns)
    assert list(frequencies["mode"]) == ["bend", "symmetric stretch", "antisymmetric stretch"]
    assert list(frequencies["reference (cm⁻¹)"].round()) == [1711, 3721, 3845]  # PySCF B3LYP/6-31G*
    assert (frequencies["difference (cm⁻¹)"] == frequencies["model (cm⁻¹)"] - frequencies["reference (cm⁻¹)"]).all()
    assert len(app.get("iframe")) == 1  # the animated normal mode
    assert len(app.get("plotly_chart")) == 4


def test_forward_differences_other_geometry_and_another_mode(app_with_models):
    app = app_with_models
    central = _number(_metric(app, "Best step, float64"))
    app.radio(key="fd_scheme").set_value("forward")
    _run(app)
    assert "expected 1 and −1" in _captions(app)
    assert _number(_metric(app, "Energies per force evaluation")) == 10  # 3N + 1
    assert _number(_metric(app, "Best step, float64")) < central  # h* ~ eps^(1/2) against eps^(1/3)
    app.number_input(key="fd_structure").set_value(7)
    _run(app)
    app.radio(key="mode").set_value(2)
    _run(app)
    assert "Antisymmetric stretch of water_bp" in _captions(app)


def test_switching_the_model_and_the_timing_precision(app_with_models):
    app = app_with_models
    app.session_state["lecture_mode"] = True
    app.radio(key="model").set_value("water_equivariant")
    app.radio(key="cost_dtype").set_value("float32")
    _run(app)
    captions = _captions(app)
    assert "Equivariant MPNN (water_equivariant), Hessian by autograd in float64" in captions
    assert "Architecture: Equivariant MPNN" in captions and "float32." in captions
    assert _number(_metric(app, "Finite differences ÷ autograd")) > 1


def test_practice_answers_right_and_wrong(app_with_models):
    app = app_with_models
    best = _metric(app, "Best step, float64")  # e.g. "1.0e-05 Å", read off the plot
    app.text_input(key=f"practice::{SLUG}::best-step-float64::answer").set_value(best)
    [b for b in app.button if b.label == "Check"][0].click()
    _run(app)
    assert any("Correct" in s.value for s in app.success), [s.value for s in app.success]
    app.text_input(key=f"practice::{SLUG}::energy-evaluations::answer").set_value("1500")  # 3N, not 6N
    [b for b in app.button if b.label == "Check"][2].click()
    _run(app)
    assert app.warning, "a wrong answer gets a warning"
    assert "1 / 5 solved" in app.metric[-1].value
