"""Coursework for a class: students' saved progress and the instructor's view (no Streamlit here).

    db = open_database()                          # NNPES_DATABASE_URL, or an SQLite file; migrated
    course = create_course(db, "NN-PES 2026")     # course.code: hand it to the class
    me = join_course(db, course.code, "s1234567") # me.token: the student's resume link
    record_attempt(db, me.token, "01_born_oppenheimer", "h2-bond-length", "0.74 Å", correct=True)
    my_progress(db, me.token).solved("01_born_oppenheimer")   # 1
    class_summary(db, course.code); problem_summary(db, course.code); export_csv(db, course.code)

Modules: tables (the schema), migrations/ (its versions, run by the app), database (one pooled engine
per process), security (codes, tokens, constant-time checks, bounded text), student, instructor.
"""
from nnpes_core.coursework.database import Database, database_url, open_database, upgrade_schema
from nnpes_core.coursework.errors import CourseArchived, CourseworkError, DatabaseUnavailable
from nnpes_core.coursework.instructor import (
    CourseInfo, ProblemStats, StudentLesson, archive_course, class_summary, create_course, delete_student,
    export_csv, list_courses, new_resume_link_token, problem_summary, reset_course, students,
)
from nnpes_core.coursework.security import instructor_key_matches
from nnpes_core.coursework.student import (
    Enrolment, Progress, join_course, my_progress, record_attempt, record_model, record_visit, resume,
)

__all__ = [
    "CourseArchived", "CourseInfo", "CourseworkError", "Database", "DatabaseUnavailable", "Enrolment",
    "ProblemStats", "Progress", "StudentLesson", "archive_course", "class_summary", "create_course",
    "database_url", "delete_student", "export_csv", "instructor_key_matches", "join_course", "list_courses",
    "my_progress", "new_resume_link_token", "open_database", "problem_summary", "record_attempt",
    "record_model", "record_visit", "reset_course", "resume", "students", "upgrade_schema",
]
