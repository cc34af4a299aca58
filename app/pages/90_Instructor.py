"""Instructor: create a course code, see the class (per student x lesson, per problem), export CSV,
reset or archive a course, delete a student's record. Guarded by the instructor key."""
from __future__ import annotations

import time

import pandas as pd
import streamlit as st

import classroom
import resources
import ui
from nnpes_core import coursework

ui.page_setup("Instructor", "🧑‍🏫")

configured_key = classroom.instructor_key()
if not configured_key:
    st.info("The instructor view is switched off: no instructor key is set. Set one for the server, e.g. "
            "`NNPES_INSTRUCTOR_KEY=<a long random phrase>` in its environment, or `instructor_key = \"...\"` in "
            "`.streamlit/secrets.toml`, and restart it. Students' progress is stored in "
            "`NNPES_DATABASE_URL` (PostgreSQL) or an SQLite file; see the README, *Serving a class*.")
    st.stop()

given_key = st.text_input("Instructor key", type="password", key="instructor_key_given")
if not coursework.instructor_key_matches(given_key, configured_key):
    if given_key:
        time.sleep(1.0)  # a wrong key costs a second: guessing is slow
        st.error("That is not the instructor key.")
    st.stop()

database = classroom.database()
titles = {lesson.slug: f"{lesson.number}. {lesson.title}" for lesson in resources.lessons()}

with st.form("instructor_create", border=True):
    st.subheader("New course")
    title = st.text_input("Course title", max_chars=120, placeholder="NN-PES, winter term")
    if st.form_submit_button("Create a course code"):
        try:
            created = coursework.create_course(database, title)
            st.success(f"Course **{created.title}** created. Code for the class: **`{created.code}`**")
        except (coursework.CourseworkError, coursework.DatabaseUnavailable) as error:
            ui.show_error(error)

try:
    courses = coursework.list_courses(database)
except coursework.DatabaseUnavailable as error:
    ui.show_error(error)
    st.stop()
if not courses:
    st.info("No course yet: create one above and give its code to the class.")
    st.stop()

by_code = {course.code: course for course in courses}
code = st.selectbox("Course", list(by_code), key="instructor_course", format_func=lambda c: (
    f"{by_code[c].title} · {c} · {by_code[c].students} student{'' if by_code[c].students == 1 else 's'}"
    f"{' · archived' if by_code[c].archived else ''}"))
course = by_code[code]
if done := st.session_state.pop("instructor_done", None):
    st.success(done)
if course.archived:
    st.warning("This course is archived: students cannot join or save anything new; its records can be read "
               "and exported.")

try:
    summary = coursework.class_summary(database, code)
    problems = coursework.problem_summary(database, code)
    roster = coursework.students(database, code)
except coursework.DatabaseUnavailable as error:
    ui.show_error(error)
    st.stop()

class_tab, problem_tab, export_tab, manage_tab = st.tabs(["Class", "Problems", "Export", "Manage"])

with class_tab:
    st.caption("Per student and lesson: problems solved / answers checked; “opened” = visited, nothing answered.")
    if summary:
        cells = pd.DataFrame([{"student": row.student, "lesson": titles.get(row.lesson, row.lesson),
                               "cell": f"{row.solved} solved / {row.attempts}" if row.attempts else "opened"}
                              for row in summary])
        table = cells.pivot_table(index="student", columns="lesson", values="cell", aggfunc="first").fillna("")
        st.dataframe(table, width="stretch")
    else:
        st.info(f"{len(roster)} student(s) joined; no lesson opened or answer checked yet.")

with problem_tab:
    if problems:
        st.dataframe(pd.DataFrame([{
            "lesson": titles.get(p.lesson, p.lesson), "problem": p.problem, "students tried": p.students_tried,
            "solved": f"{100 * p.share_solved:.0f} %", "answers checked": p.attempts,
            "most common wrong answers": "; ".join(f"{answer} (×{count})" for answer, count in p.common_wrong_answers),
        } for p in problems]), hide_index=True, width="stretch")
    else:
        st.info("No answer checked yet.")

with export_tab:
    slug = "".join(c if c.isalnum() else "_" for c in course.title)[:40]
    st.download_button("⬇️ Every answer (CSV)", coursework.export_csv(database, code, "attempts"),
                       file_name=f"{slug}_answers.csv", mime="text/csv", key="instructor_csv_attempts")
    st.download_button("⬇️ Student x lesson summary (CSV)", coursework.export_csv(database, code, "summary"),
                       file_name=f"{slug}_summary.csv", mime="text/csv", key="instructor_csv_summary")

with manage_tab:
    try:
        if st.button("Take out of the archive" if course.archived else "Archive this course", key="instructor_archive"):
            coursework.archive_course(database, code, archived=not course.archived)
            st.rerun()
        st.divider()
        names = dict(roster)
        student = st.selectbox("Student", list(names), format_func=names.get, index=None, key="instructor_student")
        if student is not None:
            if st.button("New resume link for this student", key="instructor_new_link",
                         help="For a student who lost theirs; the old link stops working."):
                token = coursework.new_resume_link_token(database, code, student)
                st.code(classroom.resume_link(token, page="Instructor"), language=None, wrap_lines=True)
            if st.checkbox(f"Yes, delete everything {names[student]} recorded", key="instructor_confirm_delete"):
                if st.button("Delete this student's record", key="instructor_delete", type="primary"):
                    coursework.delete_student(database, code, student)
                    st.session_state["instructor_done"] = f"{names[student]}'s record was deleted."
                    st.rerun()
        st.divider()
        if st.checkbox("Yes, remove every student of this course and all they recorded (the code stays)",
                       key="instructor_confirm_reset"):
            if st.button("Reset the course", key="instructor_reset", type="primary"):
                removed = coursework.reset_course(database, code)
                st.session_state["instructor_done"] = f"Reset: {removed} student record(s) removed."
                st.rerun()
    except (coursework.CourseworkError, coursework.DatabaseUnavailable) as error:
        ui.show_error(error)
