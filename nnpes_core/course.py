"""The course as data: the map of lessons (lessons/index.toml) and the lesson texts (lessons/*.md).

A lesson text is Markdown with $...$ / $$...$$ LaTeX, cut into named sections at its ``## `` headings
so that a page can put widgets between them; ``<!-- full -->`` blocks are left out in lecture mode and
``<!-- lecture -->`` blocks appear only there (format in lessons/README.md).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSONS_DIR = ROOT / "lessons"
PAGES_DIR = ROOT / "app" / "pages"
PARTS = ("Principles", "Applications", "Hands-on")


class CourseFileError(ValueError):
    """lessons/index.toml or a lesson text that cannot be used; the message names the file."""


@dataclass(frozen=True)
class Lesson:
    number: int
    slug: str  # file stem of the lesson text and problems, e.g. "01_born_oppenheimer"
    title: str
    page: str  # file name in app/pages, e.g. "01_Born_Oppenheimer.py"
    part: str  # one of PARTS
    summary: str

    def is_available(self, pages_dir: Path = PAGES_DIR) -> bool:
        """A lesson is available when its page file exists; otherwise it is listed as coming."""
        return (Path(pages_dir) / self.page).is_file()


def load_index(path: str | Path = LESSONS_DIR / "index.toml") -> list[Lesson]:
    """The lessons in course order, validated (unique numbers, slugs and pages; known parts)."""
    path = Path(path)
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8")).get("lesson", [])
    except tomllib.TOMLDecodeError as error:
        raise CourseFileError(f"{path.name}: not valid TOML: {error}") from None
    fields = {"number", "slug", "title", "page", "part", "summary"}
    lessons = []
    for position, table in enumerate(tables, start=1):
        where = f"{path.name}, lesson {position}"
        if set(table) != fields:
            raise CourseFileError(f"{where}: needs exactly the fields {sorted(fields)}, got {sorted(table)}")
        if table["part"] not in PARTS:
            raise CourseFileError(f"{where}: part must be one of {PARTS}, got {table['part']!r}")
        if not re.fullmatch(r"\d\d_[A-Za-z0-9_]+\.py", table["page"]):
            raise CourseFileError(f"{where}: page must look like 01_Title.py, got {table['page']!r}")
        lessons.append(Lesson(**table))
    for name in ("number", "slug", "page"):
        values = [getattr(lesson, name) for lesson in lessons]
        duplicates = {v for v in values if values.count(v) > 1}
        if duplicates:
            raise CourseFileError(f"{path.name}: duplicate {name}(s) {sorted(duplicates)}")
    return sorted(lessons, key=lambda lesson: lesson.number)


# --- lesson texts ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Section:
    key: str  # "intro" for the text before the first heading, else {#key} or the heading slugified
    heading: str  # the heading text without "## " ("" for the intro)
    body: str  # Markdown below the heading, markers still in place


_HEADING = re.compile(r"^##\s+(.+?)\s*(?:\{#([a-z0-9_-]+)\})?\s*$")
_FULL = re.compile(r"<!--\s*full\s*-->.*?<!--\s*/full\s*-->", re.S)
_LECTURE = re.compile(r"<!--\s*lecture\s*-->.*?<!--\s*/lecture\s*-->", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def slugify(heading: str) -> str:
    """"Clamped nuclei & the PES" -> "clamped-nuclei-the-pes" (the default section key)."""
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


def split_sections(markdown: str) -> list[Section]:
    """Cut a lesson into sections at its ``## `` headings; the ``# `` title line is dropped."""
    sections: list[Section] = []
    key, heading, lines, in_code = "intro", "", [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        match = None if in_code else _HEADING.match(line)
        if not in_code and not sections and not "".join(lines).strip() and line.startswith("# "):
            continue  # the lesson's title: the page shows it already
        if match:
            if key != "intro" or "".join(lines).strip():
                sections.append(Section(key, heading, "\n".join(lines).strip("\n")))
            heading = match.group(1)
            key = match.group(2) or slugify(heading)
            lines = []
        else:
            lines.append(line)
    if key != "intro" or "".join(lines).strip():
        sections.append(Section(key, heading, "\n".join(lines).strip("\n")))
    keys = [s.key for s in sections]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise CourseFileError(f"duplicate section key(s) {duplicates}; add {{#key}} to the headings")
    return sections


def for_mode(markdown: str, lecture: bool) -> str:
    """The text for one mode: lecture mode drops <!-- full --> blocks, full mode <!-- lecture --> blocks."""
    text = _FULL.sub("", markdown) if lecture else _LECTURE.sub("", markdown)
    text = _COMMENT.sub("", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def lesson_path(slug: str, lessons_dir: Path = LESSONS_DIR) -> Path:
    return Path(lessons_dir) / f"{slug}.md"


def lesson_sections(slug: str, lessons_dir: Path = LESSONS_DIR) -> list[Section]:
    """The sections of lesson ``slug``; CourseFileError if the file is missing or malformed."""
    path = lesson_path(slug, lessons_dir)
    if not path.is_file():
        raise CourseFileError(f"no lesson text {path.name} in {Path(lessons_dir).name}/")
    try:
        return split_sections(path.read_text(encoding="utf-8"))
    except CourseFileError as error:
        raise CourseFileError(f"{path.name}: {error}") from None


def lesson_markdown(slug: str, section: str | None = None, lecture: bool = False,
                    heading: bool = True, lessons_dir: Path = LESSONS_DIR) -> str:
    """Markdown of a whole lesson or of one section, for the chosen mode, ready for st.markdown."""
    sections = lesson_sections(slug, lessons_dir)
    if section is not None:
        chosen = [s for s in sections if s.key == section]
        if not chosen:
            known = ", ".join(s.key for s in sections)
            raise CourseFileError(f"{slug}.md has no section {section!r}; its sections: {known}")
        sections = chosen
    parts = []
    for s in sections:
        body = for_mode(s.body, lecture)
        parts.append(f"## {s.heading}\n\n{body}" if heading and s.heading else body)
    return "\n\n".join(p for p in parts if p.strip())
