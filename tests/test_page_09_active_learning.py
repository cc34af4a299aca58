"""Lesson 9 page: the shipped committee's spread against the true error, the loop live (tiny settings via
session state), Müller-Brown picks, wasted labels of rotated copies, the stopping rule, the practice problems."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import check, metric, number, run, start_job, texts

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "app" / "pages" / "09_Active_Learning.py")
SLUG = "09_active_learning"
TINY = {"al_start::False": 4, "al_add::False": 2, "al_rounds::False": 1, "al_members::False": 2,
        "al_budget::False": 0.3, "mb_rounds::False": 1, "mb_steps::False": 30, "mb_add": 3, "inv_known::False": 5,
        "inv_epochs::False": 10}


@pytest.fixture
def page() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=240)
    for key, value in TINY.items():
        app.session_state[key] = value
    return run(app)


def chart_specs(app: AppTest) -> str:
    """The plotly JSON of every chart on the page, as one string (titles, trace names)."""
    return "\n".join(chart.proto.spec for chart in app.get("plotly_chart"))


def test_shipped_committee_ranks_the_test_errors_and_problems_are_graded(page):
    rho = number(metric(page, "Spearman ρ, all test structures"))
    assert 0.3 < rho <= 1.0  # hot structures: larger spread and larger error
    assert number(metric(page, "Largest atomic force spread σ_F")) > 0
    assert "per atom: O0" in texts(page) and "sampled at" in texts(page)
    assert len(page.dataframe[0].value) == 4  # one row per sampling temperature
    # the precomputed comparison (3 seeds) and the stopping rule on its first uncertainty run
    assert "Precomputed" in texts(page) and "ACTIVE_LEARNING.md" in texts(page)
    table = next(frame.value for frame in page.dataframe if "labels to reach 10 meV/Å" in frame.value.columns)
    assert list(table["strategy"]) == ["uncertainty", "random"] and table["seeds"].min() >= 3
    assert metric(page, "Labels when the rule stops") == "50"  # seed 0: max spread 60 meV/Å < 150 after 50 labels
    check(page, SLUG, "spearman-of-the-committee", f"{rho}")
    check(page, SLUG, "spearman-by-hand", "0.70")
    check(page, SLUG, "copies-never-picked", "B")
    assert sum("Correct" in s.value for s in page.success) == 3


def test_the_loop_runs_both_strategies_and_feeds_the_committee_and_stopping_sections(page):
    page = start_job(page, "al_loop", timeout=300)
    loop_table = next(frame.value for frame in page.dataframe if "strategy" in frame.value.columns
                      and "ended" in frame.value.columns)
    assert list(loop_table["strategy"]) == ["uncertainty", "random"] and list(loop_table["labels"]) == [6, 6]
    assert any("Your loop's committee (uncertainty, 6 labels)" in option
               for option in page.selectbox(key="al_committee").options)
    assert "Stopping rule on your live run" in chart_specs(page)
    assert metric(page, "Labels when the rule stops")


def test_muller_brown_picks_are_drawn_for_each_strategy(page):
    page = start_job(page, "al_mb", timeout=300)
    charts = chart_specs(page)
    assert "uncertainty: 8 labels" in charts and "random: 8 labels" in charts
    assert "Boltzmann weights" in texts(page)


def test_rotated_copies_waste_labels_of_the_cartesian_committee_only(page):
    page = start_job(page, "al_invariance", timeout=300)
    assert metric(page, "Wasted labels, bp") == "0 of 5"
    assert number(metric(page, "Wasted labels, cartesian")) >= 1


def test_lecture_mode_presets_a_short_loop(page):
    run(page.sidebar.toggle(key="lecture_mode").set_value(True))
    assert page.number_input(key="al_members::True").value == 2
    assert page.number_input(key="al_budget::True").value == 2.0
    assert "about 26 s" in texts(page)  # 2 strategies x 5 rounds x 2 s, with overhead


def test_without_the_shipped_committee_the_page_says_so_in_one_line_and_still_runs(models_at, tmp_path):
    models_at(tmp_path)  # a broken installation
    app = run(AppTest.from_file(PAGE, default_timeout=240), allow_errors=True)
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and "assets/models/water_committee.pt is missing" in errors[0]
    assert app.button(key="job::al_loop::start")  # the loop does not need it
