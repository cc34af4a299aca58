"""A real browser visits every page of the running app, offline.

For Home and each file in app/pages/ (found automatically): the script finishes without an exception
box or a traceback, every 3-D molecule viewer draws into a <canvas> (and the canvas is not blank), every
plotly chart renders its SVG, and no request leaves localhost. A full-page screenshot of each page goes
to test-artifacts/screenshots/.
"""
from __future__ import annotations

import io
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from streamlit.source_util import page_icon_and_name

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PAGE_TIMEOUT_S = 90  # pages that run PySCF take a while on a small CPU
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def discover_pages() -> list[tuple[str, str]]:
    """(name, url path) of Home and of every app/pages/*.py, as Streamlit serves them."""
    pages = [("Home", "")]
    for path in sorted((ROOT / "app" / "pages").glob("*.py")):
        if path.name.startswith("_"):
            continue
        _, url_path = page_icon_and_name(path)  # "01_Born_Oppenheimer.py" -> "Born_Oppenheimer"
        pages.append((path.stem, url_path))
    return pages


@pytest.fixture(scope="module")
def offline_context(chromium):
    """A browser context where only localhost answers; every other request is aborted and recorded."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.external_requests = []

    def route(route, request):
        host = urlparse(request.url).hostname or ""
        if urlparse(request.url).scheme in ("http", "https", "ws", "wss") and host not in LOCAL_HOSTS:
            context.external_requests.append(request.url)
            return route.abort()
        return route.continue_()

    context.route("**/*", route)
    yield context
    context.close()


def _wait_until_idle(page, timeout_s: float) -> None:
    """Wait until the Streamlit script has run to the end (no "Running..." status) and stays idle."""
    app = page.locator('[data-testid="stApp"]')
    app.wait_for(timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    idle_since = None
    while time.monotonic() < deadline:
        state = app.get_attribute("data-test-script-state")
        running = page.locator('[data-testid="stStatusWidgetRunningIcon"]').count() > 0
        if state == "notRunning" and not running:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > 1.5:
                return
        else:
            idle_since = None
        time.sleep(0.25)
    raise AssertionError(f"the page was still running after {timeout_s} s")


def _canvas_is_drawn(element) -> bool:
    """True when a screenshot of the element has more than a background colour."""
    from PIL import Image

    image = Image.open(io.BytesIO(element.screenshot())).convert("L")
    low, high = image.getextrema()
    return high - low > 40


def _check_molecule_viewers(page, name: str) -> int:
    frames = page.locator('[data-testid="stIFrame"], iframe')
    viewers = 0
    for index in range(frames.count()):
        frame_element = frames.nth(index)
        frame = frame_element.content_frame
        if frame is None or frame.locator('[id^="3dmolviewer"]').count() == 0:
            continue
        viewers += 1
        canvas = frame.locator('[id^="3dmolviewer"] canvas')
        try:
            canvas.first.wait_for(timeout=20_000)
        except Exception:
            raise AssertionError(f"{name}: 3-D viewer {viewers} has no <canvas> (3Dmol.js did not load?)")
        frame_element.scroll_into_view_if_needed()
        time.sleep(0.5)  # let 3Dmol.js draw its first frame
        assert _canvas_is_drawn(canvas.first), f"{name}: 3-D viewer {viewers} draws a blank canvas"
    return viewers


def _check_plots(page, name: str) -> int:
    charts = page.locator('[data-testid="stPlotlyChart"]')
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        chart.locator(".main-svg").first.wait_for(timeout=20_000)
        assert chart.locator(".js-plotly-plot").count() == 1, f"{name}: plotly chart {index + 1} did not render"
    return charts.count()


@pytest.mark.browser
@pytest.mark.parametrize(("name", "url_path"), discover_pages(), ids=[n for n, _ in discover_pages()])
def test_page_renders_offline_without_errors(offline_context, app_server, name, url_path):
    page = offline_context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("websocket", lambda ws: urlparse(ws.url).hostname not in LOCAL_HOSTS
            and offline_context.external_requests.append(ws.url))
    started = time.monotonic()
    try:
        page.goto(f"{app_server}/{url_path}", wait_until="domcontentloaded")
        _wait_until_idle(page, PAGE_TIMEOUT_S)

        exceptions = page.locator('[data-testid="stException"]')
        assert exceptions.count() == 0, f"{name}: exception box: {exceptions.first.inner_text()[:800]}"
        for error_text in page.locator('[data-testid="stAlertContentError"]').all_inner_texts():
            assert "Traceback" not in error_text, f"{name}: traceback in an error box: {error_text[:800]}"
        viewers = _check_molecule_viewers(page, name)
        plots = _check_plots(page, name)

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # Streamlit scrolls inside its main container: make the window as tall as the content.
        height = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], body')]"
            ".map(e => e.scrollHeight))")
        page.set_viewport_size({"width": 1400, "height": min(max(int(height), 1000), 12000)})
        time.sleep(0.8)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        print(f"\n{name}: {time.monotonic() - started:.1f} s, {viewers} 3-D viewer(s), {plots} plot(s); "
              f"screenshot in {SCREENSHOTS}")
    finally:
        page.close()
    assert not offline_context.external_requests, (
        f"requests left localhost (aborted): {offline_context.external_requests}")
    assert not page_errors, f"{name}: JavaScript errors: {page_errors}"


@pytest.mark.browser
def test_every_page_file_is_in_the_navigation(offline_context, app_server):
    """The sidebar lists a page for every app/pages file (after "View more"), so the URL rule above
    matches Streamlit's."""
    page = offline_context.new_page()
    try:
        page.goto(app_server, wait_until="domcontentloaded")
        _wait_until_idle(page, PAGE_TIMEOUT_S)
        more = page.locator('[data-testid="stSidebarNavViewButton"]')  # Streamlit folds long menus
        if more.count() and "more" in more.inner_text().lower():
            more.click()
            page.wait_for_timeout(500)
        links = page.locator('[data-testid="stSidebarNav"] a').evaluate_all("els => els.map(e => e.href)")
    finally:
        page.close()
    served = {urlparse(link).path.strip("/") for link in links}
    expected = {url_path for _, url_path in discover_pages()}
    assert expected <= served | {""}, f"pages not in the navigation: {sorted(expected - served)}"


