"""Lesson 2 — Symmetries: move, turn, mirror and relabel a molecule and measure what three networks make
of it (energy invariance, force and Hessian equivariance in float32 and float64), and train the Cartesian
network with rotation augmentation to see that data cannot replace architecture. All numbers are live."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st
import torch
from ase import Atoms

import resources
import ui
from nnpes_core.analysis.augmentation_study import FULL, LECTURE, augmentation_study
from nnpes_core.analysis.symmetry import (
    SYMMETRY_KINDS, hessian_check, models_for_structure, operation_effect, symmetry_table, user_operation,
)
from nnpes_core.data import molecule
from nnpes_core.geometry import centered, count_same_element_permutations, same_element_swaps
from nnpes_core.models import KINDS
from nnpes_core.data.upload import read_structure_upload
from nnpes_core.viz.symmetry import augmentation_figure, face_on_view, hessian_blocks_figure, viewed

SLUG = "02_symmetries"
NAMES = {kind: KINDS[kind].label for kind in SYMMETRY_KINDS}
MOLECULES = ("Water", "Ethanol", "Upload an XYZ file")
AXES = {"(1, 1, 1)": (1.0, 1.0, 1.0), "x": (1.0, 0.0, 0.0), "y": (0.0, 1.0, 0.0), "z": (0.0, 0.0, 1.0)}
MAX_ATOMS = 60  # uploads: the symmetry table stays under a second
MAX_HESSIAN_ATOMS = 12  # the Hessian costs 3N force evaluations with graph
ALLOWED_NUMBERS = range(1, 19)  # fresh models are built for H to Ar
NEIGHBOR_WITHIN = 5.0  # Å, the models' cutoff radius: an upload must have at least one pair this close
DATASET = "water_b3lyp_631gs"
PRESETS = {f"{name} ({s.n_structures} structures, {s.steps} steps per model)": s
           for name, s in (("Lecture", LECTURE), ("Full", FULL))}


# --- cached computations ---------------------------------------------------------------------------

def model_files_key() -> str:
    """Changes when a pretrained model file is (re)written, so cached numbers follow the new model."""
    stamps = []
    for kind in SYMMETRY_KINDS:
        path = resources.MODELS_DIR / f"water_{kind}.pt"
        stamps.append(f"{path}:{path.stat().st_mtime if path.is_file() else 0}")
    return ";".join(stamps)


def structure_key(atoms: Atoms) -> str:
    return hashlib.sha1(atoms.numbers.tobytes() + atoms.positions.tobytes()).hexdigest()


@st.cache_data(show_spinner="Measuring invariance and equivariance errors…", max_entries=32)
def cached_symmetry_table(key: str, _choices, _atoms: Atoms) -> list[dict]:
    return symmetry_table(_choices, _atoms, dtypes=(torch.float32, torch.float64), seed=0, n_trials=3)


@st.cache_data(show_spinner="Computing two Hessians by automatic differentiation…", max_entries=32)
def cached_hessian_check(key: str, kind: str, rotation: np.ndarray, _model, _atoms: Atoms):
    return hessian_check(_model, _atoms, rotation, torch.float64)


@st.cache_data(show_spinner=False, max_entries=4)
def largest_force_index(modified: float, _frames: list[Atoms]) -> int:
    """Index of the structure with the largest force component in ``_frames`` (the shipped test set of
    that file version ``modified``): ASE compares every structure with its calculator's copy before it
    hands out the forces (~0.1 s for 300), so this runs once per server process."""
    return int(np.argmax([float(np.abs(atoms.get_forces()).max()) for atoms in _frames]))


def water_snapshot() -> Atoms:
    """The test-set water structure with the largest force (clear arrows), or the ASE geometry; the
    shipped structure is the server's shared object: copy it before changing it."""
    frames = resources.load_dataset(f"{DATASET}_test", shared=True)  # read only: never modified here
    if not frames:
        return molecule("H2O")
    path = resources.DATA_DIR / f"{DATASET}_test.extxyz"
    return frames[largest_force_index(path.stat().st_mtime, frames)]


def error_text(value: float) -> str:
    return "0" if value == 0 else f"{value:.2e}"


def atom_names(atoms: Atoms) -> list[str]:
    return [f"{symbol}{index}" for index, symbol in enumerate(atoms.get_chemical_symbols())]


# --- page sections (a fragment: its widgets rerun only that section) ------------------------------

