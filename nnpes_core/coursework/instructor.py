"""The instructor's side: create a course code, see the class, export it, reset, archive, delete.

The instructor page checks the instructor key before it calls anything here. Courses are named by
their code (found by digest, compared in constant time), students by their id within that course.

- class_summary: per student x lesson, problems solved and answers checked (and whether visited);
- problem_summary: per problem, the share of the students who tried it that solved it, and the
  most common wrong answers (what students actually typed: a misconception shows up as a cluster);
- export_csv: every answer, one row each (or the summary), for a spreadsheet.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, distinct, func, select
from sqlalchemy.orm import Session

from nnpes_core.coursework import tables
from nnpes_core.coursework.database import Database
from nnpes_core.coursework.errors import CourseworkError
from nnpes_core.coursework.security import bounded, digest, new_course_code, new_resume_token
from nnpes_core.coursework.student import find_course, utc
from nnpes_core.coursework.tables import Attempt, Course, LessonVisit, Student, TrainedModel


@dataclass(frozen=True)
class CourseInfo:
    code: str
    title: str
    created_at: datetime
    archived: bool
    students: int


@dataclass(frozen=True)
class StudentLesson:
    """One cell of the class table: a student's work on one lesson."""
    student_id: int
    student: str
    lesson: str
    solved: int  # distinct problems answered correctly at least once
    attempts: int  # answers checked (right or wrong)
    visited: bool


@dataclass(frozen=True)
class ProblemStats:
    lesson: str
    problem: str
    students_tried: int
    students_solved: int
    attempts: int
    common_wrong_answers: list[tuple[str, int]]  # (answer as typed, how many times), most common first

    @property
    def share_solved(self) -> float:
        """Solved / tried (0 when nobody tried)."""
        return self.students_solved / self.students_tried if self.students_tried else 0.0


def _course(session: Session, code: str) -> Course:
    course = find_course(session, code)
    if course is None:
        raise CourseworkError("No course has this code.")
    return course


def _info(course: Course, students: int) -> CourseInfo:
    return CourseInfo(course.code, course.title, utc(course.created_at), course.archived_at is not None, students)


def create_course(db: Database, title: str) -> CourseInfo:
    """A new course with a fresh random code (hand the code to the class)."""
    title = bounded(title, tables.MAX_TITLE, "course title")
    with db.transaction() as session:
        for _ in range(5):  # 40 random bits: a clash is rare, but the code must be unique
            code = new_course_code()
            if find_course(session, code) is None:
                break
        course = Course(code=code, code_digest=digest(code), title=title, created_at=utc())
        session.add(course)
        session.flush()
        return _info(course, 0)


def list_courses(db: Database) -> list[CourseInfo]:
    """Every course, newest first, with its number of students."""
    with db.transaction() as session:
        counts = dict(session.execute(select(Student.course_id, func.count()).group_by(Student.course_id)).all())
        courses = session.scalars(select(Course).order_by(Course.created_at.desc(), Course.id.desc()))
        return [_info(course, counts.get(course.id, 0)) for course in courses]


def students(db: Database, code: str) -> list[tuple[int, str]]:
    """(id, name) of the course's students, by name."""
    with db.transaction() as session:
        course = _course(session, code)
        return [(sid, name) for sid, name in session.execute(
            select(Student.id, Student.name).where(Student.course_id == course.id).order_by(Student.name_key))]


def class_summary(db: Database, code: str) -> list[StudentLesson]:
    """Per student x lesson (that the student visited or answered in): problems solved and attempts."""
    with db.transaction() as session:
        course = _course(session, code)
        solved = func.count(distinct(case((Attempt.correct, Attempt.problem))))
        answered = session.execute(
            select(Student.id, Student.name, Attempt.lesson, solved, func.count(Attempt.id))
            .join(Attempt, Attempt.student_id == Student.id).where(Student.course_id == course.id)
            .group_by(Student.id, Student.name, Attempt.lesson)).all()
        visited = {(sid, lesson) for sid, lesson in session.execute(
            select(Student.id, LessonVisit.lesson).join(LessonVisit, LessonVisit.student_id == Student.id)
            .where(Student.course_id == course.id).distinct())}
        names = dict(session.execute(select(Student.id, Student.name).where(Student.course_id == course.id)).all())
    rows = {(sid, lesson): StudentLesson(sid, name, lesson, n_solved, n_attempts, (sid, lesson) in visited)
            for sid, name, lesson, n_solved, n_attempts in answered}
    for sid, lesson in visited - set(rows):
        rows[sid, lesson] = StudentLesson(sid, names[sid], lesson, 0, 0, True)
    return sorted(rows.values(), key=lambda row: (row.student.casefold(), row.student_id, row.lesson))


