"""Lesson 4 in a real browser: the Stop button ends a live training and the best model is kept.

Training runs in the server's job pool; the page polls it (live curves) and its Stop button asks the job to
end after the current epoch. The trainer keeps the best weights, and the page shows the run as stopped, with
test errors, parity plots and a download. Only a real server and browser exercise that path end to end.
"""
from __future__ import annotations

import time

import pytest

from test_browser import SCREENSHOTS, _wait_until_idle

PAGE_PATH = "Training"


@pytest.mark.browser
def test_stop_button_keeps_the_best_model(chromium, app_server):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{app_server}/{PAGE_PATH}", wait_until="domcontentloaded")
        _wait_until_idle(page, 90)
        seconds = page.get_by_label("Seconds")
        seconds.fill("60")  # long enough that only Stop can end it
        seconds.press("Enter")
        _wait_until_idle(page, 30)
        page.get_by_role("button", name="▶️ Train", exact=True).click()
        page.get_by_text("Training…").first.wait_for(timeout=60_000)
        page.get_by_text("Epoch", exact=True).first.wait_for(timeout=60_000)  # at least one epoch drawn
        time.sleep(2.0)
        started = time.monotonic()
        page.get_by_role("button", name="Stop (keep what is done)").click()
        try:
            page.get_by_text("Stopped: the best epoch so far is kept").first.wait_for(timeout=30_000)
        except Exception:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOTS / "04_Training_stop_failed.png", full_page=False)
            raise
        _wait_until_idle(page, 60)
        assert time.monotonic() - started < 30, "the stop took too long"
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.get_by_text("available on every page of this session").count() == 1
        assert page.get_by_role("button", name="Download the model (.pt)").count() == 1
        assert page.locator('[data-testid="stPlotlyChart"]').count() >= 3  # curves and two parity plots
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "04_Training_stopped.png", full_page=False)
    finally:
        page.close()
        context.close()
