"""Shared widgets for every page: thin wiring from Streamlit to nnpes_core.

A page reads like this::

    import ui
    ui.page_setup("Born-Oppenheimer surfaces", "⚛️")
    ui.render_lesson("01_born_oppenheimer", "intro")
    ui.plot(figure)                                   # any plotly figure, course style applied
    ui.molecule_viewer(atoms, forces=forces)          # 3-D viewer, drag to rotate
    ui.practice_section("01_born_oppenheimer", {"h2_bond_length": r_eq})
"""
from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Mapping

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from ase import Atoms

import classroom
from nnpes_core import course, jobs, practice
from nnpes_core.viz.molecule import molecule_html, viewer_height
from nnpes_core.viz.style import axes_without_units, style_figure

logger = logging.getLogger("nnpes.app")

LECTURE_KEY = "lecture_mode"
PRACTICE_KEY = "practice_progress"  # {slug: {problem_id: {"attempts": int, "solved": bool}}}

# Projector mode: larger body text so the back row can read it.
_LECTURE_CSS = """<style>
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li { font-size: 1.3rem; }
[data-testid="stMainBlockContainer"] .katex { font-size: 1.25em; }
[data-testid="stMainBlockContainer"] [data-testid="stMetricValue"] p { font-size: 2.6rem; }
</style>"""


_startup_frozen = False


def _freeze_startup_objects() -> None:
    """Once per server process: take what the imports made (torch, plotly, streamlit, ASE: about half a
    million objects that live as long as the server) out of Python's cyclic garbage collector. Otherwise
    every few reruns a full collection walks all of them: 0.2 s of CPU in the middle of a slider move
    (measured on page 2: one such pause per 8 reruns, 0.25 s of collection in all; frozen: 0.03 s)."""
    global _startup_frozen
    if not _startup_frozen:
        _startup_frozen = True
        gc.collect()  # what is garbage now is freed, not frozen
        gc.freeze()


def page_setup(title: str, icon: str = "⚛️") -> None:
    """First call on every page: page config, the title, and the sidebar (lecture mode, device, class
    sign-in; a signed-in student's visit to a lesson is recorded)."""
    _freeze_startup_objects()
    st.set_page_config(page_title=f"{title} · NN-PES Lab", page_icon=icon, layout="wide")
    with st.sidebar:
        st.toggle(
            "Lecture mode",
            key=LECTURE_KEY,
            persist_state="session",  # the switch keeps its position across pages
            bind="query-params",  # ...and in the URL (?lecture_mode=true), so a lecturer can bookmark it
            help="Short text, large figures and fonts, presets that finish in seconds.",
        )
        device_indicator()
        classroom.sidebar(classroom.calling_page_file())
    if lecture_mode():
        st.html(_LECTURE_CSS)
    st.title(f"{icon} {title}")
    classroom.notice()  # one line while a signed-in student's progress cannot be saved


def lecture_mode() -> bool:
    """True when the lecturer has switched lecture mode on (short text, large figures, fast presets)."""
    return bool(st.session_state.get(LECTURE_KEY, False))


@st.cache_resource(show_spinner=False)
def device_info() -> dict:
    """Where torch computes: {"cuda": bool, "name": str, "threads": int} (once per server process)."""
    import torch

    cuda = torch.cuda.is_available()
    name = torch.cuda.get_device_name(0) if cuda else "CPU"
    return {"cuda": cuda, "name": name, "threads": torch.get_num_threads()}


def device_indicator() -> None:
    """One line saying whether models train on a GPU or on the CPU (and how many CPU threads)."""
    info = device_info()
    if info["cuda"]:
        st.caption(f"🟢 GPU in use: **{info['name']}**")
    else:
        threads = info["threads"]
        st.caption(f"⚪ No GPU: computing on the CPU · {threads} thread{'s' if threads != 1 else ''}")


def show_error(error: BaseException | str, context: str | None = None) -> None:
    """A clear one-line error in the page (never a traceback); the traceback goes to the server log."""
    if isinstance(error, BaseException):
        logger.warning("shown to the user: %s", error, exc_info=error)
        message = str(error) or type(error).__name__
        if not isinstance(error, (ValueError, KeyError, FileNotFoundError, course.CourseFileError)):
            message = f"{type(error).__name__}: {message}"
    else:
        message = str(error)
    st.error(f"{context}: {message}" if context else message, icon="⚠️")


def render_lesson(slug: str, section: str | None = None, heading: bool = True) -> None:
    """Render lesson text lessons/<slug>.md (one section, or all); short version in lecture mode."""
    try:
        text = course.lesson_markdown(slug, section, lecture=lecture_mode(), heading=heading)
    except course.CourseFileError as error:
        show_error(error, "Lesson text")
        return
    st.markdown(text)


