"""Coursework storage (nnpes_core.coursework) on a real SQLite file and a real PostgreSQL server: a
student's record opens only with their resume token, progress is read back exactly, the instructor's
summaries count what was answered, deleting a student leaves nothing behind, every stored value is bounded."""
from __future__ import annotations

import csv
import io
import threading

import pytest
from sqlalchemy import func, inspect, select

from nnpes_core import coursework as cw
from nnpes_core.coursework import tables

L1, L2 = "01_born_oppenheimer", "02_symmetries"


@pytest.fixture
def db(coursework_url):
    return cw.open_database(coursework_url)


@pytest.fixture
def course(db):
    return cw.create_course(db, "NN-PES test term")


def test_a_student_joins_with_the_course_code_and_gets_a_resume_token(db, course):
    assert course.code.startswith("NNPES-") and len(course.code) == 15
    typed = course.code.lower().replace("-", " ")  # read off a slide: case and dashes do not matter
    ada = cw.join_course(db, typed, "  Ada   Lovelace ")
    assert ada.name == "Ada Lovelace" and ada.course_title == "NN-PES test term"
    assert len(ada.token) >= 32
    assert cw.resume(db, ada.token) == ada


def test_typing_someone_elses_name_does_not_open_their_record(db, course):
    ada = cw.join_course(db, course.code, "Ada Lovelace")
    cw.record_attempt(db, ada.token, L1, "h2-bond-length", "0.74 Å", True)
    with pytest.raises(cw.CourseworkError, match="already joined"):
        cw.join_course(db, course.code, "ada  LOVELACE")
    with pytest.raises(cw.CourseworkError, match="opens no record"):
        cw.my_progress(db, "guessed-" + ada.token[8:])
    with pytest.raises(cw.CourseworkError, match="No course"):
        cw.join_course(db, "NNPES-AAAA-AAAA", "Eve")


def test_progress_follows_the_token_every_attempt_visit_and_model(db, course):
    token = cw.join_course(db, course.code, "s1234567").token
    cw.record_visit(db, token, L1)
    cw.record_attempt(db, token, L1, "h2-bond-length", "0.9 Å", False)
    cw.record_attempt(db, token, L1, "h2-bond-length", "74 pm", True)
    cw.record_attempt(db, token, L1, "well-depth", "C", False)
    cw.record_model(db, token, "bp", {"dataset": "water B3LYP (50 structures)", "alpha": 1.0, "beta": 10.0},
                    {"energy_mae": 0.8, "force_mae": 41.5})
    progress = cw.my_progress(db, cw.resume(db, token).token)  # e.g. on another device
    assert progress.solved(L1) == 1 and progress.attempted(L1) == 2
    bond = progress.problems[L1]["h2-bond-length"]
    assert (bond.attempts, bond.solved, bond.last_answer) == (2, True, "74 pm")
    assert list(progress.lessons_visited) == [L1]
    (model,) = progress.models
    assert model["kind"] == "bp" and model["settings"]["beta"] == 10.0
    assert model["test_errors"] == {"energy_mae": 0.8, "force_mae": 41.5}


def test_a_student_reads_and_writes_only_their_own_record(db, course):
    ada = cw.join_course(db, course.code, "Ada").token
    bob = cw.join_course(db, course.code, "Bob").token
    cw.record_attempt(db, ada, L1, "p1", "1", True)
    cw.record_attempt(db, bob, L2, "p2", "2", False)
    assert set(cw.my_progress(db, ada).problems) == {L1}
    assert set(cw.my_progress(db, bob).problems) == {L2}


