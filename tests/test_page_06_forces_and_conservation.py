"""Lesson 6 page: an energy network and a direct-force network on Müller-Brown — arrows, curl, loop work
(zero for −∇E, not for the direct net), NVE on the surface and for water — and the practice problems."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import resources
from apptest_helpers import check, metric, number, run, texts

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "app" / "pages" / "06_Forces_and_Conservation.py")
SLUG = "06_forces_and_conservation"


def settled(target, *, allow_errors: bool = False) -> AppTest:
    """Run the page, let the shared results it started (the two networks, the NVE runs) finish, run again."""
    app = run(target, allow_errors=allow_errors)
    while resources.wait_for_shared_results():  # one result may need another one first
        app = run(app, allow_errors=allow_errors)
    return app


@pytest.fixture
def page() -> AppTest:
    return settled(AppTest.from_file(PAGE, default_timeout=180))


def loop_table(app: AppTest) -> dict[str, dict]:
    table = app.dataframe[0].value
    return {row["Force field"]: row for _, row in table.iterrows()}


def test_default_view_measures_curl_loop_work_and_drift_for_both_networks(page):
    rows = loop_table(page)
    for name in ("reference −∇E", "energy network −∇Ê"):
        assert abs(float(rows[name]["W = −∮F·dl"])) < 1e-9
        assert float(rows[name]["max |curl| on the map"]) < 1e-8
    direct = rows["direct-force network"]
    assert abs(float(direct["W = −∮F·dl"])) > 0.1 and float(direct["max |curl| on the map"]) > 1.0
    assert float(direct["W = −∮F·dl"]) == pytest.approx(float(direct["−∬curl dA (Stokes)"]), rel=1e-3)
    assert number(metric(page, "Loop work W, direct network")) == pytest.approx(
        float(direct["W = −∮F·dl"]), rel=1e-3)
    own = number(metric(page, "Energy net, own energy: RMS change"))
    assert own < 0.2
    assert number(metric(page, "Direct net, true energy: RMS change")) > 10 * own
    assert len(page.get("plotly_chart")) == 4  # arrows, curl map, loop work vs radius, NVE


def test_moving_the_loop_changes_the_direct_networks_work_only(page):
    before = float(loop_table(page)["direct-force network"]["W = −∮F·dl"])
    run(page.slider(key="loop_x").set_value(0.2))
    run(page.slider(key="loop_y").set_value(0.3))
    run(page.slider(key="loop_radius").set_value(0.1))
    rows = loop_table(page)
    assert float(rows["direct-force network"]["W = −∮F·dl"]) != pytest.approx(before)
    assert abs(float(rows["energy network −∇Ê"]["W = −∮F·dl"])) < 1e-9
    run(page.multiselect(key="force_fields").set_value(["reference −∇E"]))
    settled(page.selectbox(key="nve2d_start").set_value("minimum B (0.623, 0.028)"))
    assert "start within 0.05 of minimum B" in texts(page, "caption")


def test_practice_answers_are_graded(page):
    work = number(metric(page, "Loop work W, direct network"))
    check(page, SLUG, "direct-loop-work", f"{work}")
    check(page, SLUG, "rotational-field-work", "-3.14")
    check(page, SLUG, "conservative-by-construction", "A")
    assert sum("Correct" in s.value for s in page.success) == 2
    assert any("Not quite" in w.value for w in page.warning)
    assert "2 / 5 solved" in metric(page, "Your score this session")


def test_water_nve_in_lecture_mode_shows_the_direct_model_drifting(page):
    settled(page.sidebar.toggle(key="lecture_mode").set_value(True))
    assert "1000 steps" in texts(page, "caption")
    run(page.button(key="water_run").click())
    table = page.dataframe[1].value
    drift = {row["Model"].split(" ")[0]: abs(float(row["drift (eV/ps)"])) for _, row in table.iterrows()}
    assert set(drift) == {"Behler-Parrinello", "Direct-force"}
    assert drift["Direct-force"] > 3 * drift["Behler-Parrinello"]
    assert len(page.get("plotly_chart")) == 5


def test_without_pretrained_water_models_the_page_says_so_and_still_runs(models_at, tmp_path):
    models_at(tmp_path)  # a broken installation: one error line per missing model file
    app = settled(AppTest.from_file(PAGE, default_timeout=180), allow_errors=True)
    errors = [e.value for e in app.error]
    assert len(errors) == 2 and all("missing" in e and "assets/models/water_" in e for e in errors)
    assert not any("yet" in i.value for i in app.info)
    assert not [b for b in app.button if b.key == "water_run"]
