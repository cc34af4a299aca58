"""Hundreds of generated malformed files against what users feed them to: the ``nnpes`` command (train,
eval, md), ``load_calculator`` and the pages' upload parsers. Every one ends in one clear line (exit code 2
on the command line), never a traceback. Property-based (Hypothesis): each file is a valid one broken in one
of the ways real files break, or plain garbage."""
from __future__ import annotations

import io
import os

import ase.io
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from nnpes_core import load_calculator
from nnpes_core.cli import EXIT_BAD_INPUT, main
from nnpes_core.data import DatasetError, read_dataset
from nnpes_core.data.training_sets import read_uploaded_dataset
from nnpes_core.data.upload import StructureUploadError, read_structure_upload
from nnpes_core.models import ModelFileError

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def valid_text(morse_water_frames) -> str:
    buffer = io.StringIO()
    ase.io.write(buffer, morse_water_frames[:12], format="extxyz")
    return buffer.getvalue()


def _break(text: str, how: str, where: float, token: str) -> str:
    """``text`` broken in one way; ``where`` in [0, 1) picks the place."""
    lines = text.splitlines()
    line = int(where * len(lines))
    if how == "truncate":
        return text[: int(where * len(text))]
    if how == "drop line":
        return "\n".join(lines[:line] + lines[line + 1:])
    if how == "bad token":  # a number turned into NaN, infinity, text or nothing
        words = lines[line].split(" ")
        numeric = [i for i, word in enumerate(words) if word.replace(".", "", 1).replace("-", "", 1).isdigit()]
        if numeric:
            words[numeric[int(where * 7919) % len(numeric)]] = token
        lines[line] = " ".join(words)
        return "\n".join(lines)
    if how == "coincide":  # an atom moved onto its neighbour
        header = [i for i, value in enumerate(lines) if value.strip().isdigit()]
        first = header[int(where * len(header)) % len(header)] + 2
        lines[first + 1] = lines[first].split()[0].replace("O", "H") + " " + " ".join(lines[first].split()[1:])
        return "\n".join(lines)
    if how == "wrong count":
        header = [i for i, value in enumerate(lines) if value.strip().isdigit()]
        target = header[int(where * len(header)) % len(header)]
        lines[target] = str(int(lines[target]) + (1 if where < 0.5 else -2))
        return "\n".join(lines)
    if how == "no labels":
        return text.replace("energy=", "e=") if where < 0.5 else text.replace(":forces:R:3", ":f:R:3")
    if how == "unknown element":
        return text.replace("\nH ", "\nQq ", 1)
    raise AssertionError(how)


BREAKS = st.sampled_from(["truncate", "drop line", "bad token", "coincide", "wrong count", "no labels",
                          "unknown element"])
TOKENS = st.sampled_from(["nan", "NaN", "inf", "-inf", "abc", "", "1e400", "--1"])
GARBAGE = st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode))


def assert_one_line_or_success(code: int, stderr: str) -> None:
    assert "Traceback" not in stderr
    if code == 0:
        return
    assert code == EXIT_BAD_INPUT, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert stderr.startswith("nnpes ")


