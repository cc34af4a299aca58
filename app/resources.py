"""Things that load once per server process: pretrained models, shipped datasets, lesson index.

The pattern for page authors:

- read-only data that is cheap to copy (arrays, lists of Atoms, tables): ``@st.cache_data`` — every
  caller gets its own copy, so a page may modify it freely;
- heavy objects (torch models): ``@st.cache_resource`` — one object per process, shared by every
  session. An ASE calculator keeps state (the last atoms and results), so each session gets its own
  copy of the shared one (:func:`load_pretrained`); never hand the shared object itself to a page.
- the shipped files are committed, so a missing or unreadable one is an error: one red line in the page
  and a ``None`` result, never a traceback:

      calculator = resources.load_pretrained("water_bp")
      if calculator is None:
          st.stop()

- where a page shows a model, ``describe_model`` says where it came from (its provenance).
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

    The models are committed: a missing file is an error in the page (one line) and None.
    """
    path = MODELS_DIR / f"{kind}.pt"
    if not path.is_file():
        st.error(f"The pretrained model file assets/models/{kind}.pt is missing from this installation.", icon="⚠️")
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

    The datasets are committed: a missing file is an error in the page (one line) and None.
    """
    path = DATA_DIR / f"{name}.extxyz"
    if not path.is_file():
        st.error(f"The dataset file assets/data/{name}.extxyz is missing from this installation.", icon="⚠️")
        return None
    try:
        return _read_structures(str(path), path.stat().st_mtime)
    except ValueError as error:  # nnpes_core.data.io.DatasetError: one line that names the problem
        st.error(f"Could not read the dataset {name}: {error}", icon="⚠️")
        return None


def describe_model(model, name: str | None = None) -> str:
    """One line of provenance from a model's metadata (what ``save_model`` / training wrote into it):
    the data it was trained on, how long, the settings, why it stopped, the software versions."""
    metadata = dict(getattr(model, "metadata", None) or {})
    parts = [f"**{name}**"] if name else []
    if metadata.get("members"):
        parts.append(f"a committee of {metadata['members']} members")
    if metadata.get("trained_on") or metadata.get("dataset"):
        parts.append(f"trained on {metadata.get('trained_on') or metadata.get('dataset')}")
    training = metadata.get("training") or {}
    epochs = metadata.get("epochs_run", metadata.get("epochs"))
    if metadata.get("seconds") is not None:
        parts.append(f"{float(metadata['seconds']):.0f} s" + (f", {epochs} epochs" if epochs else ""))
    elif epochs:
        parts.append(f"{epochs} epochs")
    settings = [f"{label} = {training[key]:g}" for key, label in (("alpha", "α"), ("beta", "β"),
                                                                   ("learning_rate", "learning rate"))
                if isinstance(training.get(key), (int, float))]
    settings += [str(training[key]) for key in ("dtype",) if training.get(key)]
    if training.get("seed") is not None:
        settings.append(f"seed {training['seed']}")
    if settings:
        parts.append(", ".join(settings))
    if metadata.get("best_epoch"):
        parts.append(f"best validation epoch {metadata['best_epoch']}")
    if metadata.get("stop_reason"):
        parts.append(f"stopped: {metadata['stop_reason']}")
    versions = metadata.get("versions") or {}
    if versions:
        parts.append(", ".join(f"{package} {version}" for package, version in versions.items()))
    if len(parts) <= (1 if name else 0):
        parts.append("no provenance recorded in the file")
    return " · ".join(parts)


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