@st.fragment
def derivatives_section(effects: dict, operation, moved: Atoms, atoms: Atoms, choices: dict, key: str) -> None:
    """Forces before and after the operation g for one model, and the Hessian blocks under its rotation
    (``effects``: kind -> the measured effect of g; ``key``: the structure's key for the caches)."""
    names = atom_names(atoms)
    derivative_kind = st.radio("Model", list(NAMES), index=1, format_func=NAMES.get, key="derivative_model",
                               horizontal=True)
    effect = effects.get(derivative_kind)
    if effect is not None:
        st.markdown(f"**Forces under g = {operation.name}** ({NAMES[derivative_kind]}, float64, eV/Å)")
        st.dataframe(pd.DataFrame({
            "atom after g": atom_names(moved),
            "F(R) of the atom it came from": [ui.vector_text(f)
                                              for f in effect.forces_before[operation.permutation]],
            "g·F(R)": [ui.vector_text(f) for f in effect.forces_expected],
            "F(gR)": [ui.vector_text(f) for f in effect.forces_after],
            "|F(gR) − g·F(R)|": [error_text(v) for v in
                                 np.linalg.norm(effect.forces_after - effect.forces_expected, axis=1)],
        }), hide_index=True, width="stretch")

    if len(atoms) > MAX_HESSIAN_ATOMS:
        st.info(f"The Hessian check runs for molecules of up to {MAX_HESSIAN_ATOMS} atoms (this one has "
                f"{len(atoms)}): it needs 3N force evaluations that can be differentiated again.")
    elif derivative_kind in choices:
        block_columns = st.columns(2)
        atom_i = block_columns[0].selectbox("Block row: atom I", range(len(atoms)), format_func=names.__getitem__,
                                            key=f"hessian_i::{key}")
        atom_j = block_columns[1].selectbox("Block column: atom J", range(len(atoms)),
                                            index=min(1, len(atoms) - 1), format_func=names.__getitem__,
                                            key=f"hessian_j::{key}")
        try:
            check = cached_hessian_check(f"{key}|{model_files_key()}", derivative_kind, operation.matrix,
                                         choices[derivative_kind].model, atoms)
        except ValueError as error:
            ui.show_error(error, "Hessian")
        else:
            label_i, label_j = names[atom_i], names[atom_j]
            ui.plot(hessian_blocks_figure(
                [("H_IJ(R)", check.block("before", atom_i, atom_j)),
                 ("Q H_IJ(R) Qᵀ", check.block("expected", atom_i, atom_j)),
                 ("H_IJ(QR)", check.block("after", atom_i, atom_j))],
                label_i, label_j, difference=("H_IJ(QR) − Q H_IJ(R) Qᵀ", check.block("error", atom_i, atom_j))),
                key="hessian_figure")
            hessian_columns = st.columns(2)
            hessian_columns[0].metric("max |H(QR) − Q H(R) Qᵀ| over all blocks",
                                      f"{error_text(check.error)} eV/Å²")
            hessian_columns[1].metric("largest |H| entry", f"{np.abs(check.before).max():.3g} eV/Å²")
            st.caption(f"Blocks of {label_i} (rows) and {label_j} (columns), {NAMES[derivative_kind]} in float64, "
                       f"Q = the rotation (and mirror) chosen above; the shift and the swap are left out here.")


# --- page ------------------------------------------------------------------------------------------

ui.page_setup("Symmetries", "🔄")
lecture = ui.lecture_mode()
ui.render_lesson(SLUG, "intro")
ui.render_lesson(SLUG, "invariance")
ui.render_lesson(SLUG, "euclidean")
ui.render_lesson(SLUG, "permutation")
ui.render_lesson(SLUG, "experiment")

pretrained = {}
for kind in SYMMETRY_KINDS:
    calculator = resources.load_pretrained(f"water_{kind}")
    pretrained[kind] = calculator.model if calculator is not None else None

