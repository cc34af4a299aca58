"""Practice problems: files are validated, answers are parsed safely, units converted, tolerances kept."""
from __future__ import annotations

from pathlib import Path

import pytest

from nnpes_core import units
from nnpes_core.practice import (
    Problem,
    ProblemFileError,
    convert,
    format_answer,
    grade,
    load_problems,
    parse_quantity,
    problems_for,
)

SAMPLE = Path(__file__).parent / "data" / "sample.problems.toml"


@pytest.fixture(scope="module")
def problems() -> dict[str, Problem]:
    return {p.id: p for p in load_problems(SAMPLE)}


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("0.74", 0.74, ""),
        ("0.74 Å", 0.74, "Å"),
        ("0.74Å", 0.74, "Å"),
        ("7.4e-1", 0.74, ""),
        ("7.4E-1 angstrom", 0.74, "Å"),
        ("-1.16 Eh", -1.16, "Eh"),
        ("−1.16 hartree", -1.16, "Eh"),  # Unicode minus
        ("7.4 × 10^-1 A", 0.74, "Å"),
        ("7.4x10^-1", 0.74, ""),
        ("4401 cm⁻¹", 4401.0, "cm⁻¹"),
        ("4401 cm^-1", 4401.0, "cm⁻¹"),
        ("104 kcal/mol", 104.0, "kcal/mol"),
        ("300 K", 300.0, "K"),
        ("0.5 fs", 0.5, "fs"),
        ("+.5 ps", 0.5, "ps"),
        ("1.2 eV/Å", 1.2, "eV/Å"),
    ],
)
def test_answers_are_read_with_their_unit(text, value, unit):
    parsed_value, parsed_unit = parse_quantity(text)
    assert parsed_value == pytest.approx(value)
    assert parsed_unit == unit


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('echo hacked')",
        "exec('1')",
        "1+1",
        "0.74; import os",
        "nan",
        "inf",
        "1e999",
        "2 x 10^99999",
        "",
        "   ",
        "0,74",
        "0.74 parsecs",
        "9" * 500,
    ],
)
def test_malicious_or_unreadable_input_is_rejected_with_a_message(text):
    with pytest.raises(ValueError) as error:
        parse_quantity(text)
    assert str(error.value)  # a message for the student, not an empty error


def test_malicious_input_grades_as_invalid_not_as_an_attempt(problems):
    result = grade(problems["h2-bond-length"], "__import__('os')")
    assert not result.correct and not result.valid and result.parsed_value is None
    assert "number" in result.message


def test_numeric_answer_within_tolerance_is_correct(problems):
    problem = problems["h2-bond-length"]  # 0.741 Å ± 0.01 Å
    assert grade(problem, "0.741").correct
    assert grade(problem, "0.75 Å").correct
    assert not grade(problem, "0.76 Å").correct
    assert "too high" in grade(problem, "0.9").message
    assert "too low" in grade(problem, "0.5").message


def test_answers_in_other_units_are_converted_to_the_problem_unit(problems):
    problem = problems["h2-bond-length"]
    result = grade(problem, "74.1 pm")
    assert result.correct and result.parsed_value == pytest.approx(0.741)
    assert grade(problem, f"{0.741 / units.BOHR:.4f} bohr").correct
    assert grade(problem, "0.0741 nm").correct
    well = problems["well-depth"]  # 4.75 eV ± 2 %
    assert grade(well, f"{4.75 / units.HARTREE:.5f} Eh").correct
    assert grade(well, f"{4.75 / units.KCAL_PER_MOL:.1f} kcal/mol").correct
    assert grade(well, "4750 meV").correct
    assert not grade(well, "4.5 eV").correct  # 5 % off: outside the relative tolerance


def test_an_answer_in_a_unit_of_the_wrong_kind_is_explained(problems):
    result = grade(problems["h2-bond-length"], "0.74 eV")
    assert not result.valid
    assert "energy" in result.message and "length" in result.message


