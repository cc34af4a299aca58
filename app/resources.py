"""Things that load once per server process: pretrained models, shipped datasets, lesson index.

The pattern for page authors:

- read-only data that is cheap to copy (arrays, lists of Atoms, tables): ``@st.cache_data`` — every
  caller gets its own copy, so a page may modify it freely;
- heavy objects (torch models): ``@st.cache_resource`` — one object per process, shared by every
  session. An ASE calculator keeps state (the last atoms and results), so each session gets its own
  copy of the shared one (:func:`load_pretrained`); never hand the shared object itself to a page.
- a missing file is a clear message in the page and a ``None`` result, never a traceback:

      calculator = resources.load_pretrained("bp")
      if calculator is None:
          st.stop()
"""
from __future__ import annotations

import copy
from pathlib import Path

import streamlit as st
from ase import Atoms

from nnpes_core import course

ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = ROOT / "assets" / "models"
DATA_DIR = ROOT / "assets" / "data"


@st.cache_resource(show_spinner="Loading a pretrained model…", max_entries=16)
def _shared_calculator(path: str, modified: float):
    """The calculator of a saved model, loaded once per process (``modified`` renews it on change)."""
    import nnpes_core

    return nnpes_core.load_calculator(path)


def load_pretrained(kind: str):
    """This session's copy of the pretrained model assets/models/<kind>.pt as an ASE calculator.

    Shows a message and returns None when the file is not there yet.
    """
    path = MODELS_DIR / f"{kind}.pt"
    if not path.is_file():
        st.info(f"The pretrained **{kind}** model is not available yet (no `assets/models/{kind}.pt`). "
                "It is created by the model scripts in the repository; until then this part of the page is empty.")
        return None
    modified = path.stat().st_mtime
    session_key = f"pretrained::{kind}::{modified}"
    if session_key not in st.session_state:
        try:
            shared = _shared_calculator(str(path), modified)
        except Exception as error:  # a corrupt or incompatible file: say so in the page
            st.error(f"Could not load the pretrained {kind} model from {path.name}: {error}", icon="⚠️")
            return None
        st.session_state[session_key] = copy.deepcopy(shared)
    return st.session_state[session_key]


@st.cache_data(show_spinner="Reading a dataset…", max_entries=32)
def _read_structures(path: str, modified: float) -> list[Atoms]:
    from nnpes_core.data.io import read_dataset

    return read_dataset(path)


def load_dataset(name: str) -> list[Atoms] | None:
    """All structures of assets/data/<name>.extxyz (energies and forces attached), a copy per call.

    Shows a message and returns None when the file is not there yet.
    """
    path = DATA_DIR / f"{name}.extxyz"
    if not path.is_file():
        st.info(f"The dataset **{name}** is not available yet (no `assets/data/{name}.extxyz`).")
        return None
    try:
        return _read_structures(str(path), path.stat().st_mtime)
    except ValueError as error:  # nnpes_core.data.io.DatasetError: one line that names the problem
        st.error(f"Could not read the dataset {name}: {error}", icon="⚠️")
        return None


@st.cache_data(show_spinner=False)
def lessons() -> list[course.Lesson]:
    """The map of the course from lessons/index.toml."""
    return course.load_index()


# --- models trained in this session (lesson 4 trains them; every page may use them) ---------------

SESSION_MODELS_KEY = "session_models"  # {name: {"model": nn.Module, "kind": str, "dataset": str, ...}}


def session_models() -> dict[str, dict]:
    """Models trained in this browser session, newest last: name -> {"model", "kind", "dataset",
    "metrics", "dtype", ...}. ``kind`` is a model kind ("bp", "cartesian", ...) or "surface" (a 2-D
    SurfaceMLP of a toy surface); the model is in eval mode with its best weights."""
    return st.session_state.setdefault(SESSION_MODELS_KEY, {})


def add_session_model(name: str, model, **info) -> str:
    """Make ``model`` available to every page of this session under ``name`` (replacing one of the
    same name); ``info`` such as kind, dataset, metrics is stored beside it. Returns the name."""
    models = session_models()
    models.pop(name, None)  # re-insert: the newest stays last
    models[name] = {"model": model, **info}
    return name
