"""Home page: runs cleanly, lists every lesson, shows the device, and switches to lecture mode."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import run, texts
from nnpes_core import course

HOME = str(Path(__file__).resolve().parents[1] / "app" / "Home.py")


@pytest.fixture
def home() -> AppTest:
    return run(AppTest.from_file(HOME, default_timeout=60))


def _texts(app: AppTest) -> str:
    """The markdown and captions, and the page links (their label and target) of the lesson map."""
    return "\n".join([texts(app)] + [str(link.proto) for link in app.get("page_link")])


def test_home_runs_without_exception_and_shows_the_course(home):
    assert "NN-PES Lab" in home.title[0].value
    assert "potential energy surface" in _texts(home)
    assert home.get("iframe"), "the water molecule viewer is missing"


def test_the_lesson_map_lists_every_lesson_with_its_part(home):
    text = _texts(home)
    for lesson in course.load_index():
        assert f"{lesson.number}. {lesson.title}" in text
        assert lesson.summary in text
    assert [h.value for h in home.subheader] == ["Principles", "Applications"]


def test_lessons_without_a_page_are_marked_coming(home):
    text = _texts(home)
    for lesson in course.load_index():
        if not lesson.is_available():
            assert f"{lesson.number}. {lesson.title} · *coming*" in text


def test_home_says_where_models_compute(home):
    assert any("GPU" in c.value for c in home.caption)


def test_lecture_mode_switch_shortens_the_text(home):
    assert "In this course you build" in _texts(home)
    home.sidebar.toggle(key="lecture_mode").set_value(True).run()
    assert not home.exception
    assert home.session_state["lecture_mode"] is True
    text = _texts(home)
    assert "In this course you build" not in text
    assert "Every number here is computed live" in text
    home.sidebar.toggle(key="lecture_mode").set_value(False).run()
    assert "In this course you build" in _texts(home)