def test_convert_refuses_to_mix_dimensions():
    assert convert(1.0, "Eh", "eV") == pytest.approx(units.HARTREE)
    with pytest.raises(ValueError):
        convert(1.0, "eV", "Å")


def test_choice_accepts_the_letter_or_the_option_text(problems):
    problem = problems["pes-kinetic"]
    assert grade(problem, "C").correct
    assert grade(problem, "c").correct
    assert grade(problem, "(C)").correct
    assert grade(problem, "The nuclei's kinetic energy").correct
    wrong = grade(problem, "A")
    assert not wrong.correct and wrong.valid and wrong.parsed_value == "A"
    assert not grade(problem, "Z").valid


def test_computed_problem_uses_the_value_the_page_supplies(problems):
    problem = problems["computed-minimum"]
    assert not grade(problem, "0.74").valid  # the page has not computed it yet
    assert grade(problem, "0.734", expected=0.735).correct
    assert not grade(problem, "0.745", expected=0.735).correct
    assert grade(problem, "73.5 pm", expected=0.735).correct


def test_format_answer_states_the_accepted_range(problems):
    assert format_answer(problems["h2-bond-length"]) == "0.741 Å (± 0.01 Å)"
    assert format_answer(problems["well-depth"]) == "4.75 eV (± 2 %)"
    assert format_answer(problems["pes-kinetic"]).startswith("C: ")
    assert format_answer(problems["computed-minimum"], 0.735) == "0.735 Å (± 0.005 Å)"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "99_test.problems.toml"
    path.write_text(text, encoding="utf-8")
    return path


VALID = '''
[[problem]]
id = "p1"
kind = "numeric"
prompt = "p"
hint = "h"
solution = "s"
answer = 1.0
unit = "eV"
tolerance = 0.1
'''


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("tolerance = 0.1", "tolerence = 0.1"), "unknown field"),
        (("tolerance = 0.1", ""), "tolerance"),
        (("tolerance = 0.1", "tolerance = -1"), "positive"),
        (('unit = "eV"', 'unit = "furlong"'), "unknown unit"),
        (("answer = 1.0", 'answer = "one"'), "answer"),
        (('kind = "numeric"', 'kind = "essay"'), "kind"),
        (('hint = "h"', ""), "hint"),
        (('id = "p1"', 'id = "Problem 1"'), "id"),
        (("[[problem]]", "[[problems]]"), "problem"),
        (("answer = 1.0", "answer = 1.0 ="), "TOML"),
    ],
)
def test_malformed_problem_files_get_a_clear_error(tmp_path, change, message):
    path = _write(tmp_path, VALID.replace(*change))
    with pytest.raises(ProblemFileError) as error:
        load_problems(path)
    assert message in str(error.value)
    assert path.name in str(error.value)


def test_duplicate_ids_and_bad_choice_keys_are_rejected(tmp_path):
    with pytest.raises(ProblemFileError, match="duplicate"):
        load_problems(_write(tmp_path, VALID + VALID))
    choice = '''
[[problem]]
id = "c"
kind = "choice"
prompt = "p"
hint = "h"
solution = "s"
options = ["a", "b"]
correct = "C"
'''
    with pytest.raises(ProblemFileError, match="letter"):
        load_problems(_write(tmp_path, choice))


def test_a_lesson_without_a_problems_file_has_no_problems(tmp_path):
    assert problems_for("42_nothing", lessons_dir=tmp_path) == []


def test_every_shipped_problems_file_is_valid():
    lessons = Path(__file__).resolve().parents[1] / "lessons"
    for path in sorted(lessons.glob("*.problems.toml")):
        assert load_problems(path), path.name


def test_the_example_in_lessons_readme_is_a_valid_problems_file(tmp_path):
    readme = (Path(__file__).resolve().parents[1] / "lessons" / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    problems = load_problems(_write(tmp_path, example))
    assert [p.kind for p in problems] == ["numeric", "choice", "computed"]
