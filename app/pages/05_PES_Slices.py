"""Lesson 5 — PES slices: 1-D scans and 2-D slices of water, model next to the PySCF reference, with the
error map, the training data projected onto the slice, and the committee spread; a slice computed live;
and the Müller-Brown surface, where the whole map can be checked."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pyscf
import streamlit as st
import torch

import resources
import ui
from nnpes_core.analysis.slices import (
    ReferenceSlice, compute_reference_slice, contour_arrays, coordinate_label, coordinate_unit, coverage_mask,
    curve_minimum, error_by_coverage, held_coordinates, load_slices, project_onto_slice, slice_coverage,
    slice_energies,
)
from nnpes_core.models import ATOMISTIC, UnknownElementError, model_kinds
from nnpes_core.data.surface_points import surface_dataset
from nnpes_core.surface_training import surface_committee
from nnpes_core.potentials import MullerBrown, PySCFCalculator, grid
from nnpes_core.viz import COLORS, axis_title
from nnpes_core.viz.slices import ScanCurve, error_vs_spread_figure, scan_figure, slice_map

SLUG = "05_pes_slices"
SLICES_PATH = resources.DATA_DIR / "water_reference_slices.json"
TRAIN_SET = "water_b3lyp_631gs_train"
WATER_COORDINATES = [("distance", 0, 1), ("distance", 0, 2), ("angle", 1, 0, 2)]  # O = atom 0
PRETRAINED = {"Behler-Parrinello (water_bp)": "water_bp",
              "Equivariant MPNN (water_equivariant)": "water_equivariant",
              "Committee of BP models (water_committee)": "water_committee"}
COMMITTEE = "water_committee"
SCANS = {"stretch": "Stretch one O–H bond", "bend": "Bend the H–O–H angle"}
SLICES_2D = {"stretch_stretch": "Both O–H bonds (angle held)",
             "stretch_bend": "One O–H bond and the angle (other bond held)"}
ENERGY_CAP = 3.0  # eV above the minimum: the top of the 2-D energy maps
MB_THRESHOLDS = {"E < −100 (the two deepest wells)": -100.0, "E < −50 (valleys)": -50.0,
                 "E < 0 (valleys and saddles)": 0.0, "E < 100 (the whole window)": 100.0}
SCAN_COLORS = [COLORS["model"], COLORS["highlight"], COLORS["validation"], "#56B4E9"]  # not the data's green
MB_COVERAGE = 0.1  # a Müller-Brown grid point is "covered" with a training point this close (surface units)


# --- cached computations ---------------------------------------------------------------------------

@st.cache_data(show_spinner=False)
def reference_slices(path: str, modified: float):
    return load_slices(path)


@st.cache_resource(show_spinner=False, max_entries=16)
def _shared_geometries(name: str, modified: float, _cut, _base) -> list:
    return _cut.frames(_base)


def geometries(name: str, cut, base) -> list:
    """The water geometries of the shipped scan or slice ``name``, built once per server process (setting an
    angle moves the atoms one structure at a time: ~0.05 s for a 15 × 15 slice) and shared by every session:
    read only (the models, the projections and the coverage only read them)."""
    return _shared_geometries(name, SLICES_PATH.stat().st_mtime, cut, base)


@st.cache_data(show_spinner=False, max_entries=16)
def data_projection(slice_name: str, coordinates: tuple, held: tuple, modified: float, _frames):
    """Training structures projected onto a slice: points [n, k] and 'near the slice' [n]."""
    projection = project_onto_slice(_frames, list(coordinates), dict(held))
    return projection.points, projection.near


@st.cache_data(show_spinner=False, max_entries=16)
def covered_points(slice_key: str, modified: float, _frames, _data) -> np.ndarray:
    """Grid points with a training structure nearby in all three internal coordinates."""
    return slice_coverage(_frames, _data, WATER_COORDINATES)


@st.cache_data(show_spinner=False, max_entries=64)
def model_on_slice(model_key: str, slice_key: str, _model, _frames):
    """Energies (and a committee's spread) on all slice geometries, one batch, float64."""
    result = slice_energies(_model, _frames, torch.float64)
    return result.energy, result.energy_std


def mb_committee_work(progress, threshold: float, n_points: int, steps: int):
    """4 networks on bootstrap resamples of seeded Müller-Brown points below ``threshold`` (the same for all)."""
    surface = MullerBrown()
    data = surface_dataset(surface, n_points, seed=0, energy_max=threshold)
    start = time.perf_counter()
    committee = surface_committee(data, n_members=4, width=32, depth=2, steps=steps, seed=0,
                                  progress=lambda done, total: progress.update(done / total,
                                                                               f"{done} of {total} networks"))
    return committee, data.positions.numpy(), time.perf_counter() - start


@st.cache_data(show_spinner=False)
def mb_grid(n: int):
    return grid(MullerBrown(), n=n)


# --- the models a student can choose ------------------------------------------------------------------

def water_models() -> dict[str, tuple[str, object]]:
    """label -> (cache key, model) for the pretrained water models present and this session's models."""
    models = {}
    for label, name in PRETRAINED.items():
        calculator = resources.load_pretrained(name)  # a missing file: one error line, and not in the menu
        if calculator is not None:
            path = resources.MODELS_DIR / f"{name}.pt"
            models[label] = (f"{name}@{path.stat().st_mtime}", calculator.model)
    for name, entry in resources.session_models().items():
        model = entry.get("model")
        if entry.get("kind") not in model_kinds(ATOMISTIC) or model is None:
            continue
        try:
            model.check_elements([8, 1, 1])
            if entry.get("kind") == "cartesian" and list(getattr(model, "numbers", [8, 1, 1])) != [8, 1, 1]:
                continue
        except (UnknownElementError, ValueError):
            continue
        models[f"Yours (lesson 4): {name}"] = (None, model)  # no cache key: a student's model stays theirs
    return models


def evaluate(label: str, models: dict, slice_key: str, frames):
    """Energies and spread of a model on a slice: the pretrained models' from the shared cache (the same
    for everyone), a session model's computed here (one batch), so no other session can ever see them."""
    key, model = models[label]
    try:
        if key is None:
            result = slice_energies(model, frames, torch.float64)
            return result.energy, result.energy_std
        return model_on_slice(key, slice_key, model, frames)
    except (UnknownElementError, ValueError, RuntimeError) as error:
        ui.show_error(error, f"Model {label}")
        return None, None


# --- page sections (each a fragment: its widgets rerun only that section) --------------------------

@st.fragment
def scan_section(models: dict, base, slices: dict, minimum_energy: float, symbols: list, provenance: str,
                 train_frames, data_stamp: float, lecture: bool) -> None:
    """1-D scans of the chosen models against the reference, with where the training data lie."""
    scan_name = st.radio("Scan", list(SCANS), format_func=SCANS.get, horizontal=True, key="scan_kind")
    labels = list(models)
    default = [label for label in labels if "water_bp" in label or COMMITTEE in label][:2] or labels[:1]
    chosen = st.multiselect("Models on the scan", labels, default=default, key="scan_models")
    scan = slices[scan_name]
    scan_frames = geometries(scan_name, scan, base)
    coordinate = scan.coordinates[0]
    held = held_coordinates(base, scan.coordinates, WATER_COORDINATES)
    data_points, _ = data_projection(scan_name, tuple(scan.coordinates), tuple(held.items()), data_stamp,
                                     train_frames) if train_frames else (np.zeros((0, 1)), None)
    covered = (covered_points(scan_name, data_stamp, scan_frames, train_frames) if train_frames
               else np.zeros(len(scan_frames), bool))
    curves, rows = [], []
    reference_min = curve_minimum(scan.values[0], scan.energy)
    unit = coordinate_unit(coordinate)
    for index, label in enumerate(chosen):
        energy, spread = evaluate(label, models, scan_name, scan_frames)
        if energy is None:
            continue
        color = SCAN_COLORS[index % len(SCAN_COLORS)]
        curves.append(ScanCurve(label, energy - minimum_energy, spread, color))
        stats = error_by_coverage((energy - scan.energy) * 1000, covered)
        model_min = curve_minimum(scan.values[0], energy)
        rows.append({"Model": label, "RMS error, data nearby (meV)": f"{stats['rms_covered']:.1f}",
                     "RMS error, beyond the data (meV)": f"{stats['rms_beyond']:.0f}",
                     "largest error beyond (meV)": f"{stats['max_beyond']:.0f}",
                     f"minimum at ({unit})": f"{model_min[0]:.3f}"})
    label_x = coordinate_label(coordinate, symbols)
    ui.plot(scan_figure(scan.values[0], scan.energy - minimum_energy, curves, x_title=axis_title(label_x, unit),
                        energy_title=axis_title("E − E_min", "eV"), data_x=data_points[:, 0],
                        reference_name="B3LYP/6-31G* (PySCF)",
                        title=f"Water: {SCANS[scan_name][0].lower()}{SCANS[scan_name][1:]}"),
            key="scan_plot", height=620 if lecture else 500)
    st.caption(provenance + f" {len(scan.values[0])} points; training structures: {len(data_points)}.")
    if rows:
        rows.append({"Model": "reference (B3LYP)", "RMS error, data nearby (meV)": "—",
                     "RMS error, beyond the data (meV)": "—", "largest error beyond (meV)": "—",
                     f"minimum at ({unit})": f"{reference_min[0]:.3f}"})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.caption(f"'Data nearby': {int(covered.sum())} of {len(covered)} scan points have a training structure "
                   "within 0.04 Å and 4° in all three internal coordinates.")


@st.fragment
def slice_section(models: dict, base, slices: dict, meta: dict, minimum_energy: float, symbols: list,
                  provenance: str, train_frames, data_stamp: float, map_height: int,
                  lecture: bool) -> tuple[float | None, float | None]:
    """2-D slices, the error map, the committee spread and a cut computed live; returns the largest error
    on the slice (meV) and the committee's RMS spread beyond the data (meV), for the practice problems."""
    max_slice_error = spread_beyond = None
    labels = list(models)
    controls = st.columns([2, 2, 1])
    slice_name = controls[0].radio("Slice", list(SLICES_2D), format_func=SLICES_2D.get, key="slice_kind")
    model_label = controls[1].selectbox("Model", labels, key="slice_model",
                                        index=0 if labels else None) if labels else None
    error_limit = controls[2].select_slider("Error colour scale ± (meV)", [10, 30, 100, 300, 1000], value=100,
                                            key="slice_error_limit")
    cut = slices[slice_name]
    cut_frames = geometries(slice_name, cut, base)
    held = held_coordinates(base, cut.coordinates, WATER_COORDINATES)
    if train_frames:
        points, near = data_projection(slice_name, tuple(cut.coordinates), tuple(held.items()), data_stamp,
                                       train_frames)
        covered = covered_points(slice_name, data_stamp, cut_frames, train_frames)
    else:
        points, near, covered = np.zeros((0, 2)), np.zeros(0, bool), np.zeros(len(cut_frames), bool)
    (c1, c2) = cut.coordinates
    x_title = axis_title(coordinate_label(c1, symbols), coordinate_unit(c1))
    y_title = axis_title(coordinate_label(c2, symbols), coordinate_unit(c2))
    square = coordinate_unit(c1) == coordinate_unit(c2)  # both bonds: draw r₁ ↔ r₂ as a mirror image
    held_text = ", ".join(f"{coordinate_label(c, symbols)} = {v:.3f} {coordinate_unit(c)}" for c, v in held.items())
    X, Y, Z_ref = contour_arrays(cut.values[0], cut.values[1], cut.energy - minimum_energy)
    energy_title = axis_title("E − E_min", "eV")
    left, right = st.columns(2)
    with left:
        ui.plot(slice_map(X, Y, Z_ref, x_title=x_title, y_title=y_title, value_title=energy_title,
                          title="Reference (B3LYP/6-31G*)", data_xy=points, data_near=near, value_max=ENERGY_CAP,
                          equal_axes=square),
                key="slice_reference", height=map_height)
    if model_label is not None:
        energy, spread = evaluate(model_label, models, slice_name, cut_frames)
        if energy is not None:
            _, _, Z_model = contour_arrays(cut.values[0], cut.values[1], energy - minimum_energy)
            error_mev = (energy - cut.energy) * 1000
            _, _, Z_error = contour_arrays(cut.values[0], cut.values[1], error_mev)
            with right:
                ui.plot(slice_map(X, Y, Z_model, x_title=x_title, y_title=y_title, value_title=energy_title,
                                  title=f"Model: {model_label}", data_xy=points, data_near=near,
                                  value_max=ENERGY_CAP, equal_axes=square), key="slice_model_map", height=map_height)
            ui.plot(slice_map(X, Y, Z_error, x_title=x_title, y_title=y_title,
                              value_title=axis_title("model − reference", "meV"), signed=True,
                              value_max=float(error_limit), data_xy=points, data_near=near, equal_axes=square,
                              title=f"Error map: {model_label} − B3LYP"),
                    key="slice_error_map", height=620 if lecture else 520)
            st.caption("Model: " + resources.describe_model(models[model_label][1], model_label))
            stats = error_by_coverage(error_mev, covered)
            max_slice_error = float(np.max(np.abs(error_mev)))
            metrics = st.columns(4)
            metrics[0].metric("RMS error, data nearby", f"{stats['rms_covered']:.1f} meV")
            metrics[1].metric("RMS error, beyond the data", f"{stats['rms_beyond']:.0f} meV")
            metrics[2].metric("Largest |error| on the slice", f"{max_slice_error:.0f} meV")
            metrics[3].metric("Grid points with data nearby", f"{int(covered.sum())} of {covered.size}")
    st.caption(f"{cut.shape[0]} × {cut.shape[1]} grid; held: {held_text}. Solid dots: training structures within "
               "0.05 Å / 5° of the slice in the held coordinate; faint dots: projected from further away. "
               f"Energy maps capped at {ENERGY_CAP:g} eV; error colours saturate at ±{error_limit} meV. "
               + provenance)

    # --- committee spread ------------------------------------------------------------------------------------
    ui.render_lesson(SLUG, "committee")
    committee_label = next((label for label in models if COMMITTEE in label), None)
    if committee_label is not None:  # None: its committed file is missing, said above in one line
        energy, spread = evaluate(committee_label, models, slice_name, cut_frames)
        if energy is not None and spread is not None:
            spread_mev, error_mev = spread * 1000, (energy - cut.energy) * 1000
            _, _, Z_spread = contour_arrays(cut.values[0], cut.values[1], spread_mev)
            n_members = len(models[committee_label][1].members)
            left, right = st.columns(2)
            with left:
                ui.plot(slice_map(X, Y, np.log10(np.maximum(Z_spread, 1e-3)), x_title=x_title, y_title=y_title,
                                  value_title=axis_title("log₁₀ σ", "σ in meV"), data_xy=points, data_near=near,
                                  title=f"Committee spread σ ({n_members} members)", equal_axes=square),
                        key="slice_spread_map", height=map_height)
            with right:
                ui.plot(error_vs_spread_figure(spread_mev, error_mev, covered, unit="meV",
                                               title="Committee: |error| against spread"),
                        key="error_vs_spread", height=map_height)
            spread_stats = error_by_coverage(spread_mev, covered)
            spread_beyond = spread_stats["rms_beyond"]
            log_correlation = float(np.corrcoef(np.log10(np.maximum(spread_mev, 1e-3)),
                                                np.log10(np.maximum(np.abs(error_mev), 1e-3)))[0, 1])
            metrics = st.columns(3)
            metrics[0].metric("RMS spread, data nearby", f"{spread_stats['rms_covered']:.1f} meV")
            metrics[1].metric("RMS spread, beyond the data", f"{spread_stats['rms_beyond']:.0f} meV")
            metrics[2].metric("Correlation of log σ and log |error|", f"{log_correlation:.2f}")
            st.caption("σ is the standard deviation of the members' energies (population form); the error is the "
                       "committee mean minus the reference, on the same grid as above.")

    # --- live slice -------------------------------------------------------------------------------------------
    ui.render_lesson(SLUG, "live")
    live_kinds = {"stretch_stretch": "Both O–H bonds (2-D)", "stretch_bend": "O–H bond and angle (2-D)",
                  "stretch": "O–H stretch (1-D)", "bend": "H–O–H bend (1-D)"}
    per_point = float(meta.get("seconds", 0.0)) / max(int(meta.get("n_points", 1)), 1) or 0.5
    with st.container(border=True):
        row = st.columns([2, 1, 2, 2])
        live_kind = row[0].selectbox("Cut", list(live_kinds), format_func=live_kinds.get, key="live_kind")
        two_d = live_kind.startswith("stretch_")
        n_grid = row[1].select_slider("Points per axis", [3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20],
                                      value=5 if two_d else 12, key="live_n")
        bond_range = row[2].slider("O–H range (Å)", 0.6, 2.0, (0.8, 1.3), step=0.05, key="live_bond")
        angle_range = row[3].slider("Angle range (°)", 40.0, 180.0, (70.0, 150.0), step=5.0, key="live_angle")
        live_coordinates = {"stretch_stretch": [WATER_COORDINATES[0], WATER_COORDINATES[1]],
                            "stretch_bend": [WATER_COORDINATES[0], WATER_COORDINATES[2]],
                            "stretch": [WATER_COORDINATES[0]], "bend": [WATER_COORDINATES[2]]}[live_kind]
        live_values = [np.linspace(*(bond_range if c[0] == "distance" else angle_range), n_grid)
                       for c in live_coordinates]
        n_live = int(np.prod([len(v) for v in live_values]))
        st.caption(f"{n_live} B3LYP/6-31G* calculations: about {n_live * per_point:.0f} s on one core the first "
                   f"time (measured when the shipped slices were made: {per_point:.2f} s per point); points "
                   "already in the disk cache come back at once.")

        def live_slice_work(job_progress, kind=live_kind, coordinates=live_coordinates, values=live_values):
            calculator = PySCFCalculator("b3lyp", "6-31g*")
            counts, started = {"cache": 0}, time.perf_counter()

            def progress(done: int, total: int) -> None:
                counts["cache"] += int(calculator.from_cache)
                job_progress.update(done / total, f"PySCF B3LYP/6-31G*: point {done} of {total} "
                                                  f"({time.perf_counter() - started:.0f} s)")

            result = compute_reference_slice(kind, base, calculator, coordinates, values, progress)
            result.metadata = {"seconds": time.perf_counter() - started, "from_cache": counts["cache"],
                               "pyscf": pyscf.__version__}
            return result

        live_job = ui.live_job("live_slice", "Compute this cut with PySCF now", live_slice_work, button_type="primary")
    live: ReferenceSlice | None = live_job.result if live_job is not None else None
    if live is not None and model_label is not None:
        live_frames = live.frames(base)
        live_key = f"live::{live.name}::{[v.tolist() for v in live.values]}"
        energy, spread = evaluate(model_label, models, live_key, live_frames)
        meta_live = live.metadata
        source = (f"**Computed live with PySCF {meta_live.get('pyscf', '')}** (B3LYP/6-31G*) on this server: "
                  f"{live.energy.size} points in {meta_live.get('seconds', 0):.1f} s, "
                  f"{meta_live.get('from_cache', 0)} of them read back from the PySCF disk cache.")
        if energy is not None and len(live.coordinates) == 1:
            c = live.coordinates[0]
            ui.plot(scan_figure(live.values[0], live.energy - minimum_energy,
                                [ScanCurve(model_label, energy - minimum_energy, spread, COLORS["model"])],
                                x_title=axis_title(coordinate_label(c, symbols), coordinate_unit(c)),
                                energy_title=energy_title, reference_name="B3LYP/6-31G* (PySCF, live)",
                                title=f"Your cut: {live_kinds[live.name]}"), key="live_scan")
        elif energy is not None:
            c1, c2 = live.coordinates
            X_live, Y_live, Z_live = contour_arrays(live.values[0], live.values[1], (energy - live.energy) * 1000)
            held_live = held_coordinates(base, live.coordinates, WATER_COORDINATES)
            live_points, live_near = data_projection(live.name, tuple(live.coordinates), tuple(held_live.items()),
                                                     data_stamp, train_frames) if train_frames else (None, None)
            ui.plot(slice_map(X_live, Y_live, Z_live,
                              x_title=axis_title(coordinate_label(c1, symbols), coordinate_unit(c1)),
                              y_title=axis_title(coordinate_label(c2, symbols), coordinate_unit(c2)),
                              value_title=axis_title("model − reference", "meV"), signed=True,
                              value_max=float(error_limit), data_xy=live_points, data_near=live_near,
                              title=f"Your cut: {model_label} − B3LYP (live)"), key="live_map")
        st.caption(source)
    return max_slice_error, spread_beyond


@st.fragment
def muller_brown_section(lecture: bool, map_height: int) -> None:
    """A committee trained only where the student allows data, against the whole Müller-Brown map."""
    row = st.columns(3)
    threshold_label = row[0].selectbox("Training points only where", list(MB_THRESHOLDS), index=1,
                                       key="mb_threshold")
    # the keys name the mode, so that switching lecture mode on brings the fast preset back
    n_mb = row[1].select_slider("Training points", [50, 100, 200, 400], value=100 if lecture else 200,
                                key=f"mb_points::{lecture}")
    steps = row[2].select_slider("Training steps per member", [200, 400, 800], value=200 if lecture else 400,
                                 key=f"mb_steps::{lecture}")
    trained = resources.shared_result("05/mb_committee", mb_committee_work, MB_THRESHOLDS[threshold_label], n_mb,
                                      steps, label=f"Training a committee of 4 networks on {n_mb} Müller-Brown "
                                                   "points")
    if trained is None:
        return
    committee, mb_xy, mb_seconds = trained
    X_mb, Y_mb, E_mb = mb_grid(60 if lecture else 80)
    xy_grid = torch.as_tensor(np.stack([X_mb, Y_mb], axis=-1))
    with torch.no_grad():
        mean_mb = committee(xy_grid).numpy()
        spread_mb = committee.spread(xy_grid).numpy()
    mb_surface = MullerBrown()
    mb_covered = coverage_mask(np.stack([X_mb.ravel(), Y_mb.ravel()], axis=1), mb_xy, [MB_COVERAGE, MB_COVERAGE])
    mb_error = mean_mb - E_mb
    mb_units = "arbitrary units"
    mb_x, mb_y = axis_title("x", mb_units), axis_title("y", mb_units)
    left, right = st.columns(2)
    with left:
        ui.plot(slice_map(X_mb, Y_mb, E_mb, x_title=mb_x, y_title=mb_y, value_title=axis_title("E", mb_units),
                          value_max=mb_surface.plot_energy_max, data_xy=mb_xy,
                          title="Müller-Brown reference and the data"), key="mb_reference", height=map_height)
    with right:
        ui.plot(slice_map(X_mb, Y_mb, mean_mb, x_title=mb_x, y_title=mb_y, value_title=axis_title("E", mb_units),
                          value_max=mb_surface.plot_energy_max, data_xy=mb_xy, title="Committee mean (4 networks)"),
                key="mb_model", height=map_height)
    left, right = st.columns(2)
    with left:
        ui.plot(slice_map(X_mb, Y_mb, mb_error, x_title=mb_x, y_title=mb_y,
                          value_title=axis_title("model − reference", mb_units), signed=True, value_max=50.0,
                          data_xy=mb_xy, title="Error map"), key="mb_error")
    with right:
        ui.plot(slice_map(X_mb, Y_mb, np.log10(np.maximum(spread_mb, 1e-3)), x_title=mb_x, y_title=mb_y,
                          value_title=axis_title("log₁₀ σ", "σ in " + mb_units), data_xy=mb_xy,
                          title="Committee spread σ"), key="mb_spread")
    mb_stats = error_by_coverage(mb_error, mb_covered)
    mb_spread_stats = error_by_coverage(spread_mb, mb_covered)
    metrics = st.columns(4)
    metrics[0].metric("Müller-Brown error, near data", f"{mb_stats['rms_covered']:.2f}")
    metrics[1].metric("Müller-Brown error, beyond", f"{mb_stats['rms_beyond']:.1f}")
    metrics[2].metric("Müller-Brown spread, near data", f"{mb_spread_stats['rms_covered']:.2f}")
    metrics[3].metric("Müller-Brown spread, beyond", f"{mb_spread_stats['rms_beyond']:.1f}")
    st.caption(f"{n_mb} points drawn uniformly in the window where the Müller-Brown energy is "
               f"{threshold_label[2:]} (seed 0); 4 networks (2 × 32 SiLU) on bootstrap resamples, energies only, "
               f"{steps} Adam steps each, trained in {mb_seconds:.1f} s on this server. 'Data nearby': a training "
               f"point within {MB_COVERAGE} of the grid point ({100 * mb_stats['fraction_covered']:.0f} % of the "
               "map). Numbers above: RMS over the grid points of each kind. Errors saturate at ±50.")

    surface_models = {name: entry for name, entry in resources.session_models().items()
                      if entry.get("kind") == "surface" and "müller" in str(entry.get("dataset", "")).lower()}
    if surface_models:
        chosen_surface = st.selectbox("Your Müller-Brown model from lesson 4", list(surface_models), key="mb_session")
        with torch.no_grad():
            yours = surface_models[chosen_surface]["model"](xy_grid.to(next(
                surface_models[chosen_surface]["model"].parameters()).dtype)).double().numpy()
        ui.plot(slice_map(X_mb, Y_mb, yours - E_mb, x_title=mb_x, y_title=mb_y,
                          value_title=axis_title("model − reference", mb_units), signed=True, value_max=50.0,
                          title=f"Error map: {chosen_surface}"), key="mb_session_error")
        st.caption("Its training points were drawn uniformly below the window's energy ceiling (lesson 4).")


# --- page ---------------------------------------------------------------------------------------------

ui.page_setup("PES slices", "🗺️")
lecture = ui.lecture_mode()
ui.render_lesson(SLUG, "intro")

computed: dict[str, float | None] = {"max_slice_error": None, "spread_beyond": None}
shipped = None
if SLICES_PATH.is_file():
    try:
        shipped = reference_slices(str(SLICES_PATH), SLICES_PATH.stat().st_mtime)
    except ValueError as error:
        ui.show_error(error, "Reference slices")
else:
    ui.show_error("The reference slices file assets/data/water_reference_slices.json is missing from this "
                  "installation.")

train_frames = resources.load_dataset(TRAIN_SET, shared=True)  # read only: projected onto the slices
data_stamp = (resources.DATA_DIR / f"{TRAIN_SET}.extxyz").stat().st_mtime if train_frames else 0.0
models = water_models()
map_height = 560 if lecture else 470

if shipped is not None:
    base, slices, meta = shipped
    minimum_energy = float(meta["minimum_energy_eV"])
    symbols = base.get_chemical_symbols()
    provenance = (f"Reference: **computed with PySCF {meta.get('pyscf', '')} (B3LYP/6-31G\\*) by "
                  f"`{meta.get('script', 'assets/scripts/make_reference_slices.py')}`** on {meta.get('date', '?')}, "
                  "not in this session (see assets/data/PROVENANCE.md). Models: evaluated now, every grid point "
                  "in one batch. Energies relative to the reference minimum "
                  f"E_min = {minimum_energy:.4f} eV.")

    ui.render_lesson(SLUG, "scans")
    scan_section(models, base, slices, minimum_energy, symbols, provenance, train_frames, data_stamp, lecture)
    ui.render_lesson(SLUG, "slices-2d")
    computed["max_slice_error"], computed["spread_beyond"] = slice_section(
        models, base, slices, meta, minimum_energy, symbols, provenance, train_frames, data_stamp, map_height,
        lecture)

# --- Müller-Brown --------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "muller-brown")
muller_brown_section(lecture, map_height if shipped is not None else 470)

ui.practice_section(SLUG, computed)
