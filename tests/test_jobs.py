"""The server's job pool: bounded, first come first served, cancellable, results kept by the job."""
from __future__ import annotations

import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

from nnpes_core import jobs


def blocking_work(release: threading.Event, value):
    def work(progress: jobs.Progress):
        progress.update(0.5, "waiting for the release")
        release.wait(10)
        return value
    return work


def test_pool_runs_at_most_max_workers_jobs_at_once_and_queues_the_rest_in_order():
    pool = jobs.JobPool(max_workers=2)
    release = threading.Event()
    submitted = [pool.submit(blocking_work(release, n), label=f"job {n}") for n in range(5)]
    deadline = time.monotonic() + 5
    while sum(job.status == jobs.RUNNING for job in submitted) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [job.status for job in submitted] == [jobs.RUNNING] * 2 + [jobs.QUEUED] * 3
    assert [job.queue_position() for job in submitted] == [None, None, 1, 2, 3]
    assert pool.counts() == {"running": 2, "queued": 3, "workers": 2}
    release.set()
    assert all(job.wait(5) for job in submitted)
    assert [job.result for job in submitted] == [0, 1, 2, 3, 4]
    assert all(job.status == jobs.DONE for job in submitted)


def test_a_cancelled_queued_job_never_starts():
    pool = jobs.JobPool(max_workers=1)
    release = threading.Event()
    first = pool.submit(blocking_work(release, "first"))
    ran = []
    second = pool.submit(lambda progress: ran.append(True))
    second.cancel()
    release.set()
    assert first.wait(5) and second.wait(5)
    assert second.status == jobs.CANCELLED and not ran
    assert first.status == jobs.DONE


def test_a_running_job_asked_to_stop_returns_what_it_has():
    def count_until_stopped(progress: jobs.Progress):
        done = 0
        while not progress.stop_requested and done < 10_000:
            done += 1
            progress.update(message=f"{done} steps", steps=done)
            time.sleep(0.001)
        return done

    job = jobs.JobPool(max_workers=1).submit(count_until_stopped)
    while job.progress.partial.get("steps", 0) < 5:
        time.sleep(0.001)
    job.cancel()
    assert job.wait(5)
    assert job.status == jobs.STOPPED
    assert 5 <= job.result < 10_000


def test_a_failing_job_keeps_a_one_line_error_and_the_pool_goes_on():
    pool = jobs.JobPool(max_workers=1)
    bad = pool.submit(lambda progress: int("not a number"))
    good = pool.submit(lambda progress: 42)
    assert bad.wait(5) and good.wait(5)
    assert bad.status == jobs.FAILED and "\n" not in bad.error and "invalid literal" in bad.error
    assert good.result == 42


def test_pool_needs_a_worker():
    with pytest.raises(ValueError):
        jobs.JobPool(max_workers=0)


def _live_job_page():
    import time as clock

    import streamlit as st
    import ui

    def work(progress):
        for step in range(3):
            progress.update((step + 1) / 3, f"step {step + 1}")
            clock.sleep(0.05)
        return "the result"

    job = ui.live_job("demo", "▶️ Run", work)
    if job is not None:
        st.markdown(f"result: {job.result} ({job.status})")


def test_live_job_runs_in_the_pool_and_shows_its_result_only_to_its_session():
    app = AppTest.from_function(_live_job_page, default_timeout=10)
    app.run()
    app.button(key="job::demo::start").click().run()
    deadline = time.monotonic() + 10
    while "result: the result (done)" not in [m.value for m in app.markdown] and time.monotonic() < deadline:
        time.sleep(0.1)
        app.run()
    assert "result: the result (done)" in [m.value for m in app.markdown]
    assert not app.exception
    other_session = AppTest.from_function(_live_job_page, default_timeout=10)
    other_session.run()
    assert not [m.value for m in other_session.markdown if m.value.startswith("result:")]


def test_a_waiting_job_shows_its_place_and_can_be_cancelled():
    pool = jobs.default_pool()
    release = threading.Event()
    blockers = [pool.submit(lambda progress: release.wait(30), label="busy") for _ in range(pool.max_workers)]
    try:
        app = AppTest.from_function(_live_job_page, default_timeout=10)
        app.run()
        app.button(key="job::demo::start").click().run()
        waiting = [box.value for box in app.info if "Waiting for a free worker" in box.value]
        assert waiting and "place **1** in the queue" in waiting[0]
        app.button(key="job::demo::stop").click().run()
        assert "Cancelled before it started." in [c.value for c in app.caption]
        assert not [m.value for m in app.markdown if m.value.startswith("result:")]
        assert not app.exception
    finally:
        release.set()
        for blocker in blockers:
            blocker.wait(30)
