"""Two app replicas on one real PostgreSQL, driven by a real browser: a student joins and answers a
practice problem on replica A, and the instructor page served by replica B shows (and exports) it.

This is the deployment of the README's "Serving a class": several app processes behind a load
balancer with sticky sessions, one PostgreSQL. Each replica has its own engine and sessions; the
database is the only thing they share.
"""
from __future__ import annotations

import contextlib
import csv
import io
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from nnpes_core import coursework as cw

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
KEY = "replica test instructor key"
PAGE_TIMEOUT_S = 120
PROBLEM = ("07_derivatives", "why-central-is-second-order", "B")  # lesson, problem id, the right option
PROMPT = "truncation error of the central difference"


@contextlib.contextmanager
def replica(name: str, env: dict):
    """One app server (app/serve.py's command) on a free port; yields its base URL."""
    sys.path.insert(0, str(ROOT / "app"))
    import serve
    from conftest import _free_port

    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"replica-{name}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(serve.command(port, address="127.0.0.1"), cwd=ROOT,
                                   env={**os.environ, **serve.ENVIRONMENT, **env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}", process, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_healthy(base_url: str, process, log_path: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"replica {base_url} exited with code {process.returncode}; see {log_path}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.5)
    pytest.fail(f"replica {base_url} did not become healthy in 120 s; see {log_path}")


def wait_idle(page, timeout_s: float = PAGE_TIMEOUT_S) -> None:
    """Until the script has run to the end and stayed idle for a second."""
    app = page.locator('[data-testid="stApp"]')
    app.wait_for(timeout=timeout_s * 1000)
    deadline, idle_since = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidgetRunningIcon"]').count() > 0
        if app.get_attribute("data-test-script-state") == "notRunning" and not running:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > 1.0:
                return
        else:
            idle_since = None
        time.sleep(0.25)
    raise AssertionError(f"the page was still running after {timeout_s} s")


@pytest.mark.browser
def test_an_answer_given_on_one_replica_appears_in_the_instructor_view_of_the_other(postgres, chromium):
    url = postgres.create_database("replicas")
    course = cw.create_course(cw.open_database(url), "Two replicas")
    env = {"NNPES_DATABASE_URL": url, "NNPES_INSTRUCTOR_KEY": KEY}
    with replica("a", env) as (url_a, process_a, log_a), replica("b", env) as (url_b, process_b, log_b):
        wait_healthy(url_a, process_a, log_a)
        wait_healthy(url_b, process_b, log_b)
        context = chromium.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        try:
            student = context.new_page()
            student.goto(f"{url_a}/Derivatives", wait_until="domcontentloaded")
            wait_idle(student)
            sidebar = student.locator('[data-testid="stSidebar"]')
            sidebar.get_by_text("Class sign-in").click()
            sidebar.get_by_label("Course code").fill(course.code.lower())
            sidebar.get_by_label("Your name or student number").fill("Ada Lovelace")
            sidebar.get_by_role("button", name="Join the course").click()
            sidebar.get_by_text("Your resume link").wait_for(timeout=30_000)
            wait_idle(student)
            assert "student=" in student.url  # the resume link is the address of the page

            form = student.locator('[data-testid="stForm"]').filter(has_text=PROMPT)
            form.scroll_into_view_if_needed()
            form.get_by_text("B. Because in E(x+h)").click()
            form.get_by_role("button", name="Check").click()
            student.get_by_text("Correct: B.").wait_for(timeout=30_000)
            wait_idle(student)
            assert student.locator('[data-testid="stException"]').count() == 0

            instructor = context.new_page()
            instructor.goto(f"{url_b}/Instructor", wait_until="domcontentloaded")
            wait_idle(instructor)
            instructor.get_by_label("Instructor key").fill(KEY)
            instructor.get_by_label("Instructor key").press("Enter")
            instructor.get_by_role("tab", name="Export").wait_for(timeout=30_000)
            wait_idle(instructor)
            instructor.get_by_role("tab", name="Export").click()
            with instructor.expect_download(timeout=30_000) as download:
                instructor.get_by_role("button", name="Every answer (CSV)").click()
            rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
            instructor.get_by_role("tab", name="Problems").click()
        finally:
            screenshots = ARTIFACTS / "screenshots"
            screenshots.mkdir(parents=True, exist_ok=True)
            for name, page in (("replica-a-student", "student"), ("replica-b-instructor", "instructor")):
                if page in locals():
                    locals()[page].screenshot(path=screenshots / f"{name}.png", full_page=True)
            context.close()
    assert [(r["student"], r["lesson"], r["problem"], r["answer"], r["correct"]) for r in rows] == [
        ("Ada Lovelace", *PROBLEM, "True")]