controls, views = st.columns([2, 3], gap="large")
with controls:
    choice = st.radio("Molecule", MOLECULES, key="molecule", horizontal=True)
    atoms = None
    if choice == "Upload an XYZ file":
        uploaded = st.file_uploader(
            f"XYZ or extended-XYZ file: one molecule of 2 to {MAX_ATOMS} atoms, elements H to Ar, in Å",
            type=["xyz", "extxyz"], key="upload")
        if uploaded is not None:
            try:
                atoms = read_structure_upload(uploaded.getvalue(), uploaded.name, MAX_ATOMS, ALLOWED_NUMBERS,
                                              min_atoms=2, neighbor_within=NEIGHBOR_WITHIN)
            except ValueError as error:
                ui.show_error(error, "Upload")
        if atoms is None:
            st.caption("Showing water until a valid file is uploaded.")
    elif choice == "Ethanol":
        atoms = molecule("ethanol")
    if atoms is None:
        atoms = water_snapshot()
    atoms = centered(atoms)  # a copy: rotations turn the molecule about its own centre
    names = atom_names(atoms)
    key = structure_key(atoms)

    axis = st.selectbox("Rotation axis", list(AXES), key="axis")
    angle = st.slider("Rotation angle (°)", -180, 180, 60, 5, key="angle")
    reflect = st.toggle("Mirror z → −z before rotating (a reflection)", key="reflect")
    shift_columns = st.columns(3)
    translation = [shift_columns[i].slider(f"Shift {c} (Å)", -3.0, 3.0, 0.0, 0.5, key=f"shift_{c}")
                   for i, c in enumerate("xyz")]
    swaps = same_element_swaps(atoms.numbers)
    swap_index = st.selectbox(
        "Swap two atoms of the same element", range(len(swaps) + 1), key=f"swap::{key}",
        format_func=lambda i: "no swap" if i == 0 else f"{names[swaps[i - 1][0]]} ↔ {names[swaps[i - 1][1]]}")
    swap = swaps[swap_index - 1] if swap_index else None
    shown = st.radio("Model in the viewers", list(NAMES), format_func=NAMES.get, key="viewer_model",
                     horizontal=True)

operation = user_operation(len(atoms), AXES[axis], angle, translation, reflect, swap)
moved = operation.apply(atoms)
choices = models_for_structure(atoms, pretrained)
effects = {}
for kind, model_choice in choices.items():
    try:
        effects[kind] = operation_effect(model_choice.model, atoms, operation, torch.float64)
    except ValueError as error:
        ui.show_error(error, NAMES[kind])

with views:
    effect = effects.get(shown)
    if effect is not None:
        largest = max(np.linalg.norm(f, axis=1).max() for f in
                      (effect.forces_before, effect.forces_after, effect.forces_expected))
        scale = 1.2 / largest if largest > 0 else 1.0  # the longest arrow is 1.2 Å
        zoom = 1.8 if len(atoms) <= 4 else 1.1  # water is small in a fitted view
        camera = face_on_view(atoms)  # one camera for both views: the molecule's plane faces you
        left, right = st.columns(2)
        with left:
            ui.molecule_viewer(viewed(atoms, camera), forces=effect.forces_before @ camera.T, force_scale=scale,
                               labels=True, zoom=zoom,
                               caption=f"Before: R, blue arrows F(R) · E = {effect.energy_before:.4f} eV")
        with right:
            ui.molecule_viewer(viewed(moved, camera), forces=effect.forces_after @ camera.T,
                               forces_2=effect.forces_expected @ camera.T, force_scale=scale, labels=True, zoom=zoom,
                               caption=f"After: gR · blue F(gR), orange g·F(R) · E = {effect.energy_after:.4f} eV")
        st.caption(f"{NAMES[shown]} ({choices[shown].note}). Arrows: 1 Å of arrow = {1 / scale:.3g} eV/Å. "
                   f"Operation g: {operation.name}. Both views use one camera, turned so that the original "
                   "molecule's plane faces you; drag to turn it.")
        columns = st.columns(2)
        columns[0].metric("|E(gR) − E(R)|", f"{error_text(effect.energy_error)} eV",
                          help="Zero for an invariant model (up to round-off)")
        columns[1].metric("max |F(gR) − g·F(R)|", f"{error_text(effect.force_error)} eV/Å",
                          help="Zero for an equivariant model (up to round-off)")

st.subheader("Energy and forces before and after g, for each model (float64)")
st.dataframe(pd.DataFrame([{
    "model": NAMES[kind], "weights": choices[kind].note,
    "E(R) (eV)": f"{e.energy_before:.6f}", "E(gR) (eV)": f"{e.energy_after:.6f}",
    "|E(gR) − E(R)| (eV)": error_text(e.energy_error),
    "max |F(gR) − g·F(R)| (eV/Å)": error_text(e.force_error),
    "largest force (eV/Å)": f"{np.abs(e.forces_before).max():.3f}",
} for kind, e in effects.items()]), hide_index=True, width="stretch")
if any(not c.pretrained for c in choices.values()):
    st.caption("Models marked *fresh* have random weights: the pretrained models know water (O, H, H in this "
               "order) only. Whether a model is invariant is a property of its architecture, so the checks "
               "mean the same for them; their energies and forces are not chemistry.")