def problem_summary(db: Database, code: str, wrong_answers: int = 3) -> list[ProblemStats]:
    """Per problem that someone answered: who tried, who solved, and the ``wrong_answers`` most
    common wrong answers."""
    with db.transaction() as session:
        course = _course(session, code)
        in_course = Attempt.student_id.in_(select(Student.id).where(Student.course_id == course.id))
        per_problem = session.execute(
            select(Attempt.lesson, Attempt.problem, func.count(distinct(Attempt.student_id)),
                   func.count(distinct(case((Attempt.correct, Attempt.student_id)))), func.count(Attempt.id))
            .where(in_course).group_by(Attempt.lesson, Attempt.problem).order_by(Attempt.lesson, Attempt.problem)
        ).all()
        wrong = session.execute(
            select(Attempt.lesson, Attempt.problem, Attempt.answer, func.count(Attempt.id))
            .where(in_course, Attempt.correct.is_(False))
            .group_by(Attempt.lesson, Attempt.problem, Attempt.answer)).all()
    counted: dict[tuple[str, str], Counter] = {}
    for lesson, problem, answer, count in wrong:
        counted.setdefault((lesson, problem), Counter())[answer] = count
    return [ProblemStats(lesson, problem, tried, solved, attempts,
                         sorted(counted.get((lesson, problem), Counter()).items(),
                                key=lambda item: (-item[1], item[0]))[:wrong_answers])
            for lesson, problem, tried, solved, attempts in per_problem]


def _spreadsheet_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula (=, +, -, @ first, and not a number) gets a
    leading apostrophe: a student's "name" must not become a formula on the instructor's computer."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(value.split()[0])
        except (ValueError, IndexError):
            return "'" + value
    return value


def export_csv(db: Database, code: str, what: str = "attempts") -> str:
    """The course as CSV text: ``"attempts"`` (every checked answer, one row each) or ``"summary"``
    (student x lesson: solved, attempts, visited)."""
    output = io.StringIO()
    writer = csv.writer(output)
    if what == "summary":
        writer.writerow(["student", "lesson", "problems_solved", "attempts", "visited"])
        rows = [(r.student, r.lesson, r.solved, r.attempts, r.visited) for r in class_summary(db, code)]
    elif what == "attempts":
        writer.writerow(["student", "lesson", "problem", "answer", "correct", "answered_at_utc"])
        with db.transaction() as session:
            course = _course(session, code)
            rows = [(name, lesson, problem, answer, correct, utc(at).isoformat(timespec="seconds"))
                    for name, lesson, problem, answer, correct, at in session.execute(
                        select(Student.name, Attempt.lesson, Attempt.problem, Attempt.answer, Attempt.correct,
                               Attempt.answered_at).join(Attempt, Attempt.student_id == Student.id)
                        .where(Student.course_id == course.id).order_by(Attempt.answered_at, Attempt.id))]
    else:
        raise CourseworkError(f"Unknown export {what!r}: choose 'attempts' or 'summary'.")
    for row in rows:
        writer.writerow([_spreadsheet_safe(value) for value in row])
    return output.getvalue()


def _delete_students(session: Session, student_ids) -> int:
    """Delete students and everything they recorded (explicitly, whatever the foreign-key settings)."""
    for table in (Attempt, LessonVisit, TrainedModel):
        session.execute(delete(table).where(table.student_id.in_(student_ids)))
    return session.execute(delete(Student).where(Student.id.in_(student_ids))).rowcount


def delete_student(db: Database, code: str, student_id: int) -> None:
    """Remove a student's record and all they recorded (their resume link then opens nothing)."""
    with db.transaction() as session:
        course = _course(session, code)
        if not _delete_students(session, select(Student.id).where(Student.id == int(student_id),
                                                                  Student.course_id == course.id)):
            raise CourseworkError("No such student in this course.")


def reset_course(db: Database, code: str) -> int:
    """Empty the course for a new start under the same code: every student and all they recorded is
    removed. Returns the number of students removed."""
    with db.transaction() as session:
        course = _course(session, code)
        return _delete_students(session, select(Student.id).where(Student.course_id == course.id))


def archive_course(db: Database, code: str, archived: bool = True) -> None:
    """Archive the course (no new students, nothing new recorded; records kept to read and export),
    or take it out of the archive."""
    with db.transaction() as session:
        course = _course(session, code)
        course.archived_at = utc() if archived else None


def new_resume_link_token(db: Database, code: str, student_id: int) -> str:
    """A new resume token for a student who lost theirs; the old one stops working."""
    token = new_resume_token()
    with db.transaction() as session:
        course = _course(session, code)
        student = session.scalar(select(Student).where(Student.id == int(student_id), Student.course_id == course.id))
        if student is None:
            raise CourseworkError("No such student in this course.")
        student.token_digest = digest(token)
    return token
