"""The class on a page (app/classroom.py through ui.page_setup and ui.practice_section), on SQLite and
a real PostgreSQL: anonymous use stores nothing; joining gives a resume link that brings the progress
back in a new session; visits and trained models are recorded; a stopped (or locked) database never
breaks the page, and the answers given meanwhile are written when it is back."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

import classroom
from apptest_helpers import check, run
from nnpes_core import coursework as cw
from nnpes_core.coursework.tables import Attempt

ROOT = Path(__file__).resolve().parents[1]
SLUG = "02_symmetries"  # the test page is saved as 02_Symmetries.py: a visit to lesson 2
PAGE = f'''
import streamlit as st

import resources
import ui
from nnpes_core.practice import load_problems

ui.page_setup("Symmetries", "🔄")
if st.button("Train a model"):  # what lesson 4 does when a training run ends
    resources.add_session_model("#1 bp on water", None, kind="bp", dataset="water B3LYP (50 structures)",
                                alpha=1.0, beta=10.0, dtype="float32",
                                metrics={{"energy_mae": 0.9, "force_mae": 41.0}})
problems = load_problems({str(ROOT / "tests" / "data" / "sample.problems.toml")!r})
ui.practice_section({SLUG!r}, {{"r_min": 0.735}}, problems=problems)
'''


@pytest.fixture
def page_file(tmp_path) -> Path:
    path = tmp_path / "pages" / "02_Symmetries.py"
    path.parent.mkdir()
    path.write_text(PAGE, encoding="utf-8")
    return path


@pytest.fixture
def db(coursework_url, monkeypatch):
    monkeypatch.setenv("NNPES_DATABASE_URL", coursework_url)
    monkeypatch.setattr(classroom, "RETRY_AFTER_S", 0.0)  # the tests bring the database back at once
    return cw.open_database(coursework_url)


def open_page(page_file: Path, token: str | None = None) -> AppTest:
    """A new browser session on the test page (with ``?student=<token>`` when given)."""
    app = AppTest.from_file(str(page_file), default_timeout=60)
    if token:
        app.query_params[classroom.QUERY_PARAM] = token
    return run(app, allow_errors=True)


def join(app: AppTest, code: str, name: str) -> AppTest:
    app.text_input(key="classroom_code").set_value(code)
    app.text_input(key="classroom_name").set_value(name)
    (button,) = [b for b in app.button if b.label == "Join the course"]
    return run(button.click(), allow_errors=True)


def score(app: AppTest) -> str:
    return [m.value for m in app.metric if m.label.startswith("Your")][0]


def test_anonymous_use_stores_nothing(page_file, tmp_path, monkeypatch):
    path = tmp_path / "never-made.sqlite3"
    monkeypatch.setenv("NNPES_DATABASE_URL", f"sqlite:///{path}")
    app = open_page(page_file)
    check(app, SLUG, "h2-bond-length", "0.741 Å", allow_errors=True)
    assert "1 / 4 solved" in score(app)
    assert [m.label for m in app.metric] == ["Your score this session"]
    assert not path.exists()  # no database was even opened
    assert classroom.QUERY_PARAM not in app.query_params


def test_joining_gives_a_resume_link_that_brings_the_progress_back(db, page_file):
    course = cw.create_course(db, "Term test")
    app = join(open_page(page_file), course.code, "Ada Lovelace")
    token = app.query_params[classroom.QUERY_PARAM]
    assert any(f"?student={token}" in code.value for code in app.sidebar.code)  # shown once, to copy
    assert "Ada Lovelace" in " ".join(c.value for c in app.sidebar.caption)
    check(app, SLUG, "pes-kinetic", "A", allow_errors=True)
    check(app, SLUG, "h2-bond-length", "74.1 pm", allow_errors=True)
    (train,) = [b for b in app.button if b.label == "Train a model"]
    run(train.click(), allow_errors=True)

    again = open_page(page_file, token)  # a reload, or another device
    assert "Ada Lovelace" in " ".join(c.value for c in again.sidebar.caption)
    assert not again.sidebar.code  # the link is shown only once
    assert "1 / 4 solved" in score(again) and "2 of 4 problems attempted" in again.metric[0].help
    progress = cw.my_progress(db, token)
    assert progress.problems[SLUG]["pes-kinetic"].last_answer == "A"
    assert list(progress.lessons_visited) == [SLUG]  # once per session, not once per click
    (model,) = progress.models
    assert model["kind"] == "bp" and model["settings"]["beta"] == 10.0 and model["test_errors"]["force_mae"] == 41.0
    assert len(cw.class_summary(db, course.code)) == 1


def test_another_students_name_and_a_dead_link_open_nothing(db, page_file):
    course = cw.create_course(db, "Term test")
    ada = cw.join_course(db, course.code, "Ada")
    app = join(open_page(page_file), course.code, "ada")
    assert any("already joined" in e.value for e in app.sidebar.error)
    assert classroom.QUERY_PARAM not in app.query_params
    (ada_id,) = [sid for sid, _ in cw.students(db, course.code)]
    cw.delete_student(db, course.code, ada_id)
    app = open_page(page_file, ada.token)
    assert any("opens no record" in e.value for e in app.sidebar.error)
    assert classroom.QUERY_PARAM not in app.query_params  # signed out: the page works anonymously


@contextmanager
def database_down(url: str, request):
    """A real outage: PostgreSQL stopped, or the SQLite file locked by another writer."""
    if url.startswith("postgresql"):
        server = request.getfixturevalue("postgres")
        server.stop()
        try:
            yield
        finally:
            server.restart()
    else:
        blocker = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            blocker.execute("COMMIT")
            blocker.close()


def test_a_database_outage_never_breaks_the_page_and_answers_are_saved_when_it_returns(
        db, coursework_url, page_file, monkeypatch, request):
    monkeypatch.setattr(cw.database, "SQLITE_BUSY_TIMEOUT_S", 0.3)
    cw.database.forget_database(coursework_url)  # a new engine with the short busy timeout
    db = cw.open_database(coursework_url)
    course = cw.create_course(db, "Term test")
    app = join(open_page(page_file), course.code, "Ada")
    token = app.query_params[classroom.QUERY_PARAM]
    check(app, SLUG, "pes-kinetic", "A", allow_errors=True)
    with database_down(coursework_url, request):
        before = datetime.now(timezone.utc)
        check(app, SLUG, "h2-bond-length", "0.741 Å", allow_errors=True)
        assert any("Correct" in s.value for s in app.success)  # grading works as before
        assert any("Not saved yet" in c.value for c in app.caption)
        run(app, allow_errors=True)  # any click: the page says it, in one line
        (warning,) = [w.value for w in app.warning if "not being saved" in w.value]
        assert "1 item wait" in warning
        assert "1 / 4 solved" in score(app)
        assert not app.exception
        down_until = datetime.now(timezone.utc)
    run(app, allow_errors=True)
    assert not [w for w in app.warning if "not being saved" in w.value]
    assert any("is back" in s.value for s in app.sidebar.success)
    assert app.session_state[classroom.PENDING_KEY] == []
    progress = cw.my_progress(db, token)
    assert progress.problems[SLUG]["h2-bond-length"].solved
    with db.transaction() as session:
        answered_at = session.scalar(select(Attempt.answered_at).where(Attempt.problem == "h2-bond-length"))
    assert before <= cw.student.utc(answered_at) <= down_until  # stored with the time it was given


def test_opening_a_resume_link_while_the_database_is_down_signs_in_when_it_returns(
        postgres_coursework_url, page_file, request, monkeypatch):
    monkeypatch.setenv("NNPES_DATABASE_URL", postgres_coursework_url)
    monkeypatch.setattr(classroom, "RETRY_AFTER_S", 0.0)
    db = cw.open_database(postgres_coursework_url)
    course = cw.create_course(db, "Term test")
    token = cw.join_course(db, course.code, "Ada").token
    with database_down(postgres_coursework_url, request):
        app = open_page(page_file, token)
        assert any("not being saved" in w.value for w in app.warning)
        check(app, SLUG, "pes-kinetic", "C", allow_errors=True)
        assert any("Correct" in s.value for s in app.success)
    run(app, allow_errors=True)
    assert "Ada" in " ".join(c.value for c in app.sidebar.caption)
    assert cw.my_progress(db, token).solved(SLUG) == 1
    assert "1 / 4 solved" in score(app)