def _frame_changes(page, frame, within_s: float) -> bool:
    """Whether the animation frame a 3-D viewer shows changes within ``within_s`` seconds."""
    first = frame.evaluate("() => viewer_nnpes.getFrame()")
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(200)
        if frame.evaluate("() => viewer_nnpes.getFrame()") != first:
            return True
    return False


def _animated_viewer(page, timeout_s: float = 30.0):
    """(iframe element, its Frame) of the first animated 3-D viewer of the page, once 3Dmol.js has run."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for element in page.locator('[data-testid="stIFrame"], iframe').all():
            frame = element.element_handle().content_frame()  # a Frame, where scripts can be evaluated
            if frame is not None and frame.evaluate("() => !!(window.viewer_nnpes && viewer_nnpes.isAnimated())"):
                return element, frame
        page.wait_for_timeout(500)
    return None


@pytest.mark.browser
def test_an_animation_pauses_while_it_is_off_screen(chromium, app_server):
    """A 3-D animation draws nothing while scrolled out of view (software WebGL costs about half a core
    per visible animation on a CPU-only machine) and plays again when it comes back."""
    context = chromium.new_context(viewport={"width": 1400, "height": 700})
    page = context.new_page()
    try:
        page.goto(f"{app_server}/Derivatives", wait_until="domcontentloaded")
        _wait_until_idle(page, PAGE_TIMEOUT_S)
        found = _animated_viewer(page)
        assert found is not None, "the normal-mode viewer of page 7 is no longer animated"
        element, frame = found
        element.scroll_into_view_if_needed()
        plays = _frame_changes(page, frame, within_s=10)
        page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, 0)")
        page.wait_for_timeout(1000)
        box = element.bounding_box()
        assert box["y"] > 700, "the viewer should be below the window once the page is scrolled to the top"
        drew_off_screen = _frame_changes(page, frame, within_s=2)
        element.scroll_into_view_if_needed()
        resumes = _frame_changes(page, frame, within_s=10)
    finally:
        context.close()
    assert plays, "the animation does not play while visible"
    assert not drew_off_screen, "the animation kept drawing off screen"
    assert resumes, "the animation did not resume when scrolled back into view"
