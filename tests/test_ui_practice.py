"""The practice widget (ui.practice_section): check, hint, worked solution after an attempt, score."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from apptest_helpers import check, run

SLUG = "99_test"


def practice_page():
    from pathlib import Path

    import streamlit as st

    import ui
    from nnpes_core.practice import load_problems

    problems = load_problems(Path(ui.__file__).resolve().parents[1] / "tests" / "data" / "sample.problems.toml")
    ui.page_setup("Practice test", "✏️")
    r_min = st.session_state.get("r_min")  # the page "computes" this when the button is pressed
    if st.button("Compute the curve"):
        st.session_state["r_min"] = r_min = 0.735
    ui.practice_section("99_test", {"r_min": r_min}, problems=problems)


def _app() -> AppTest:
    return run(AppTest.from_function(practice_page, default_timeout=60), allow_errors=True)


def _solutions_shown(app: AppTest) -> int:
    return sum(e.label == "Worked solution" for e in app.expander)


def test_problems_show_with_hints_but_no_solutions_before_an_attempt():
    app = _app()
    assert sum(e.label == "Hint" for e in app.expander) == 4
    assert _solutions_shown(app) == 0
    assert "0 / 4 solved" in app.metric[0].value


def test_a_right_answer_is_scored_and_unlocks_the_solution():
    app = _app()
    check(app, SLUG, "h2-bond-length", "74.2 pm", allow_errors=True)
    assert any("Correct" in s.value for s in app.success)
    assert _solutions_shown(app) == 1
    assert "1 / 4 solved" in app.metric[0].value


def test_a_wrong_answer_counts_as_an_attempt_but_not_a_solve():
    app = _app()
    check(app, SLUG, "pes-kinetic", "A", allow_errors=True)
    assert any("Not quite" in w.value for w in app.warning)
    assert _solutions_shown(app) == 1
    assert "0 / 4 solved" in app.metric[0].value


def test_unreadable_input_is_explained_and_not_counted():
    app = _app()
    check(app, SLUG, "well-depth", "__import__('os')", allow_errors=True)
    assert any("Could not read a number" in i.value for i in app.info)
    assert _solutions_shown(app) == 0


def test_a_computed_problem_waits_for_the_page_value():
    app = _app()
    check(app, SLUG, "computed-minimum", "0.735", allow_errors=True)
    assert any("Compute the value" in i.value for i in app.info)
    app.button[0].click().run()  # "Compute the curve"
    check(app, SLUG, "computed-minimum", "0.736 Å", allow_errors=True)
    assert any("Correct" in s.value for s in app.success)
