"""The coursework tables (SQLAlchemy ORM): courses, students, and what each student did.

    courses ──< students ──< attempts        (every checked answer: problem, value given, correct, time)
                        ├──< lesson_visits   (a lesson page opened, once per browser session)
                        └──< trained_models  (kind, settings and test errors of a model; never the weights)

Students have no password: a student is identified by a random resume token that only they hold. The
database keeps its SHA-256 digest (``token_digest``), so a copy of the database opens no one's record.
Every text column has a bound length, checked in Python before writing (SQLite does not enforce it).
The schema is created and changed only by the versioned migrations in ``migrations/versions``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Longest stored texts (characters). Longer input is refused (names, titles) or cut (answers).
MAX_TITLE = 120
MAX_NAME = 80
MAX_CODE = 32
MAX_LESSON = 64
MAX_PROBLEM = 64
MAX_ANSWER = 60  # = nnpes_core.practice.MAX_ANSWER_LENGTH, the answer field's own limit
MAX_MODEL_KIND = 32
MAX_JSON = 4000  # settings and test errors of a trained model, as JSON text
DIGEST = 64  # hex SHA-256


class Base(DeclarativeBase):
    pass


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(MAX_CODE))  # shown to the instructor, handed to the class
    code_digest: Mapped[str] = mapped_column(String(DIGEST), unique=True)  # looked up by digest
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    students: Mapped[list[Student]] = relationship(back_populates="course", passive_deletes=True)


class Student(Base):
    __tablename__ = "students"
    # one record per name in a course: typing a name that exists does not open that record
    __table_args__ = (UniqueConstraint("course_id", "name_key", name="uq_students_course_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))  # as typed (a name or a student number)
    name_key: Mapped[str] = mapped_column(String(MAX_NAME))  # case- and space-folded, for uniqueness
    token_digest: Mapped[str] = mapped_column(String(DIGEST), unique=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    course: Mapped[Course] = relationship(back_populates="students")


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (Index("ix_attempts_lesson_problem", "lesson", "problem"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    lesson: Mapped[str] = mapped_column(String(MAX_LESSON))  # lesson slug, e.g. "01_born_oppenheimer"
    problem: Mapped[str] = mapped_column(String(MAX_PROBLEM))  # problem id in the lesson's problems file
    answer: Mapped[str] = mapped_column(String(MAX_ANSWER))  # the value given, as typed
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LessonVisit(Base):
    __tablename__ = "lesson_visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    lesson: Mapped[str] = mapped_column(String(MAX_LESSON))
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TrainedModel(Base):
    __tablename__ = "trained_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(MAX_MODEL_KIND))  # "bp", "equivariant", ..., "surface"
    settings: Mapped[dict] = mapped_column(JSON)  # dataset, alpha, beta, dtype, ...: scalars only
    test_errors: Mapped[dict] = mapped_column(JSON)  # e.g. {"energy_mae": ..., "force_mae": ...}
    trained_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
