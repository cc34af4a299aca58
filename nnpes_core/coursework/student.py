"""A student's side: join a course, come back with a resume link, record what they do, read it back.

A student joins with the course code and a name (or student number) and gets a resume token; every
later call carries that token and touches only the record it opens. Typing someone else's name opens
nothing: a name that is taken is refused, and a record is opened only by its token.

    enrolment = join_course(db, "NNPES-7KQ4-M2XD", "Ada Lovelace")  # enrolment.token: keep it
    record_attempt(db, enrolment.token, "01_born_oppenheimer", "h2-bond-length", "0.74 Å", True)
    progress = my_progress(db, enrolment.token)   # progress.solved("01_born_oppenheimer") == 1
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nnpes_core.coursework import tables
from nnpes_core.coursework.database import Database
from nnpes_core.coursework.errors import CourseArchived, CourseworkError
from nnpes_core.coursework.security import (
    bounded, bounded_mapping, digest, name_key, new_resume_token, normalise_code, same_secret,
)
from nnpes_core.coursework.tables import Attempt, Course, LessonVisit, Student, TrainedModel

UNKNOWN_LINK = ("This resume link opens no record: it was mistyped, the record was deleted, or the course "
                "was reset. Join the course again.")


@dataclass(frozen=True)
class Enrolment:
    """A student in a course, and the resume token that proves it (shown to the student once)."""
    token: str
    name: str
    course_title: str
    archived: bool = False


@dataclass
class ProblemProgress:
    attempts: int = 0
    solved: bool = False
    last_answer: str = ""


@dataclass
class Progress:
    """What one student has done: problems (lesson -> problem id -> progress), lessons visited (lesson
    -> last visit, UTC), models trained (newest last; kind, settings, test errors, time)."""
    name: str
    course_title: str
    problems: dict[str, dict[str, ProblemProgress]] = field(default_factory=dict)
    lessons_visited: dict[str, datetime] = field(default_factory=dict)
    models: list[dict] = field(default_factory=list)

    def solved(self, lesson: str) -> int:
        return sum(p.solved for p in self.problems.get(lesson, {}).values())

    def attempted(self, lesson: str) -> int:
        return sum(p.attempts > 0 for p in self.problems.get(lesson, {}).values())


def utc(moment: datetime | None = None) -> datetime:
    """``moment`` (now if None) as an aware UTC datetime; SQLite hands back naive UTC datetimes."""
    moment = moment or datetime.now(timezone.utc)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def find_course(session: Session, code: str) -> Course | None:
    """The course whose code is ``code`` (case and spacing ignored), found by digest and checked in
    constant time."""
    wanted = digest(normalise_code(code))
    course = session.scalar(select(Course).where(Course.code_digest == wanted))
    return course if course is not None and same_secret(course.code_digest, wanted) else None


def _student(session: Session, token: str, *, writing: bool) -> Student:
    """The student that ``token`` opens (and, when ``writing``, whose course still takes records)."""
    wanted = digest(str(token))
    student = session.scalar(select(Student).where(Student.token_digest == wanted))
    if student is None or not same_secret(student.token_digest, wanted):
        raise CourseworkError(UNKNOWN_LINK)
    if writing and student.course.archived_at is not None:
        raise CourseArchived(f"The course “{student.course.title}” is archived: progress is no longer saved.")
    return student


def _enrolment(student: Student, token: str) -> Enrolment:
    return Enrolment(token, student.name, student.course.title, student.course.archived_at is not None)


def join_course(db: Database, code: str, name: str) -> Enrolment:
    """Join the course with ``code`` as ``name`` (a name or a student number); returns the enrolment
    with a new resume token. Refuses an unknown code, an archived course, and a name already taken."""
    name = bounded(name, tables.MAX_NAME, "name or student number")
    token = new_resume_token()
    taken = (f"“{name}” has already joined this course. Open your resume link to continue; if you lost it, "
             "your instructor can make a new one.")
    try:
        with db.transaction() as session:
            course = find_course(session, code)
            if course is None:
                raise CourseworkError("No course has this code; check it with your instructor.")
            if course.archived_at is not None:
                raise CourseArchived(f"The course “{course.title}” is archived and takes no new students.")
            key = name_key(name)
            if session.scalar(select(Student.id).where(Student.course_id == course.id, Student.name_key == key)):
                raise CourseworkError(taken)
            student = Student(course=course, name=name, name_key=key, token_digest=digest(token), joined_at=utc())
            session.add(student)
            session.flush()
            return _enrolment(student, token)
    except IntegrityError:  # the same name joined from two browsers at the same moment
        raise CourseworkError(taken) from None


def resume(db: Database, token: str) -> Enrolment:
    """The enrolment that a resume token opens; CourseworkError when it opens none."""
    with db.transaction() as session:
        return _enrolment(_student(session, token, writing=False), token)


def record_attempt(db: Database, token: str, lesson: str, problem: str, answer: str, correct: bool,
                   at: datetime | None = None) -> None:
    """Store one checked answer (the value as typed, cut to 60 characters) at time ``at`` (now)."""
    row = dict(lesson=bounded(lesson, tables.MAX_LESSON, "lesson"), problem=bounded(problem, tables.MAX_PROBLEM,
               "problem id"), answer=bounded(answer or "(empty)", tables.MAX_ANSWER, "answer", cut=True),
               correct=bool(correct), answered_at=utc(at))
    with db.transaction() as session:
        session.add(Attempt(student_id=_student(session, token, writing=True).id, **row))


def record_visit(db: Database, token: str, lesson: str, at: datetime | None = None) -> None:
    """Store that the student opened the page of ``lesson`` at time ``at`` (now)."""
    lesson = bounded(lesson, tables.MAX_LESSON, "lesson")
    with db.transaction() as session:
        session.add(LessonVisit(student_id=_student(session, token, writing=True).id, lesson=lesson,
                                visited_at=utc(at)))


def record_model(db: Database, token: str, kind: str, settings: dict, test_errors: dict,
                 at: datetime | None = None) -> None:
    """Store a trained model's kind, settings (dataset, α, β, dtype, ...) and test errors; not its weights."""
    row = dict(kind=bounded(kind, tables.MAX_MODEL_KIND, "model kind"),
               settings=bounded_mapping(settings, tables.MAX_JSON, "settings"),
               test_errors=bounded_mapping(test_errors, tables.MAX_JSON, "test errors"), trained_at=utc(at))
    with db.transaction() as session:
        session.add(TrainedModel(student_id=_student(session, token, writing=True).id, **row))


