"""Instructor page: shows nothing without the instructor key (and says how to set it); with it, creates a
course code, shows per student x lesson and per problem what the class did, exports CSV, archives,
deletes a student's record and resets the course. On SQLite and a real PostgreSQL."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import run
from nnpes_core import coursework as cw

PAGE = str(Path(__file__).resolve().parents[1] / "app" / "pages" / "90_Instructor.py")
KEY = "a long instructor phrase for the tests"
L1 = "01_born_oppenheimer"


@pytest.fixture
def db(coursework_url, monkeypatch):
    monkeypatch.setenv("NNPES_DATABASE_URL", coursework_url)
    monkeypatch.setenv("NNPES_INSTRUCTOR_KEY", KEY)
    return cw.open_database(coursework_url)


def signed_in_page() -> AppTest:
    app = run(AppTest.from_file(PAGE, default_timeout=60))
    app.text_input(key="instructor_key_given").set_value(KEY)
    return run(app)


def button(app: AppTest, label: str):
    (found,) = [b for b in app.button if b.label == label]
    return found


def test_without_an_instructor_key_the_page_says_how_to_set_it_and_shows_nothing(monkeypatch, tmp_path):
    monkeypatch.delenv("NNPES_INSTRUCTOR_KEY", raising=False)
    monkeypatch.setenv("NNPES_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    app = run(AppTest.from_file(PAGE, default_timeout=60))
    assert any("NNPES_INSTRUCTOR_KEY" in info.value for info in app.info)
    assert not app.main.text_input and not app.dataframe and not app.get("download_button")
    assert not (tmp_path / "unused.sqlite3").exists()


def test_a_wrong_key_shows_nothing(db):
    app = run(AppTest.from_file(PAGE, default_timeout=60))
    cw.create_course(db, "Secret class")
    app.text_input(key="instructor_key_given").set_value(KEY[:-1] + "X")
    run(app, allow_errors=True)
    assert [e.value for e in app.error] == ["That is not the instructor key."]
    assert not app.selectbox and not app.dataframe and "Secret class" not in str(app.main)


def test_the_instructor_creates_a_course_and_sees_what_the_class_did(db):
    app = signed_in_page()
    assert any("No course yet" in info.value for info in app.info)
    (title,) = [t for t in app.text_input if t.label == "Course title"]
    title.set_value("NN-PES winter term")
    run(button(app, "Create a course code").click())
    (created,) = [s.value for s in app.success if "Code for the class" in s.value]
    code = created.split("`")[1]
    ada = cw.join_course(db, code, "Ada").token
    bob = cw.join_course(db, code, "Bob").token
    for token, answers in ((ada, [("0.5 Å", False), ("0.741 Å", True)]), (bob, [("0.5 Å", False)])):
        for answer, correct in answers:
            cw.record_attempt(db, token, L1, "h2-bond-length", answer, correct)
    cw.record_visit(db, bob, "02_symmetries")

    run(app)
    assert "NN-PES winter term" in app.selectbox(key="instructor_course").format_func(code)
    class_table, problem_table = app.dataframe[0].value, app.dataframe[1].value
    assert class_table.loc["Ada", "1. Born-Oppenheimer surfaces"] == "1 solved / 2"
    assert class_table.loc["Bob", "2. Symmetries"] == "opened"
    (row,) = problem_table.to_dict("records")
    assert row["students tried"] == 2 and row["solved"] == "50 %"
    assert row["most common wrong answers"] == "0.5 Å (×2)"
    assert [b.proto.label for b in app.get("download_button")] == [
        "⬇️ Every answer (CSV)", "⬇️ Student x lesson summary (CSV)"]


def test_archive_delete_a_student_and_reset_from_the_page(db):
    course = cw.create_course(db, "Term")
    ada = cw.join_course(db, course.code, "Ada").token
    cw.join_course(db, course.code, "Bob")
    cw.record_attempt(db, ada, L1, "p1", "1", True)
    app = signed_in_page()

    run(button(app, "Archive this course").click())
    assert any("archived" in w.value for w in app.warning)
    with pytest.raises(cw.CourseArchived):
        cw.record_attempt(db, ada, L1, "p1", "2", True)
    run(button(app, "Take out of the archive").click())

    students = dict(cw.students(db, course.code))
    ada_id = next(sid for sid, name in students.items() if name == "Ada")
    run(app.selectbox(key="instructor_student").set_value(ada_id))
    run(button(app, "New resume link for this student").click())
    (new_link,) = [c.value for c in app.code if "?student=" in c.value]
    new_token = new_link.split("?student=")[1]
    assert cw.resume(db, new_token).name == "Ada"
    with pytest.raises(cw.CourseworkError):
        cw.resume(db, ada)

    run(app.checkbox(key="instructor_confirm_delete").check())
    run(button(app, "Delete this student's record").click())
    assert any("Ada's record was deleted" in s.value for s in app.success)
    assert [name for _, name in cw.students(db, course.code)] == ["Bob"]

    run(app.checkbox(key="instructor_confirm_reset").check())
    run(button(app, "Reset the course").click())
    assert any("1 student record(s) removed" in s.value for s in app.success)
    assert cw.students(db, course.code) == []


def test_the_key_and_the_database_can_come_from_streamlit_secrets(coursework_url, monkeypatch):
    monkeypatch.delenv("NNPES_INSTRUCTOR_KEY", raising=False)
    monkeypatch.delenv("NNPES_DATABASE_URL", raising=False)
    cw.create_course(cw.open_database(coursework_url), "Configured in secrets.toml")
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.secrets["instructor_key"] = KEY
    app.secrets["database_url"] = coursework_url
    run(app)
    app.text_input(key="instructor_key_given").set_value(KEY)
    run(app)
    assert "Configured in secrets.toml" in app.selectbox(key="instructor_course").format_func(
        app.selectbox(key="instructor_course").value)