def plot(fig: go.Figure, height: int | None = None, key: str | None = None) -> None:
    """Show a plotly figure in the course style, full width; taller in lecture mode."""
    style_figure(fig, lecture=lecture_mode(), height=height)
    if missing := axes_without_units(fig):
        logger.warning("axis titles without a unit (use nnpes_core.viz.axis_title): %s", missing)
    st.plotly_chart(fig, theme=None, width="stretch", key=key,
                    config={"displaylogo": False, "toImageButtonOptions": {"format": "svg"}})


def molecule_viewer(atoms: Atoms, *, height: int | None = None, caption: str | None = None, **options) -> None:
    """An interactive 3-D view of ``atoms``; options as nnpes_core.viz.molecule.molecule_html
    (forces, forces_2, force_scale, atom_values, cutoff_sphere, labels, frames, ...)."""
    height = height or (560 if lecture_mode() else 380)
    try:
        html = molecule_html(atoms, height=height, **options)
    except ValueError as error:
        show_error(error, "Molecule viewer")
        return
    st.iframe(html, height=viewer_height(height, options.get("atom_values")),
              alt=caption or "3-D molecule viewer")
    if caption:
        st.caption(caption)


def vector_text(values, digits: int = 3) -> str:
    """A vector as "(+0.123, -1.000, +0.000)": signed, fixed digits, no "-0.000"."""
    values = np.atleast_1d(np.asarray(values, dtype=float))
    values = np.where(np.abs(values) < 0.5 * 10.0**-digits, 0.0, values)
    return "(" + ", ".join(f"{v:+.{digits}f}" for v in values) + ")"


def metric_vs(column, label: str, value: float, reference: float, unit: str, digits: int,
              reference_name: str = "reference") -> None:
    """A metric with its difference to a reference value underneath (not coloured: neither is "good")."""
    separator = "" if unit == "°" else " "
    column.metric(label, f"{value:.{digits}f}{separator}{unit}",
                  delta=f"{value - reference:+.{digits}f}{separator}{unit} vs {reference_name}", delta_color="off")


# --- long work: the server's job pool ----------------------------------------------------------------

# How often a job's box is redrawn (a fragment rerun: the server runs the box's code, the browser draws it).
# A running job shows progress and live curves; a waiting one only its place, which changes when a job
# ahead ends: polling it slower matters when a class waits in the queue (30 students at 0.5 s were 60
# reruns per second on a 2-core server).
JOB_POLL_RUNNING_S = 1.0
JOB_POLL_WAITING_S = 2.0


