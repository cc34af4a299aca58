"""The class on every page: sign in to a course in the sidebar, saved progress, and the one-line notice
when progress cannot be saved. The storage itself is nnpes_core.coursework (no SQL here).

- A student joins with the course code and a name or student number and gets a **resume link**: the
  page URL with ``?student=<token>``. The token lives in the URL only (a query parameter), not in the
  browser's storage: on a shared lab computer the next person must not be signed in automatically.
  The link is shown once after joining; it stays in the address bar on every page of the session, so
  a bookmark or a copied link opens the same record on another device.
- Without signing in nothing is stored and the pages work as before.
- When the database cannot be reached, answers wait in the session (oldest first, with the time they
  were given) and are written when it is back; a line on the page says so. A record that no longer
  exists (deleted, course reset or archived) is told to the student, and what waited is dropped.
"""
from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from nnpes_core import coursework
from nnpes_core.coursework.student import utc

logger = logging.getLogger("nnpes.app")

QUERY_PARAM = "student"
TOKEN_KEY = "classroom_token"  # the signed-in student's resume token (verified or waiting to be)
ENROLMENT_KEY = "classroom_enrolment"  # coursework.Enrolment once the database confirmed the token
PENDING_KEY = "classroom_pending"  # [(kind, arguments)] waiting for the database, oldest first
FAILED_AT_KEY = "classroom_failed_at"  # time.monotonic() of the last failure to reach the database
MESSAGE_KEY = "classroom_message"  # (level, text) to show once on the next run
NEW_LINK_KEY = "classroom_new_link"  # the resume link, shown until the student has saved it
VISITED_KEY = "classroom_visited"  # lessons whose visit this session has recorded
MODELS_KEY = "classroom_models"  # names of this session's trained models already recorded
PRACTICE_KEY = "practice_progress"  # ui.PRACTICE_KEY: the practice widgets read progress from here
RETRY_AFTER_S = 10.0  # after a failure, try the database again at most this often (a slow timeout
#                      must not slow every click down)
_WRITERS = {"attempt": coursework.record_attempt, "visit": coursework.record_visit,
            "model": coursework.record_model}


# --- configuration ---------------------------------------------------------------------------------

def setting(env_name: str, secret_name: str) -> str | None:
    """An environment variable, else a Streamlit secret (.streamlit/secrets.toml), else None."""
    value = os.environ.get(env_name)
    if value:
        return value
    try:
        value = st.secrets.get(secret_name)
    except FileNotFoundError:  # no secrets.toml anywhere: that is fine
        return None
    return str(value) if value else None


def database() -> coursework.Database:
    """The process's coursework database: NNPES_DATABASE_URL / secret database_url, else SQLite."""
    return coursework.open_database(setting("NNPES_DATABASE_URL", "database_url"))


def instructor_key() -> str | None:
    """NNPES_INSTRUCTOR_KEY / secret instructor_key; None when the instructor page is switched off."""
    return setting("NNPES_INSTRUCTOR_KEY", "instructor_key")


# --- the signed-in student ---------------------------------------------------------------------------

def token() -> str | None:
    return st.session_state.get(TOKEN_KEY)


def enrolment() -> coursework.Enrolment | None:
    return st.session_state.get(ENROLMENT_KEY)


def waiting() -> int:
    """How many records of this session wait for the database."""
    return len(st.session_state.get(PENDING_KEY, []))


def _tell(level: str, text: str) -> None:
    st.session_state[MESSAGE_KEY] = (level, text)


def _unavailable(error: Exception) -> None:
    st.session_state[FAILED_AT_KEY] = time.monotonic()
    logger.warning("progress not saved: %s", error, exc_info=not isinstance(error, coursework.DatabaseUnavailable))


def _load_progress(progress: coursework.Progress) -> None:
    """Show the saved answers in the practice widgets of every page (replacing this session's)."""
    before = st.session_state.get(PRACTICE_KEY, {})  # keeps the feedback line of an answer just checked
    shown = {lesson: {problem: {"attempts": p.attempts, "solved": p.solved,
                                "result": before.get(lesson, {}).get(problem, {}).get("result")}
                      for problem, p in problems.items()}
             for lesson, problems in progress.problems.items()}
    for kind, arguments in st.session_state.get(PENDING_KEY, []):  # answers still waiting count too
        if kind == "attempt":
            record = shown.setdefault(arguments["lesson"], {}).setdefault(
                arguments["problem"], {"attempts": 0, "solved": False, "result": None})
            record["attempts"] += 1
            record["solved"] = record["solved"] or arguments["correct"]
    st.session_state[PRACTICE_KEY] = shown