def test_class_summary_counts_problems_solved_and_attempts_per_student_and_lesson(db, course):
    ada = cw.join_course(db, course.code, "Ada").token
    bob = cw.join_course(db, course.code, "Bob").token
    for problem, answer, correct in [("p1", "1", False), ("p1", "2", True), ("p1", "2", True), ("p2", "x", True)]:
        cw.record_attempt(db, ada, L1, problem, answer, correct)
    cw.record_attempt(db, bob, L1, "p1", "1", False)
    cw.record_visit(db, bob, L2)
    other = cw.create_course(db, "another class")  # its students never appear in this course's summary
    cw.record_attempt(db, cw.join_course(db, other.code, "Ada").token, L1, "p1", "2", True)
    cells = {(row.student, row.lesson): (row.solved, row.attempts, row.visited)
             for row in cw.class_summary(db, course.code)}
    assert cells == {("Ada", L1): (2, 4, False), ("Bob", L1): (0, 1, False), ("Bob", L2): (0, 0, True)}


def test_problem_summary_gives_the_share_solved_and_the_most_common_wrong_answers(db, course):
    answers = {"Ada": [("0.5", False), ("0.74", True)], "Bob": [("0.5", False), ("1.0", False)],
               "Cy": [("0.5", False)], "Di": [("0.74", True)]}
    for name, given in answers.items():
        token = cw.join_course(db, course.code, name).token
        for answer, correct in given:
            cw.record_attempt(db, token, L1, "h2-bond-length", answer, correct)
    (stats,) = cw.problem_summary(db, course.code)
    assert (stats.students_tried, stats.students_solved, stats.attempts) == (4, 2, 6)
    assert stats.share_solved == pytest.approx(0.5)
    assert stats.common_wrong_answers == [("0.5", 3), ("1.0", 1)]


def test_csv_export_has_every_answer_and_defuses_spreadsheet_formulas(db, course):
    token = cw.join_course(db, course.code, '=HYPERLINK("http://evil","x")').token
    cw.record_attempt(db, token, L1, "p1", "-1.16 Eh", True)
    cw.record_attempt(db, token, L1, "p1", "@SUM(A1)", False)
    header, *rows = csv.reader(io.StringIO(cw.export_csv(db, course.code)))
    assert header == ["student", "lesson", "problem", "answer", "correct", "answered_at_utc"]
    assert len(rows) == 2
    assert all(row[0] == "'" + '=HYPERLINK("http://evil","x")' for row in rows)  # text, not a formula
    assert [row[3] for row in rows] == ["-1.16 Eh", "'@SUM(A1)"]  # a negative number stays a number
    assert [row[4] for row in rows] == ["True", "False"]
    summary = cw.export_csv(db, course.code, "summary").splitlines()
    assert summary[0] == "student,lesson,problems_solved,attempts,visited" and summary[1].endswith(",1,2,False")


def _rows_of(db, student_name: str) -> int:
    with db.transaction() as session:
        ids = select(tables.Student.id).where(tables.Student.name == student_name)
        return sum(session.scalar(select(func.count()).select_from(table).where(table.student_id.in_(ids)))
                   for table in (tables.Attempt, tables.LessonVisit, tables.TrainedModel)) + \
            session.scalar(select(func.count()).select_from(tables.Student).where(tables.Student.name == student_name))


def test_deleting_a_student_removes_everything_they_recorded(db, course):
    ada = cw.join_course(db, course.code, "Ada").token
    bob = cw.join_course(db, course.code, "Bob").token
    for token in (ada, bob):
        cw.record_attempt(db, token, L1, "p1", "1", True)
        cw.record_visit(db, token, L1)
        cw.record_model(db, token, "bp", {"alpha": 1}, {"force_mae": 1.0})
    assert _rows_of(db, "Ada") == 4
    (ada_id,) = [sid for sid, name in cw.students(db, course.code) if name == "Ada"]
    cw.delete_student(db, course.code, ada_id)
    assert _rows_of(db, "Ada") == 0 and _rows_of(db, "Bob") == 4
    assert "Ada" not in cw.export_csv(db, course.code)
    with pytest.raises(cw.CourseworkError):
        cw.my_progress(db, ada)
    with pytest.raises(cw.CourseworkError, match="No such student"):
        cw.delete_student(db, course.code, ada_id)