def session_id() -> str:
    """An id of this browser session (the owner recorded on its jobs)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    return context.session_id if context is not None else "no-session"


def live_job(key: str, label: str, work: Callable[[jobs.Progress], object], *, start: bool = False,
             disabled: bool = False, help: str | None = None, button_type: str = "secondary",
             show_progress: Callable[[jobs.Job], None] | None = None) -> jobs.Job | None:
    """A button that runs ``work(progress)`` in the server's bounded job pool (nnpes_core.jobs).

    While the job waits it shows its place in the queue; while it runs, a progress bar (and whatever
    ``show_progress(job)`` draws, e.g. live loss curves) and a Stop button: the work then returns what it
    has. ``start=True`` starts it without a click (a lecture preset). The job lives in this session only.

    Returns the finished Job (``job.result`` is what ``work`` returned; ``job.status`` is "done" or
    "stopped"), or None: not started, still running, cancelled, or failed (shown as one line).
    """
    state_key = f"job::{key}"
    job: jobs.Job | None = st.session_state.get(state_key)
    busy = job is not None and not job.finished
    pressed = st.button(label, key=f"{state_key}::start", disabled=disabled or busy, help=help, type=button_type)
    if (pressed or start) and not busy and not disabled:
        job = jobs.default_pool().submit(work, label=label, owner=session_id())
        st.session_state[state_key] = job
    if job is None:
        return None
    if not job.finished:
        waiting = job.queue_position() is not None
        every = JOB_POLL_WAITING_S if waiting else JOB_POLL_RUNNING_S
        st.fragment(run_every=every)(_watch_job)(job, state_key, show_progress, waiting)
        return None
    if job.status == jobs.FAILED:
        show_error(job.error or "the job failed", label.strip("▶️ ").strip())
        return None
    if job.status == jobs.CANCELLED:
        st.caption("Cancelled before it started.")
        return None
    return job


def finished_job(key: str) -> jobs.Job | None:
    """The finished ("done" or "stopped") job of ``live_job(key, ...)`` in this session, or None."""
    job = st.session_state.get(f"job::{key}")
    return job if job is not None and job.status in (jobs.DONE, jobs.STOPPED) else None


def _watch_job(job: jobs.Job, state_key: str, show_progress: Callable[[jobs.Job], None] | None,
               was_waiting: bool) -> None:
    """The job's box, run as a fragment every JOB_POLL_WAITING_S / JOB_POLL_RUNNING_S seconds; a full
    page rerun when the job starts (the box then polls at the running rate) and when it ends."""
    position = job.queue_position()
    if job.finished or (was_waiting and position is None):
        st.rerun()
    if position is not None:
        counts = job.pool.counts()
        st.info(f"⏳ Waiting for a free worker: place **{position}** in the queue "
                f"({counts['running']} of {counts['workers']} workers busy on this server, "
                f"waited {job.queue_wait:.0f} s).")
        stop_label = "✖️ Cancel"
    else:
        progress = job.progress
        text = progress.message or f"Running… {job.run_time:.0f} s"
        if progress.fraction is None:
            st.caption(f"⏳ {text}")
        else:
            st.progress(progress.fraction, text=text)
        if show_progress is not None:
            show_progress(job)
        stop_label = "⏹️ Stop (keep what is done)"
    if st.button(stop_label, key=f"{state_key}::stop", disabled=job.progress.stop_requested):
        job.cancel()
        st.rerun()  # show it at once, not at the next poll


# --- practice problems ----------------------------------------------------------------------------

def practice_progress(slug: str) -> tuple[int, int]:
    """(solved, attempted) problems of lesson ``slug`` in this session."""
    progress = st.session_state.get(PRACTICE_KEY, {}).get(slug, {})
    return sum(p["solved"] for p in progress.values()), sum(p["attempts"] > 0 for p in progress.values())


def _expected(problem: practice.Problem, computed_values: Mapping | None) -> float | None:
    if problem.kind != "computed" or not computed_values:
        return None
    value = computed_values.get(problem.key)
    return value() if callable(value) else value


def _practice_problem(slug: str, number: int, problem: practice.Problem, expected: float | None) -> None:
    key = f"practice::{slug}::{problem.id}"
    progress = st.session_state.setdefault(PRACTICE_KEY, {}).setdefault(slug, {})
    record = progress.setdefault(problem.id, {"attempts": 0, "solved": False, "result": None})
    with st.container(border=True):
        with st.form(key=f"{key}::form", border=False):
            st.markdown(f"**Problem {number}.** {problem.prompt}")
            if problem.kind == "choice":
                letters = [chr(ord("A") + i) for i in range(len(problem.options))]
                labels = dict(zip(letters, problem.options))
                answer = st.radio("Your answer", letters, index=None, key=f"{key}::answer",
                                  format_func=lambda letter: f"{letter}. {labels[letter]}")
            else:
                unit = f" in {problem.unit}" if problem.unit else ""
                if problem.kind == "computed":
                    unit += " (compute it above)"
                answer = st.text_input(f"Your answer{unit}", key=f"{key}::answer",
                                       placeholder=f"e.g. 1.23 {problem.unit}".strip(),
                                       max_chars=practice.MAX_ANSWER_LENGTH)
            checked = st.form_submit_button("Check")
        if checked:
            result = practice.grade(problem, answer or "", expected=expected)
            record["result"] = result
            if result.valid:
                record["attempts"] += 1
                record["solved"] = record["solved"] or result.correct
                classroom.record_attempt(slug, problem.id, answer or "", result.correct)  # signed in: saved
        result = record["result"]
        if result is not None:
            (st.success if result.correct else st.warning if result.valid else st.info)(result.message)
            if checked and classroom.waiting():
                st.caption("💾 Not saved yet (the course database cannot be reached): kept in this session.")
        with st.expander("Hint"):
            st.markdown(problem.hint)
        if record["attempts"] > 0:  # the worked solution only after a real attempt
            with st.expander("Worked solution", expanded=not record["solved"] and record["attempts"] >= 2):
                st.markdown(problem.solution)
                st.caption(f"Accepted answer: {practice.format_answer(problem, expected)}")


def practice_section(slug: str, computed_values: Mapping[str, float | Callable[[], float] | None] | None = None,
                     *, problems: list[practice.Problem] | None = None) -> None:
    """The lesson's practice problems with Check buttons, hints, worked solutions and the session score.

    ``computed_values`` maps a computed problem's ``key`` to the value the page computed (or a
    function returning it); a missing value asks the student to compute it first.
    """
    st.header("Practice problems")
    try:
        problems = practice.problems_for(slug) if problems is None else problems
    except practice.ProblemFileError as error:
        show_error(error, "Practice problems")
        return
    if not problems:
        st.info("No practice problems for this lesson yet.")
        return
    for number, problem in enumerate(problems, start=1):
        _practice_problem(slug, number, problem, _expected(problem, computed_values))
    classroom.record_session_models()  # a model this run trained (signed in: its settings are saved)
    solved, attempted = practice_progress(slug)
    st.metric("Your saved score" if classroom.enrolment() else "Your score this session",
              f"{solved} / {len(problems)} solved",
              help=f"{attempted} of {len(problems)} problems attempted")

