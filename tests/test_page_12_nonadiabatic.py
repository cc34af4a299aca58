"""Lesson 12 page: Tully's surfaces and coupling, FSSH trajectories and probabilities against the exact
solution, a momentum scan with error bars, the ground-state network that cannot hop, the diabatic
networks, a long run in the job pool, and the practice problems (lecture preset: fast settings)."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import check, metric, number, run

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "app" / "pages" / "12_Nonadiabatic.py")
SLUG = "12_nonadiabatic"


@pytest.fixture
def page() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=300)
    app.session_state["lecture_mode"] = True
    return run(app)


def plus_minus(text: str) -> tuple[float, float]:
    value, error = text.split("±")
    return number(value), number(error)


def test_lecture_preset_compares_fssh_with_exact_and_shows_why_one_surface_is_not_enough(page):
    assert len(page.get("plotly_chart")) == 6
    assert metric(page, "Smallest gap E₊ − E₋") == "0.0100 Eₕ"
    assert number(metric(page, "Upper channel opens on the right at k")) == pytest.approx(8.9)
    fssh, error = plus_minus(metric(page, "FSSH transmission, upper"))
    exact = number(metric(page, "Exact transmission, upper"))
    assert exact == pytest.approx(0.1555, abs=2e-3)  # published exact value at k = 10
    assert abs(fssh - exact) < 4 * error
    within, total = (int(v) for v in metric(page, "FSSH points within 2σ of exact").split(" / "))
    assert total >= 4 and within >= total - 2
    assert number(metric(page, "Largest exact probability of ending on the upper surface that the single surface misses",
                         prefix=True)) > 0.5
    right, wrong = (number(metric(page, f"Largest |ΔP|, network γ = {g}")) for g in (1, 0))
    assert right < 0.15 and wrong > right
    table = page.dataframe[0].value
    assert list(table["outcome"]) == ["transmitted, lower", "transmitted, upper", "reflected, lower", "reflected, upper"]
    for figure in page.get("plotly_chart"):
        layout = json.loads(figure.proto.spec)["layout"]
        titles = [axis["title"]["text"] for name, axis in layout.items() if name.startswith(("xaxis", "yaxis"))
                  and "title" in axis]
        assert titles and all(title.endswith(")") for title in titles), titles


def test_model_3_changes_the_surfaces_and_shows_fssh_overcoherence(page):
    page.radio(key="model").set_value(3)
    run(page)
    assert metric(page, "Smallest gap E₊ − E₋") == "0.0012 Eₕ"
    table = {row["outcome"]: row for _, row in page.dataframe[0].value.iterrows()}
    reflected = table["reflected, lower"]
    fssh, error = plus_minus(reflected["FSSH"])
    assert fssh - float(reflected["exact"]) > 3 * error  # FSSH reflects too much on the lower surface
    page.slider(key="momentum::3").set_value(20.0)
    run(page)
    table = {row["outcome"]: row for _, row in page.dataframe[0].value.iterrows()}
    # published exact values at k = 20 (Ouyang et al., see test_nonadiabatic.py)
    assert float(table["reflected, lower"]["exact"]) == pytest.approx(0.1572, abs=2e-3)
    assert float(table["reflected, upper"]["exact"]) == pytest.approx(0.2393, abs=2e-3)


def test_practice_answers_are_graded(page):
    check(page, SLUG, "upper-channel-threshold", "8.94")
    check(page, SLUG, "landau-zener", "0.61")
    check(page, SLUG, "smallest-gap-in-ev", "0.272 eV")
    check(page, SLUG, "ground-state-network", "B")
    check(page, SLUG, "trajectories-for-an-error", "400")
    assert sum("Correct" in s.value for s in page.success) == 4
    assert any("Not quite" in w.value for w in page.warning)
    assert "4 / 6 solved" in metric(page, "Your score this session")


def test_the_long_scan_runs_in_the_job_pool_and_stop_keeps_what_is_done(page):
    page.button(key="job::full_scan::1::0::start").click()
    run(page)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        stop = [b for b in page.button if b.key == "job::full_scan::1::0::stop"]
        if stop:
            stop[0].click()
            run(page)
            break
        time.sleep(0.2)
        run(page)
    while time.monotonic() < deadline and "FSSH, 1000 trajectories" not in page.get("plotly_chart")[2].proto.spec:
        time.sleep(0.5)
        run(page)
    assert "FSSH, 1000 trajectories" in page.get("plotly_chart")[2].proto.spec