def run_cli(argv, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main(argv)
    return code, capsys.readouterr().err


@SETTINGS
@given(how=BREAKS, where=st.floats(0, 0.999), token=TOKENS)
def test_cli_eval_and_train_answer_broken_data_files_with_one_line(tmp_path, capsys, stand_in_models_dir,
                                                                    valid_text, how, where, token):
    path = tmp_path / "broken.extxyz"
    path.write_text(_break(valid_text, how, where, token))
    model = str(stand_in_models_dir / "water_bp.pt")
    assert_one_line_or_success(*run_cli(["eval", "--model", model, "--data", str(path)], capsys))
    out = str(tmp_path / "model.pt")
    code, stderr = run_cli(["train", "--model", "bp", "--train", str(path), "--val", str(path), "--epochs", "1",
                            "--out", out, "--threads", "1"], capsys)
    assert_one_line_or_success(code, stderr)


@SETTINGS
@given(content=GARBAGE)
def test_cli_answers_garbage_files_with_one_line(tmp_path, capsys, stand_in_models_dir, content):
    path = tmp_path / "garbage.extxyz"
    path.write_bytes(content)
    model = str(stand_in_models_dir / "water_bp.pt")
    for argv in (["eval", "--model", model, "--data", str(path)],
                 ["eval", "--model", str(path), "--data", str(path)],
                 ["train", "--model", "bp", "--train", str(path), "--out", str(tmp_path / "m.pt")],
                 ["md", "--model", model, "--structure", str(path), "--steps", "2"]):
        code, stderr = run_cli(argv, capsys)
        assert code == EXIT_BAD_INPUT and "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1


def test_a_single_structure_with_coinciding_atoms_is_refused_in_one_line(tmp_path, capsys):
    """The case a new user found: two atoms on top of each other ended in an IndexError."""
    path = tmp_path / "one.extxyz"
    path.write_text('2\nProperties=species:S:1:pos:R:3:forces:R:3 energy=-1.0 pbc="F F F"\n'
                    "H 0 0 0 0 0 0\nH 0 0 0 0 0 0\n")
    code, stderr = run_cli(["train", "--model", "bp", "--train", str(path), "--val", str(path), "--epochs", "1",
                            "--out", str(tmp_path / "m.pt")], capsys)
    assert code == EXIT_BAD_INPUT and "apart" in stderr and len(stderr.strip().splitlines()) == 1


@SETTINGS
@given(content=GARBAGE, cut=st.floats(0, 0.999))
def test_load_calculator_refuses_broken_model_files_with_a_clear_error(tmp_path, stand_in_models_dir, content, cut):
    for data in (content, (stand_in_models_dir / "water_bp.pt").read_bytes()[: int(cut * 20000)]):
        path = tmp_path / "model.pt"
        path.write_bytes(data)
        with pytest.raises(ModelFileError) as error:
            load_calculator(path)
        assert "\n" not in str(error.value)


@pytest.mark.parametrize("checkpoint", [{}, {"format": "nnpes-model/1"}, {"format": "nnpes-model/1", "kind": "bp"},
                                        {"format": "nnpes-model/1", "kind": "gpt", "config": {}},
                                        {"format": "nnpes-model/1", "kind": "bp", "config": {"elements": [1]},
                                         "state_dict": {"nonsense": torch.zeros(2)}}])
def test_load_calculator_refuses_model_files_with_missing_or_wrong_parts(tmp_path, checkpoint):
    path = tmp_path / "model.pt"
    torch.save(checkpoint, path)
    with pytest.raises(ModelFileError):
        load_calculator(path)


@SETTINGS
@given(how=BREAKS, where=st.floats(0, 0.999), token=TOKENS, garbage=GARBAGE, use_garbage=st.booleans())
def test_the_page_upload_parsers_answer_in_one_line(valid_text, how, where, token, garbage, use_garbage):
    content = garbage if use_garbage else _break(valid_text, how, where, token).encode()
    for parse, error_type in ((read_uploaded_dataset, DatasetError), (read_structure_upload, StructureUploadError)):
        try:
            parse(content, "upload.extxyz")
        except error_type as error:
            assert "\n" not in str(error) and str(error)
    assert os.path.exists  # (the parsers leave no temporary files behind: see read_uploaded_dataset)


@pytest.mark.parametrize("text", ["99999999999\n", "3\ncomment\nO 0 0 0\n", "1\n\nH 0 0 0\n-5\nx\n"])
def test_an_atom_count_the_file_cannot_hold_is_refused_at_once(tmp_path, capsys, stand_in_models_dir, text):
    """Hypothesis found it: ASE's reader trusts the count on a frame's first line and kept reading a
    300-byte file that announced 99999999999 atoms for ever."""
    path = tmp_path / "short.extxyz"
    path.write_text(text)
    with pytest.raises(DatasetError, match="not a valid extended-XYZ file"):
        read_dataset(path)
    model = str(stand_in_models_dir / "water_bp.pt")
    code, stderr = run_cli(["eval", "--model", model, "--data", str(path)], capsys)
    assert code == EXIT_BAD_INPUT and "not a valid extended-XYZ file" in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_an_uploaded_structure_with_an_impossible_later_frame_is_refused_at_once():
    with pytest.raises(StructureUploadError, match="announces 99999999999 atoms"):
        read_structure_upload(b"1\n\nH 0 0 0\n99999999999\n")
