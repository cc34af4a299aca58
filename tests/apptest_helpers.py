"""What the AppTest page tests (tests/test_page_*.py) share: run a page and check that it ran cleanly,
read its metrics, numbers and texts, and answer its practice problems.

The fixtures that go with them (``stand_in_models_dir``, ``models_at``) live in conftest.py.
"""
from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

# "−1.5", "1.2e-05", "3,721.4": an optional (Unicode) minus, thousands commas, a decimal part, an exponent
_NUMBER = re.compile(r"[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][-+−]?\d+)?")


def run(target, *, allow_errors: bool = False) -> AppTest:
    """Run the app (or the app a widget belongs to) and check that it raised no exception.

    Unless ``allow_errors``, also check that it showed no ``st.error``: pages whose tests look at
    the page's own error messages run with ``allow_errors=True``.
    """
    app = target.run()
    assert not app.exception, app.exception
    if not allow_errors:
        assert not app.error, [e.value for e in app.error]
    return app


def metric(app: AppTest, label: str, *, prefix: bool = False) -> str:
    """The value of the one ``st.metric`` labelled ``label``.

    With ``prefix``: of the first metric whose label starts with ``label`` (long labels, and labels a
    page shows twice, e.g. lesson 3's "Model energy E").
    """
    if prefix:
        found = [m for m in app.metric if m.label.startswith(label)][:1]
    else:
        found = [m for m in app.metric if m.label == label]
    assert len(found) == 1, f"{len(found)} metrics {label!r} among {[m.label for m in app.metric]}"
    return found[0].value


def number(text: str) -> float:
    """The first number in ``text``, e.g. -1.5 from "−1.5 eV", 3721 from "3,721 cm⁻¹", 67 from "67× (N = 64)"."""
    found = _NUMBER.search(text)
    assert found, f"no number in {text!r}"
    return float(found.group().replace(",", "").replace("−", "-"))


def texts(app: AppTest, *kinds: str) -> str:
    """The values of the page's elements of ``kinds`` (default: markdown and captions), one per line."""
    return "\n".join(element.value for kind in kinds or ("markdown", "caption") for element in getattr(app, kind))


def check(app: AppTest, slug: str, problem_id: str, answer: str, *, allow_errors: bool = False) -> AppTest:
    """Answer practice problem ``problem_id`` of lesson ``slug`` and press its Check button (then ``run``)."""
    key = f"practice::{slug}::{problem_id}::answer"
    (field,) = [widget for widget in (*app.radio, *app.text_input) if widget.key == key]
    field.set_value(answer)
    (button,) = [b for b in app.button if b.label == "Check" and b.form_id == field.form_id]
    return run(button.click(), allow_errors=allow_errors)


def start_job(app: AppTest, key: str, *, timeout: float = 120.0, allow_errors: bool = False) -> AppTest:
    """Press the button of ``ui.live_job(key, ...)`` and rerun the page until the job has finished (it runs
    in the server's job pool, outside the script run)."""
    app.button(key=f"job::{key}::start").click()
    run(app, allow_errors=allow_errors)
    return wait_for_job(app, key, timeout=timeout, allow_errors=allow_errors)


def wait_for_job(app: AppTest, key: str, *, timeout: float = 120.0, allow_errors: bool = False) -> AppTest:
    """Rerun the page until the job of ``ui.live_job(key, ...)`` has finished and the page has shown it."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        job = app.session_state[f"job::{key}"] if f"job::{key}" in app.session_state else None
        if job is not None and job.finished:
            return run(app, allow_errors=allow_errors)  # the run that shows the result
        assert time.monotonic() < deadline, f"the job {key!r} did not finish in {timeout} s"
        time.sleep(0.2)
