"""Lesson 5 page: 1-D scans and 2-D slices of water against the shipped PySCF reference, the error map with
the training data, the committee spread, a slice computed live, Müller-Brown, and the practice problems."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import resources
from apptest_helpers import start_job, check, metric, number, run, texts

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "app" / "pages" / "05_PES_Slices.py")
SLUG = "05_pes_slices"


def settled(target, *, allow_errors: bool = False) -> AppTest:
    """Run the page, let the shared results it started (the Müller-Brown committee) finish, run it again."""
    app = run(target, allow_errors=allow_errors)
    while resources.wait_for_shared_results():  # one result may need another one first
        app = run(app, allow_errors=allow_errors)
    return app


@pytest.fixture
def page() -> AppTest:
    return settled(AppTest.from_file(PAGE, default_timeout=180))


def test_default_view_shows_accurate_models_near_the_data_only_and_grades_answers(page):
    assert "computed with PySCF" in texts(page) and "make_reference_slices.py" in texts(page)
    # default slice (both O-H bonds): the bp model is accurate near the data and far off beyond them
    near, beyond = number(metric(page, "RMS error, data nearby")), number(metric(page, "RMS error, beyond the data"))
    assert near < 10.0 and beyond > 10 * near
    assert number(metric(page, "RMS spread, beyond the data")) > 10 * number(metric(page, "RMS spread, data nearby"))
    assert number(metric(page, "Correlation of log σ and log |error|")) > 0.5
    assert len(page.get("plotly_chart")) >= 10  # scan, 2 maps, error, spread, error-vs-spread, 4 Müller-Brown
    assert "minimum at (Å)" in page.dataframe[0].value.columns

    largest = number(metric(page, "Largest |error| on the slice"))
    check(page, SLUG, "largest-slice-error", f"{largest} meV")
    check(page, SLUG, "thermal-energy-1200k", "0.1034 eV")
    check(page, SLUG, "spread-is-not-error", "A")
    assert sum("Correct" in s.value for s in page.success) == 2
    assert any("Not quite" in w.value for w in page.warning)
    assert "2 / 5 solved" in metric(page, "Your score this session")


def test_scan_slice_and_model_choices_change_the_figures(page):
    run(page.radio(key="scan_kind").set_value("bend"))
    assert "minimum at (°)" in page.dataframe[0].value.columns
    run(page.multiselect(key="scan_models").set_value(["Equivariant MPNN (water_equivariant)"]))
    assert list(page.dataframe[0].value["Model"])[0] == "Equivariant MPNN (water_equivariant)"
    run(page.radio(key="slice_kind").set_value("stretch_bend"))
    run(page.selectbox(key="slice_model").set_value("Equivariant MPNN (water_equivariant)"))
    assert "held: r(O1–H3)" in texts(page)
    assert number(metric(page, "RMS error, data nearby")) < 10.0


def test_a_session_model_is_evaluated_for_that_session_only():
    """A model trained in lesson 4 appears in the menu and the slice shows that model's own errors (computed
    in the session, not looked up in the cache all sessions share, where a name and an id() can repeat)."""
    import numpy as np
    import torch

    from nnpes_core.analysis.slices import load_slices, slice_energies
    from nnpes_core.models import load_model

    model = load_model(ROOT / "assets" / "models" / "water_bp.pt")
    with torch.no_grad():
        model.element_energies += 0.01  # 30 meV per water: not the pretrained model's numbers
    app = AppTest.from_file(PAGE, default_timeout=180)
    app.session_state["session_models"] = {"#1 bp on water": {"model": model, "kind": "bp", "dataset": "water"}}
    settled(app)
    label = "Yours (lesson 4): #1 bp on water"
    run(app.selectbox(key="slice_model").set_value(label))
    base, slices, _ = load_slices(ROOT / "assets" / "data" / "water_reference_slices.json")
    cut = slices["stretch_stretch"]
    expected = 1000 * np.max(np.abs(slice_energies(model, cut.frames(base), torch.float64).energy - cut.energy))
    assert number(metric(app, "Largest |error| on the slice")) == pytest.approx(expected, abs=1.0)


def test_a_coarse_slice_is_computed_live_with_pyscf(page):
    run(page.selectbox(key="live_kind").set_value("bend"))
    run(page.select_slider(key="live_n").set_value(3))
    start_job(page, "live_slice")
    assert "Computed live with PySCF" in texts(page) and "3 points in" in texts(page)


def test_lecture_preset_trains_the_muller_brown_committee_fast_and_it_knows_where_data_end(page):
    settled(page.sidebar.toggle(key="lecture_mode").set_value(True))
    assert "100 points drawn" in texts(page) and "200 Adam steps" in texts(page)
    settled(page.selectbox(key="mb_threshold").set_value("E < −100 (the two deepest wells)"))
    assert number(metric(page, "Müller-Brown spread, beyond")) > \
        3 * number(metric(page, "Müller-Brown spread, near data"))
    assert number(metric(page, "Müller-Brown error, beyond")) > \
        3 * number(metric(page, "Müller-Brown error, near data"))


def test_without_pretrained_models_the_page_says_so_and_still_runs(models_at, tmp_path):
    models_at(tmp_path)  # a broken installation: one error line per missing model file
    app = settled(AppTest.from_file(PAGE, default_timeout=180), allow_errors=True)
    errors = [e.value for e in app.error]
    assert len(errors) == 3 and all("missing" in e and "assets/models/water_" in e for e in errors)
    assert not any("yet" in i.value for i in app.info)
    assert "Müller-Brown spread, beyond" in [m.label for m in app.metric]
