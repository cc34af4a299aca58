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

- where a page shows a model, ``describe_model`` says where it came from (its provenance);
- reference results that take seconds to compute but are the same for every student (a seeded demo
  network, a survey of a surface, timings of this server): ``shared_result`` computes them once per
  server process in the job pool, while the page already shows everything else, and hands every later
  session the same result at once.
"""
from __future__ import annotations

import collections
import copy
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st
from ase import Atoms

from nnpes_core import course, jobs

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


@st.cache_resource(show_spinner="Reading a dataset…", max_entries=32)
def _shared_structures(path: str, modified: float) -> list[Atoms]:
    from nnpes_core.data.io import read_dataset

    return read_dataset(path)


def load_dataset(name: str, *, shared: bool = False) -> list[Atoms] | None:
    """All structures of assets/data/<name>.extxyz (energies and forces attached), a copy per call.

    ``shared=True`` gives the one list of this server process instead, without copying (1000 structures
    take ~50 ms to copy): only for a page that reads the structures and never changes them.
    The datasets are committed: a missing file is an error in the page (one line) and None.
    """
    path = DATA_DIR / f"{name}.extxyz"
    if not path.is_file():
        st.error(f"The dataset file assets/data/{name}.extxyz is missing from this installation.", icon="⚠️")
        return None
    try:
        return (_shared_structures if shared else _read_structures)(str(path), path.stat().st_mtime)
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
    same name); ``info`` such as kind, dataset, metrics is stored beside it. A signed-in student's record
    keeps its kind, settings and test errors (not the weights). Returns the name."""
    import classroom

    models = session_models()
    models.pop(name, None)  # re-insert: the newest stays last
    models[name] = {"model": model, **info}
    classroom.record_session_models()
    return name


# --- deterministic reference results: computed once per server process, shared by every session ----

SHARED_RESULTS_KEPT = 64  # finished results kept per process (the oldest unused go first)
SHARED_OWNER = "server (shared reference result)"
POLL_S = 0.5  # how often a section waiting for its result is redrawn


class _SharedResults:
    """(name, args) -> the Job computing or holding that result, least recently used first."""

    def __init__(self):
        self.jobs: collections.OrderedDict[tuple, jobs.Job] = collections.OrderedDict()
        self.lock = threading.Lock()

    def job(self, key: tuple, work: Callable, args: tuple, kwargs: dict, label: str) -> jobs.Job:
        with self.lock:
            job = self.jobs.get(key)
            if job is None or job.status in (jobs.FAILED, jobs.CANCELLED, jobs.STOPPED):
                job = jobs.default_pool().submit(work, *args, label=label, owner=SHARED_OWNER, **kwargs)
                self.jobs[key] = job
            self.jobs.move_to_end(key)
            finished = [k for k, j in self.jobs.items() if j.finished]
            for old in finished[:max(len(self.jobs) - SHARED_RESULTS_KEPT, 0)]:
                del self.jobs[old]
            return job

    def unfinished(self) -> list[jobs.Job]:
        with self.lock:
            return [job for job in self.jobs.values() if not job.finished]


@st.cache_resource(show_spinner=False)
def _shared_results() -> _SharedResults:
    return _SharedResults()


def shared_result(name: str, work: Callable[..., Any], *args, label: str, **inputs) -> Any | None:
    """``work(progress, *args, **inputs)``, computed once per server process and shared by every session.

    Only for results that are the same for every student: reference data made from ``args`` alone
    (hashable: numbers, strings, tuples), never anything a student computed or uploaded. ``inputs``
    are not part of the key (like Streamlit's ``_``-arguments): pass there only what ``name`` and
    ``args`` determine, e.g. another shared result made from the same arguments. The first
    session that needs it starts it in the server's job pool (nnpes_core.jobs); until it is done this
    returns None and the section shows ``label`` with a progress bar (or its place in the queue), and
    the page reruns by itself when the result is there. Later sessions get it at once.
    A failure is one error line; the next run of the page tries again.
    """
    job = _shared_results().job((name, args), work, args, inputs, label)
    if job.status == jobs.DONE:
        return job.result
    if job.status == jobs.FAILED:
        st.error(f"{label}: {job.error or 'failed'}", icon="⚠️")
        return None
    _watch_shared(job, label)
    return None


def wait_for_shared_results(timeout: float = 600.0) -> int:
    """Block until every shared result of this process is computed; returns how many were still being
    computed (for tests and scripts, never in a page: rerun the page after a nonzero answer, since a result
    may need another one first)."""
    import time

    deadline, waited = time.monotonic() + timeout, set()
    while unfinished := _shared_results().unfinished():
        waited.update(unfinished)
        if not unfinished[0].wait(max(deadline - time.monotonic(), 0.0)):
            raise TimeoutError(f"shared results still computing after {timeout:.0f} s: {unfinished}")
    return len(waited)


@st.fragment(run_every=POLL_S)
def _watch_shared(job: jobs.Job, label: str) -> None:
    """Redrawn every POLL_S seconds while the shared result is computed; a full page rerun once it is."""
    if job.finished:
        st.rerun()
    position = job.queue_position()
    if position is not None:
        counts = job.pool.counts()
        st.info(f"⏳ {label}: waiting for a free worker, place **{position}** in the queue "
                f"({counts['running']} of {counts['workers']} workers busy on this server).")
    else:
        fraction = job.progress.fraction
        text = f"⏳ {label}: {job.progress.message or 'computing'} ({job.run_time:.0f} s; computed once on this "
        text += "server, then shown at once to everyone)"
        st.progress(fraction if fraction is not None else 0.0, text=text)
