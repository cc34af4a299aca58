"""The course map and the lesson text format: sections, lecture/full blocks, index validation."""
from __future__ import annotations

import pytest

from nnpes_core import course

LESSON = """# A lesson title

Intro paragraph with $E_0(\\mathbf{R})$.

## Clamped nuclei

Shown in both modes.

<!-- full -->
Long derivation, only in the full text.
<!-- /full -->

<!-- lecture -->
One line for the projector.
<!-- /lecture -->

```python
## not a heading: inside a code block
```

## The PES surface {#pes}

$$
E_0 = \\min_\\Psi \\langle \\Psi | H | \\Psi \\rangle
$$
"""


def test_a_lesson_is_cut_at_its_level_two_headings():
    sections = course.split_sections(LESSON)
    assert [s.key for s in sections] == ["intro", "clamped-nuclei", "pes"]
    assert sections[1].heading == "Clamped nuclei"
    assert "## not a heading" in sections[1].body
    assert "A lesson title" not in "".join(s.body for s in sections)


def test_lecture_mode_drops_full_blocks_and_shows_lecture_blocks():
    body = course.split_sections(LESSON)[1].body
    full, short = course.for_mode(body, lecture=False), course.for_mode(body, lecture=True)
    assert "Long derivation" in full and "One line for the projector" not in full
    assert "Long derivation" not in short and "One line for the projector" in short
    assert "Shown in both modes" in full and "Shown in both modes" in short
    assert "<!--" not in full + short


def test_lesson_markdown_picks_one_section_and_keeps_latex(tmp_path):
    (tmp_path / "01_test.md").write_text(LESSON, encoding="utf-8")
    text = course.lesson_markdown("01_test", "pes", lessons_dir=tmp_path)
    assert text.startswith("## The PES surface\n") and "{#pes}" not in text
    assert "$$\nE_0 = \\min_\\Psi" in text
    whole = course.lesson_markdown("01_test", lessons_dir=tmp_path)
    assert "Intro paragraph" in whole and "## Clamped nuclei" in whole
    with pytest.raises(course.CourseFileError, match="no section 'nope'.*intro, clamped-nuclei, pes"):
        course.lesson_markdown("01_test", "nope", lessons_dir=tmp_path)
    with pytest.raises(course.CourseFileError, match="no lesson text"):
        course.lesson_markdown("02_missing", lessons_dir=tmp_path)


def test_duplicate_section_keys_are_reported():
    with pytest.raises(course.CourseFileError, match="duplicate"):
        course.split_sections("## Same\na\n## Same\nb\n")


def test_the_course_index_lists_thirteen_lessons_in_order():
    lessons = course.load_index()
    assert [lesson.number for lesson in lessons] == list(range(1, 14))
    assert lessons[0].page == "01_Born_Oppenheimer.py" and lessons[0].part == "Principles"
    assert {lesson.part for lesson in lessons} <= set(course.PARTS)


def test_a_lesson_is_available_exactly_when_its_page_exists(tmp_path):
    lesson = course.load_index()[0]
    assert not lesson.is_available(tmp_path)
    (tmp_path / lesson.page).write_text("", encoding="utf-8")
    assert lesson.is_available(tmp_path)


def test_a_malformed_index_gets_a_clear_error(tmp_path):
    path = tmp_path / "index.toml"
    path.write_text('[[lesson]]\nnumber = 1\nslug = "x"\ntitle = "t"\npage = "1.py"\npart = "P"\nsummary = "s"\n')
    with pytest.raises(course.CourseFileError, match="part"):
        course.load_index(path)
    path.write_text('[[lesson]]\nnumber = 1\n')
    with pytest.raises(course.CourseFileError, match="fields"):
        course.load_index(path)
