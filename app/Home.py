"""Home: what the course is, the map of lessons, the device in use, and the practice problems."""
from __future__ import annotations

import streamlit as st
from ase.build import molecule

import resources
import ui
from nnpes_core import course, practice

ui.page_setup("NN-PES Lab", "⚛️")

text, viewer = st.columns([3, 2], gap="large")
with text:
    ui.render_lesson("00_home", "intro")
    ui.device_indicator()
with viewer:
    water = molecule("H2O")
    water.rotate(90, "y")  # ASE builds it in the yz plane; turn it to face the viewer
    ui.molecule_viewer(water, labels=True, zoom=1.5,
                       caption="Water, H₂O: drag to rotate, scroll to zoom.")

ui.render_lesson("00_home", "organisation")

try:
    lessons = resources.lessons()
except course.CourseFileError as error:
    ui.show_error(error, "Lesson map")
    st.stop()

st.header("Map of the lessons")
for part in ("Principles", "Applications"):
    in_part = [lesson for lesson in lessons if lesson.part == part]
    if not in_part:
        continue
    st.subheader(part)
    for lesson in in_part:
        label = f"{lesson.number}. {lesson.title}"
        if lesson.is_available():
            st.page_link(f"pages/{lesson.page}", label=label, icon=":material/menu_book:")
        else:
            st.markdown(f":material/schedule: {label} · *coming*")
        st.caption(lesson.summary)

st.header("Hands-on: practice problems")
rows = []
for lesson in lessons:
    try:
        count = len(practice.problems_for(lesson.slug))
    except practice.ProblemFileError as error:
        ui.show_error(error, f"Practice problems of lesson {lesson.number}")
        continue
    if count and lesson.is_available():
        rows.append((lesson, count))
if not rows:
    ui.show_error("No practice problems found: the lessons' problem files (lessons/*.problems.toml) are missing.")
for lesson, count in rows:
    solved, _ = ui.practice_progress(lesson.slug)
    st.page_link(f"pages/{lesson.page}", icon=":material/edit_note:",
                 label=f"Lesson {lesson.number}: {count} problems ({solved} solved) at the end of the page")