ui.render_lesson(SLUG, "precision")
table = cached_symmetry_table(f"{key}|{model_files_key()}", choices, atoms)
cartesian_rotation_error = None
rows = []
for row in table:
    if row["model"] == "cartesian" and row["dtype"] == "float64" and "rotation ΔE (eV)" in row:
        cartesian_rotation_error = row["rotation ΔE (eV)"]
    rows.append({"model · dtype": f"{row['model']} · {row['dtype']}",
                 **{name: error_text(value) for name, value in row.items() if "Δ" in name}})
st.markdown("**Invariance and equivariance errors** (largest over 3 random operations of each kind)")
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
if len(swaps) == 0:
    st.caption("No two atoms share an element here, so there is no permutation to test.")
st.caption(f"ΔE = max |E(gR) − E(R)|, ΔF = max |F(gR) − g·F(R)|. {len(atoms)} atoms; this molecule has "
           f"{count_same_element_permutations(atoms.numbers):,} relabellings of same-element atoms.")

# Data augmentation ---------------------------------------------------------------------------------
ui.render_lesson(SLUG, "augmentation")
preset_name = st.selectbox("Training preset", list(PRESETS), index=0 if lecture else 1, key="augmentation_preset")
settings = PRESETS[preset_name]
st.caption(f"Water, first {settings.n_structures} training structures, rotations per structure "
           f"{', '.join(map(str, settings.rotation_counts))}; {settings.steps} Adam steps of "
           f"{settings.batch_size} structures each, {settings.dtype}, seed {settings.seed}; tested on "
           f"{settings.n_test} held-out structures, each turned by a new random rotation.")
floor_models = {NAMES[kind]: pretrained[kind] for kind in ("bp", "equivariant") if pretrained[kind] is not None}
frames = [resources.load_dataset(f"{DATASET}_{part}", shared=True)  # read only: the study copies what it turns
          for part in ("train", "val", "test")]
study_job = ui.live_job("augmentation", "Train the Cartesian MLP with 0, 10 and 100 rotations", lambda progress:
                        augmentation_study(*frames, settings=settings, symmetric_models=floor_models,
                                           progress=lambda fraction, message: progress.update(fraction, message)),
                        disabled=not all(frames), button_type="primary")
study = study_job.result if study_job is not None else None
epoch_costs = [{"model": NAMES[kind], "trained on": model.metadata.get("trained_on", "?"),
                "training (s)": model.metadata["seconds"], "epochs": model.metadata["epochs"],
                "seconds per epoch": model.metadata["seconds"] / model.metadata["epochs"]}
               for kind, model in pretrained.items()
               if model is not None and {"seconds", "epochs"} <= set(getattr(model, "metadata", {}))]
if epoch_costs:
    st.markdown("**What building the symmetry in costs:** training time per epoch of the pretrained water models "
                "(1000 structures, float32, 2 CPU threads; from the model files, see assets/models/README.md)")
    st.dataframe(pd.DataFrame(epoch_costs).style.format({"training (s)": "{:.0f}", "seconds per epoch": "{:.2f}"}),
                 hide_index=True)
if study is None:
    st.info("Press the button to train the three models.")
else:
    runs = study.runs
    ui.plot(augmentation_figure(
        [run.n_rotations for run in runs], [run.errors.energy_invariance_ev for run in runs],
        [run.errors.force_equivariance_ev_per_a for run in runs],
        {name: (e.energy_invariance_ev, e.force_equivariance_ev_per_a) for name, e in study.floors.items()},
        study.energy_resolution_ev, precision="float64 (the total)"),
        key="augmentation_figure")
    table_runs = pd.DataFrame(study.rows())
    errors_columns = [c for c in table_runs.columns if "MAE" in c or "mean" in c]
    st.dataframe(table_runs.style.format("{:.3g}", subset=errors_columns), hide_index=True, width="stretch")
    floors = ", ".join(f"{name}: {error_text(e.energy_invariance_ev)} eV and "
                       f"{error_text(e.force_equivariance_ev_per_a)} eV/Å" for name, e in study.floors.items())
    st.caption(f"Same rotated test structures for the models with symmetry built in ({floors}). MAE against "
               "the B3LYP reference; for the rotated test structures the reference forces are rotated too.")

# Forces and Hessians ------------------------------------------------------------------------------
ui.render_lesson(SLUG, "derivatives")
derivatives_section(effects, operation, moved, atoms, choices, key)

ui.practice_section(SLUG, {"cartesian_rotation_error_ev": cartesian_rotation_error})
