"""Practice problems as data, and safe grading of typed answers.

Each lesson has ``lessons/NN_slug.problems.toml`` with a list of ``[[problem]]`` tables (format in
lessons/README.md). Three kinds:

- ``numeric``: a number with a unit and a tolerance, e.g. the H2 bond length 0.741 Å ± 0.01 Å;
- ``choice``: options A, B, C, ... and the letter of the correct one;
- ``computed``: the student computes a value in the app and types it; the page supplies the expected
  value at run time (``grade(problem, text, expected=value)``).

Answers are parsed with a regular expression, never evaluated: "0.74", "0.74 Å", "7.4e-1 Å",
"7.4 × 10^-1", "-1.16 Eh", "74 pm" are understood, and a known unit is converted to the problem's unit.
"""
from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from nnpes_core import units

LESSONS_DIR = Path(__file__).resolve().parents[1] / "lessons"
KINDS = ("numeric", "choice", "computed")
MAX_ANSWER_LENGTH = 60

# Canonical unit -> (dimension, value of one unit in the base unit of its dimension: Å, eV, fs, ...).
UNITS: dict[str, tuple[str, float]] = {
    "Å": ("length", 1.0), "nm": ("length", 10.0), "pm": ("length", 0.01), "bohr": ("length", units.BOHR),
    "eV": ("energy", 1.0), "meV": ("energy", units.MEV), "Eh": ("energy", units.HARTREE),
    "kcal/mol": ("energy", units.KCAL_PER_MOL), "kJ/mol": ("energy", units.KJ_PER_MOL),
    "cm⁻¹": ("wavenumber", 1.0),
    "K": ("temperature", 1.0),
    "fs": ("time", 1.0), "ps": ("time", 1000.0),
    "eV/Å": ("force", 1.0), "meV/Å": ("force", units.MEV), "Eh/bohr": ("force", units.HARTREE / units.BOHR),
}
# What people type (after _normalise_unit: NFKC, no spaces, lower case) -> canonical unit.
_ALIASES: dict[str, str] = {}
for _canonical, _spellings in {
    "Å": ["å", "a", "ang", "angstrom", "angstroms", "ångström", "ångströms", "ångstrom"],
    "nm": ["nm", "nanometer", "nanometers", "nanometre", "nanometres"],
    "pm": ["pm", "picometer", "picometers", "picometre", "picometres"],
    "bohr": ["bohr", "bohrs", "a0", "a_0"],
    "eV": ["ev", "electronvolt", "electronvolts"],
    "meV": ["mev"],
    "Eh": ["eh", "e_h", "ha", "hartree", "hartrees"],
    "kcal/mol": ["kcal/mol", "kcalmol^-1", "kcalmol-1"],
    "kJ/mol": ["kj/mol", "kjmol^-1", "kjmol-1"],
    "cm⁻¹": ["cm^-1", "cm-1", "cm^{-1}", "1/cm", "/cm", "wavenumber", "wavenumbers"],
    "K": ["k", "kelvin"],
    "fs": ["fs", "femtosecond", "femtoseconds"],
    "ps": ["ps", "picosecond", "picoseconds"],
    "eV/Å": ["ev/å", "ev/a", "ev/ang", "ev/angstrom", "evå^-1", "evå-1", "eva^-1", "eva-1"],
    "meV/Å": ["mev/å", "mev/a", "mev/ang", "mev/angstrom", "mevå^-1", "mevå-1"],
    "Eh/bohr": ["eh/bohr", "ha/bohr", "hartree/bohr", "eh/a0", "ha/a0"],
}.items():
    for _spelling in _spellings:
        _ALIASES[_spelling] = _canonical

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_ANSWER = re.compile(rf"^({_NUMBER})(?:\s*(?:[x×*·]\s*10\s*\^?\s*([+-]?\d+)))?\s*(.*)$")
_PROBLEM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class ProblemFileError(ValueError):
    """A problems file that cannot be used, with the file and the problem named in the message."""


@dataclass(frozen=True)
class Problem:
    id: str
    kind: str  # "numeric" | "choice" | "computed"
    prompt: str  # Markdown with $...$ LaTeX
    hint: str
    solution: str  # worked solution, shown after an attempt
    answer: float | None = None  # numeric: the answer in ``unit``
    unit: str = ""  # canonical unit ("" = dimensionless)
    tolerance: float | None = None  # absolute, in ``unit``
    rel_tolerance: float | None = None  # relative, e.g. 0.02 for 2 %
    options: tuple[str, ...] = ()  # choice: option texts, labelled A, B, C, ...
    correct: str | None = None  # choice: letter of the correct option
    key: str | None = None  # computed: name of the value the page supplies


@dataclass(frozen=True)
class Result:
    correct: bool
    message: str
    parsed_value: float | str | None = None  # in the problem's unit, or the chosen letter
    valid: bool = field(default=True)  # False when the input could not be understood (not an attempt)