def _confirm(resume_token: str) -> None:
    """Ask the database who ``resume_token`` is; load their progress. Outage: try again next run."""
    try:
        st.session_state[ENROLMENT_KEY] = coursework.resume(database(), resume_token)
        progress = coursework.my_progress(database(), resume_token)
    except (coursework.DatabaseUnavailable, SQLAlchemyError) as error:
        _unavailable(error)
        return
    except coursework.CourseworkError as error:
        sign_out()
        _tell("error", str(error))
        return
    st.session_state.pop(FAILED_AT_KEY, None)
    _load_progress(progress)
    # models trained before signing in stay unrecorded, like answers given before
    st.session_state[MODELS_KEY] = set(_session_models())


def sign_in(resume_token: str) -> None:
    """Sign this session in with a resume token (from the URL or from joining)."""
    st.session_state[TOKEN_KEY] = resume_token
    st.session_state.pop(ENROLMENT_KEY, None)
    st.session_state[PENDING_KEY] = []
    st.session_state[VISITED_KEY] = set()
    _confirm(resume_token)


def sign_out() -> None:
    """Forget the student in this session (nothing is deleted); the page is anonymous again."""
    for key in (TOKEN_KEY, ENROLMENT_KEY, PENDING_KEY, NEW_LINK_KEY, FAILED_AT_KEY, VISITED_KEY, MODELS_KEY):
        st.session_state.pop(key, None)
    st.session_state.pop(PRACTICE_KEY, None)
    if QUERY_PARAM in st.query_params:
        del st.query_params[QUERY_PARAM]


# --- writing, and the queue for when the database is away ---------------------------------------------

def _flush(force: bool = False) -> None:
    """Write what waits in the queue, oldest first; stop at the first outage."""
    pending = st.session_state.get(PENDING_KEY, [])
    failed_at = st.session_state.get(FAILED_AT_KEY)
    if not pending or (not force and failed_at is not None and time.monotonic() - failed_at < RETRY_AFTER_S):
        return
    if enrolment() is None:
        _confirm(token())
        if enrolment() is None:
            return
    was_waiting = failed_at is not None and len(pending)
    while pending:
        kind, arguments = pending[0]
        try:
            _WRITERS[kind](database(), token(), **arguments)
        except (coursework.DatabaseUnavailable, SQLAlchemyError) as error:  # SQLAlchemyError: e.g. a schema
            _unavailable(error)  # newer than this server's code; the lesson goes on, the record waits
            return
        except coursework.CourseworkError as error:  # record deleted, course archived: say it once
            answers = sum(kind == "attempt" for kind, _ in pending)
            _tell("error", f"{error} ({answers} answer{'s' if answers != 1 else ''} not saved.)")
            pending.clear()
            return
        pending.pop(0)
    st.session_state.pop(FAILED_AT_KEY, None)
    if was_waiting:
        _tell("success", f"The course database is back: saved the {was_waiting} item{'s' if was_waiting != 1 else ''} "
                         "that waited in this session.")


def _save(record: str, **arguments) -> None:
    """Queue one record ("attempt", "visit", "model") for the signed-in student, with the time it
    happened, and write the queue."""
    if token() is None:
        return
    st.session_state.setdefault(PENDING_KEY, []).append((record, {**arguments, "at": utc()}))
    _flush(force=len(st.session_state[PENDING_KEY]) == 1)


def record_attempt(lesson: str, problem: str, answer: str, correct: bool) -> None:
    """A checked answer of the signed-in student (nothing when anonymous)."""
    _save("attempt", lesson=lesson, problem=problem, answer=answer, correct=correct)


def _session_models() -> dict:
    import resources  # app/resources.py: the models trained in this session

    return resources.session_models()


def record_session_models() -> None:
    """Record the kind, settings and test errors of each model this session trained since signing in."""
    if token() is None:
        return
    recorded = st.session_state.setdefault(MODELS_KEY, set())
    for name, entry in list(_session_models().items()):
        if name in recorded:
            continue
        recorded.add(name)
        settings = {key: value for key, value in entry.items() if key not in ("model", "metrics", "kind")}
        _save("model", kind=str(entry.get("kind", "unknown")), settings={"name": name, **settings},
              test_errors=dict(entry.get("metrics") or {}))