def my_progress(db: Database, token: str) -> Progress:
    """Everything the student with ``token`` has done, read back from the database."""
    with db.transaction() as session:
        student = _student(session, token, writing=False)
        progress = Progress(student.name, student.course.title)
        attempts = session.execute(select(Attempt.lesson, Attempt.problem, Attempt.answer, Attempt.correct)
                                   .where(Attempt.student_id == student.id).order_by(Attempt.answered_at, Attempt.id))
        for lesson, problem, answer, correct in attempts:
            record = progress.problems.setdefault(lesson, {}).setdefault(problem, ProblemProgress())
            record.attempts += 1
            record.solved = record.solved or correct
            record.last_answer = answer
        for lesson, visited_at in session.execute(select(LessonVisit.lesson, LessonVisit.visited_at)
                                                  .where(LessonVisit.student_id == student.id)
                                                  .order_by(LessonVisit.visited_at)):
            progress.lessons_visited[lesson] = utc(visited_at)
        for model in session.scalars(select(TrainedModel).where(TrainedModel.student_id == student.id)
                                     .order_by(TrainedModel.trained_at, TrainedModel.id)):
            progress.models.append({"kind": model.kind, "settings": model.settings,
                                    "test_errors": model.test_errors, "trained_at": utc(model.trained_at)})
        return progress