def _normalise_unit(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("−", "-").replace("**", "^")
    return re.sub(r"[\s·]", "", text).lower()


def canonical_unit(text: str) -> str | None:
    """The canonical spelling of a unit ("angstrom" -> "Å"), "" for no unit, None if unknown."""
    if not text.strip():
        return ""
    return _ALIASES.get(_normalise_unit(text))


def parse_quantity(text: str) -> tuple[float, str]:
    """``"7.4e-1 Å"`` -> ``(0.74, "Å")``; raises ValueError with a message for the student."""
    text = unicodedata.normalize("NFKC", str(text)).replace("−", "-").strip()
    if not text:
        raise ValueError("Type a number, e.g. 0.74 or 0.74 Å.")
    if len(text) > MAX_ANSWER_LENGTH:
        raise ValueError(f"That is too long for an answer ({len(text)} characters); type a number and a unit.")
    if re.match(r"^[+-]?\d+,\d+", text):
        raise ValueError("Use a decimal point, not a comma: 0.74, not 0,74.")
    match = _ANSWER.match(text)
    if match is None:
        raise ValueError(f"Could not read a number in {text!r}. Type e.g. 0.74, 7.4e-1 or 0.74 Å.")
    mantissa, exponent, unit_text = match.groups()
    value = float(mantissa) * float(f"1e{int(exponent)}") if exponent else float(mantissa)
    if not math.isfinite(value):
        raise ValueError("That number is too large.")
    unit = canonical_unit(unit_text)
    if unit is None:
        raise ValueError(f"Unknown unit {unit_text!r}. Known units: {', '.join(UNITS)}.")
    return value, unit


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert between two canonical units of the same dimension."""
    from_dim, from_factor = UNITS[from_unit]
    to_dim, to_factor = UNITS[to_unit]
    if from_dim != to_dim:
        raise ValueError(f"{from_unit} is a {from_dim} unit, but the answer is a {to_dim} (in {to_unit}).")
    return value * from_factor / to_factor


def _units_of(dimension: str) -> str:
    return ", ".join(u for u, (d, _) in UNITS.items() if d == dimension)


def _grade_number(problem: Problem, text: str, expected: float) -> Result:
    try:
        value, unit = parse_quantity(text)
        if unit and not problem.unit:
            raise ValueError(f"This answer is a pure number; leave out the unit {unit!r}.")
        if unit and problem.unit and UNITS[unit][0] != UNITS[problem.unit][0]:
            dimension = UNITS[problem.unit][0]
            raise ValueError(f"{unit} is a {UNITS[unit][0]} unit, but the answer is a {dimension} "
                             f"(in {problem.unit}; also accepted: {_units_of(dimension)}).")
    except ValueError as error:
        return Result(False, str(error), None, valid=False)
    if unit and unit != problem.unit:
        value = convert(value, unit, problem.unit)
        shown = f"{text.strip()} = {value:.6g} {problem.unit}"
    else:
        shown = f"{value:.6g} {problem.unit}".strip()
    difference = abs(value - expected)
    allowed = max(problem.tolerance or 0.0, (problem.rel_tolerance or 0.0) * abs(expected))
    if difference <= allowed * (1 + 1e-9):
        return Result(True, f"Correct: {shown}.", value)
    direction = "too high" if value > expected else "too low"
    return Result(False, f"Not quite: {shown} is {direction}.", value)


def _grade_choice(problem: Problem, text: str) -> Result:
    letters = [chr(ord("A") + i) for i in range(len(problem.options))]
    answer = str(text).strip()
    letter = answer.strip("().").upper()
    if letter not in letters:
        matching = [l for l, option in zip(letters, problem.options) if option.strip() == answer]
        if not matching:
            return Result(False, f"Choose one of {', '.join(letters)}.", None, valid=False)
        letter = matching[0]
    if letter == problem.correct:
        return Result(True, f"Correct: {letter}.", letter)
    return Result(False, f"Not quite: {letter} is not the right option.", letter)


def grade(problem: Problem, text: str, expected: float | None = None) -> Result:
    """Grade the student's typed ``text`` (or chosen option) for ``problem``.

    ``expected`` is the value a ``computed`` problem's page has computed, in the problem's unit.
    """
    if problem.kind == "choice":
        return _grade_choice(problem, text)
    if problem.kind == "computed":
        if expected is None or not math.isfinite(float(expected)):
            return Result(False, "Compute the value in the app first, then check your answer.", None, valid=False)
        return _grade_number(problem, text, float(expected))
    return _grade_number(problem, text, float(problem.answer))


def format_answer(problem: Problem, expected: float | None = None) -> str:
    """The accepted answer as text, e.g. "0.741 Å (± 0.01 Å)" or "B"."""
    if problem.kind == "choice":
        return f"{problem.correct}: {problem.options[ord(problem.correct) - ord('A')]}"
    value = problem.answer if problem.kind == "numeric" else expected
    if value is None:
        return "computed in the app"
    spread = [f"± {problem.tolerance:g} {problem.unit}".strip()] if problem.tolerance else []
    spread += [f"± {100 * problem.rel_tolerance:g} %"] if problem.rel_tolerance else []
    return f"{value:.6g} {problem.unit}".strip() + f" ({' or '.join(spread)})"


# --- loading and validating problem files ------------------------------------------------------------

_COMMON = {"id", "kind", "prompt", "hint", "solution"}
_FIELDS = {
    "numeric": _COMMON | {"answer", "unit", "tolerance", "rel_tolerance"},
    "choice": _COMMON | {"options", "correct"},
    "computed": _COMMON | {"key", "unit", "tolerance", "rel_tolerance"},
}


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _problem_from_table(table: dict, where: str) -> Problem:
    def fail(message: str) -> ProblemFileError:
        return ProblemFileError(f"{where}: {message}")

    kind = table.get("kind")
    if kind not in KINDS:
        raise fail(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    unknown = set(table) - _FIELDS[kind]
    if unknown:
        raise fail(f"unknown field(s) {sorted(unknown)} for a {kind} problem; allowed: {sorted(_FIELDS[kind])}")
    for name in ("id", "prompt", "hint", "solution"):
        if not isinstance(table.get(name), str) or not table[name].strip():
            raise fail(f"'{name}' is required and must be a non-empty string")
    if not _PROBLEM_ID.match(table["id"]):
        raise fail(f"id {table['id']!r} must be lower case letters, digits, '-' or '_'")
    fields = {k: table[k] for k in ("id", "kind", "prompt", "hint", "solution")}
    if kind == "choice":
        options = table.get("options")
        if not isinstance(options, list) or len(options) < 2 or not all(isinstance(o, str) for o in options):
            raise fail("'options' must be a list of at least two strings")
        letters = [chr(ord("A") + i) for i in range(len(options))]
        if table.get("correct") not in letters:
            raise fail(f"'correct' must be the letter of an option ({', '.join(letters)}), "
                       f"got {table.get('correct')!r}")
        return Problem(**fields, options=tuple(options), correct=table["correct"])
    unit = canonical_unit(str(table.get("unit", "")))
    if unit is None:
        raise fail(f"unknown unit {table.get('unit')!r}; known: {', '.join(UNITS)}")
    tolerance, rel_tolerance = table.get("tolerance"), table.get("rel_tolerance")
    if tolerance is None and rel_tolerance is None:
        raise fail("give 'tolerance' (absolute, in the unit) or 'rel_tolerance' (e.g. 0.02 for 2 %)")
    for name, value in (("tolerance", tolerance), ("rel_tolerance", rel_tolerance)):
        if value is not None and (not _is_number(value) or value <= 0):
            raise fail(f"'{name}' must be a positive number, got {value!r}")
    if kind == "numeric":
        if not _is_number(table.get("answer")):
            raise fail(f"'answer' must be a number, got {table.get('answer')!r}")
        return Problem(**fields, answer=float(table["answer"]), unit=unit,
                       tolerance=tolerance, rel_tolerance=rel_tolerance)
    if not isinstance(table.get("key"), str) or not table["key"].strip():
        raise fail("'key' (the name of the value the page computes) is required for a computed problem")
    return Problem(**fields, unit=unit, tolerance=tolerance, rel_tolerance=rel_tolerance, key=table["key"])


def load_problems(path: str | Path) -> list[Problem]:
    """Read and validate a problems file; raises ProblemFileError naming the file and the problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ProblemFileError(f"{path.name}: not valid TOML: {error}") from None
    tables = data.get("problem")
    extra = set(data) - {"problem"}
    if extra:
        raise ProblemFileError(f"{path.name}: unexpected top-level key(s) {sorted(extra)}; use [[problem]] tables")
    if not isinstance(tables, list) or not tables:
        raise ProblemFileError(f"{path.name}: no problems; each problem is a [[problem]] table")
    problems, seen = [], set()
    for number, table in enumerate(tables, start=1):
        where = f"{path.name}, problem {number} ({table.get('id', 'no id')})"
        problem = _problem_from_table(table, where)
        if problem.id in seen:
            raise ProblemFileError(f"{where}: duplicate id {problem.id!r}")
        seen.add(problem.id)
        problems.append(problem)
    return problems


def problems_path(slug: str, lessons_dir: Path = LESSONS_DIR) -> Path:
    """Where the problems of lesson ``slug`` (e.g. "01_born_oppenheimer") live."""
    return Path(lessons_dir) / f"{slug}.problems.toml"


def problems_for(slug: str, lessons_dir: Path = LESSONS_DIR) -> list[Problem]:
    """The problems of a lesson, or [] when it has no problems file yet."""
    path = problems_path(slug, lessons_dir)
    return load_problems(path) if path.exists() else []