def _lesson_of(page_file: str | None) -> str | None:
    """The slug of the lesson whose page is ``page_file`` (None for Home and other pages)."""
    if not page_file:
        return None
    import resources

    try:
        return next((lesson.slug for lesson in resources.lessons() if lesson.page == Path(page_file).name), None)
    except ValueError:  # an unreadable lessons/index.toml is reported by Home, not here
        return None


def calling_page_file() -> str | None:
    """The file of the page script that is running (the caller of ``ui.page_setup``)."""
    frame = sys._getframe(2)  # classroom.calling_page_file <- ui.page_setup <- the page script
    return frame.f_globals.get("__file__")


# --- what the page shows -------------------------------------------------------------------------------

def resume_link(resume_token: str, *, page: str | None = None) -> str:
    """The link that opens the record of ``resume_token``: this page's URL (or the app's, with the
    path of ``page`` taken off it) with ``?student=<token>``."""
    base = st.context.url or ""
    if page and base.rstrip("/").endswith("/" + page):
        base = base.rstrip("/")[: -len(page)]
    return f"{base}?{QUERY_PARAM}={resume_token}"


def _join_form() -> None:
    with st.expander("🎓 Class sign-in"):
        with st.form("classroom_join", border=False):
            code = st.text_input("Course code", max_chars=40, placeholder="NNPES-XXXX-XXXX", key="classroom_code")
            name = st.text_input("Your name or student number", max_chars=80, key="classroom_name")
            joined = st.form_submit_button("Join the course")
        st.caption("Joining saves your answers, the lessons you open and the models you train, so that you can "
                   "continue on any device. Answers given before you join are not saved. Without joining, "
                   "nothing is stored.")
        if joined:
            try:
                enrolled = coursework.join_course(database(), code, name)
            except coursework.DatabaseUnavailable:
                st.error("Cannot join now: the course database cannot be reached. Everything else works.")
                return
            except coursework.CourseworkError as error:
                st.error(str(error))
                return
            sign_in(enrolled.token)
            st.query_params[QUERY_PARAM] = enrolled.token
            st.session_state[NEW_LINK_KEY] = resume_link(enrolled.token)
            st.rerun()


def _signed_in_box() -> None:
    enrolled = enrolment()
    if enrolled is None:
        st.caption("🎓 Signed in; waiting for the course database to confirm who you are.")
    else:
        archived = " (archived: nothing new is saved)" if enrolled.archived else ""
        st.caption(f"🎓 **{enrolled.name}** · {enrolled.course_title}{archived}")
    link = st.session_state.get(NEW_LINK_KEY)
    if link:
        st.markdown("**Your resume link**: bookmark or copy it now. It opens your progress on any device and is "
                    "shown only this once; it is also in the address bar.")
        st.code(link, language=None, wrap_lines=True)
        if st.button("I have saved it", key="classroom_link_saved"):
            st.session_state.pop(NEW_LINK_KEY, None)
            st.rerun()
    if st.button("Sign out", key="classroom_sign_out", help="This browser forgets you; your record stays saved."):
        sign_out()
        st.rerun()


def sidebar(page_file: str | None) -> None:
    """In every page's sidebar: sign in from the URL, write what waits, record the visit, the widget."""
    in_url = st.query_params.get(QUERY_PARAM)
    if in_url and in_url != token():
        sign_in(in_url)
    elif token() and not in_url:
        st.query_params[QUERY_PARAM] = token()  # the resume link stays in the address bar on every page
    if token() is not None:
        _flush()
        lesson = _lesson_of(page_file)
        visited = st.session_state.setdefault(VISITED_KEY, set())
        if lesson and lesson not in visited:
            visited.add(lesson)
            _save("visit", lesson=lesson)
        record_session_models()
    message = st.session_state.pop(MESSAGE_KEY, None)
    if message:
        getattr(st, message[0])(message[1])
    if token() is None:
        _join_form()
    else:
        _signed_in_box()


def notice() -> None:
    """One line on the page while the signed-in student's progress cannot be saved."""
    if token() is None:
        return
    count = waiting()
    if count or st.session_state.get(FAILED_AT_KEY) is not None:
        st.warning(f"Progress is not being saved right now: the course database cannot be reached. "
                   f"{count} item{'s' if count != 1 else ''} wait in this session and are saved when it is back; "
                   "everything else works.", icon="💾")