def test_archiving_stops_new_records_but_keeps_them_readable_and_reset_empties_the_course(db, course):
    token = cw.join_course(db, course.code, "Ada").token
    cw.record_attempt(db, token, L1, "p1", "1", True)
    cw.archive_course(db, course.code)
    assert [c.archived for c in cw.list_courses(db)] == [True]
    with pytest.raises(cw.CourseArchived):
        cw.record_attempt(db, token, L1, "p1", "2", True)
    with pytest.raises(cw.CourseArchived):
        cw.join_course(db, course.code, "Bob")
    assert cw.my_progress(db, token).solved(L1) == 1 and "Ada" in cw.export_csv(db, course.code)
    cw.archive_course(db, course.code, archived=False)
    assert cw.reset_course(db, course.code) == 1
    assert cw.class_summary(db, course.code) == [] and cw.students(db, course.code) == []
    assert cw.join_course(db, course.code, "Ada").name == "Ada"  # the same code, a fresh start


def test_a_new_resume_link_replaces_the_lost_one(db, course):
    old = cw.join_course(db, course.code, "Ada").token
    cw.record_attempt(db, old, L1, "p1", "1", True)
    (ada_id,) = [sid for sid, _ in cw.students(db, course.code)]
    new = cw.new_resume_link_token(db, course.code, ada_id)
    assert cw.my_progress(db, new).solved(L1) == 1
    with pytest.raises(cw.CourseworkError):
        cw.resume(db, old)


def test_every_stored_value_is_bounded_and_input_is_data_not_sql(db, course):
    with pytest.raises(cw.CourseworkError, match="too long"):
        cw.join_course(db, course.code, "x" * (tables.MAX_NAME + 1))
    with pytest.raises(cw.CourseworkError, match="empty"):
        cw.join_course(db, course.code, " \t\n")
    bobby = "Robert'); DROP TABLE students;--"
    token = cw.join_course(db, course.code, bobby).token
    cw.record_attempt(db, token, L1, "p1", "9" * 500, False)
    cw.record_model(db, token, "bp", {f"setting{i}": "v" * 500 for i in range(100)}, {"force_mae": float("inf")})
    progress = cw.my_progress(db, token)
    assert progress.name == bobby  # stored verbatim as a value
    assert len(progress.problems[L1]["p1"].last_answer) == tables.MAX_ANSWER
    (model,) = progress.models
    assert len(model["settings"]) == 24 and all(len(v) == 100 for v in model["settings"].values())
    assert model["test_errors"] == {"force_mae": None}
    assert {"students", "attempts"} <= set(inspect(db.engine).get_table_names())


def test_codes_and_tokens_are_stored_only_as_digests(db, course):
    token = cw.join_course(db, course.code, "Ada").token
    with db.transaction() as session:
        stored = [str(value) for row in session.execute(select(tables.Student)).scalars()
                  for value in (row.name, row.token_digest)]
    assert token not in " ".join(stored)
    assert cw.security.digest(token) in stored


def test_the_instructor_key_must_be_configured_and_match():
    assert cw.instructor_key_matches("correct horse", "correct horse")
    assert not cw.instructor_key_matches("correct hors", "correct horse")
    assert not cw.instructor_key_matches("", "")
    assert not cw.instructor_key_matches("anything", None)


def test_many_threads_recording_at_once_lose_nothing(db, course):
    """Streamlit runs each browser session in its own thread: one pooled engine serves them all."""
    tokens = [cw.join_course(db, course.code, f"student {i}").token for i in range(6)]
    errors = []

    def answer(token: str) -> None:
        try:
            for number in range(15):
                cw.record_attempt(db, token, L1, f"p{number % 3}", str(number), number % 2 == 0)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=answer, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(row.attempts for row in cw.class_summary(db, course.code)) == 6 * 15
