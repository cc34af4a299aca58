"""Lesson 7 — Derivatives: finite differences against autograd over step sizes (truncation and round-off,
float32 and float64), what forces and Hessians cost against the number of atoms, and harmonic
frequencies of water from a pretrained model at its own minimum against the PySCF B3LYP reference.
Every number is computed by the page (timings on this server)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st
import torch

import resources
import ui
from nnpes_core.analysis.cost import scaling_model
from nnpes_core.analysis.derivative_cost import (
    extrapolated_ratio, speedup_at_largest, time_force_methods, time_hessian_methods,
)
from nnpes_core.analysis.finite_differences import (
    DEFAULT_STEPS, FD_SCHEMES, SCHEME_ORDER, energy_evaluations, fd_error_study,
)
from nnpes_core.analysis.frequency_comparison import (
    frequency_table, mass_weighted_spectrum, match_modes, model_minimum, triatomic_mode_name,
)
from nnpes_core.analysis.vibrations import harmonic_analysis, mode_animation_frames
from nnpes_core.data import molecule
from nnpes_core.data.clusters import fcc_cluster
from nnpes_core.data.reference_hessian import compute_reference_hessian, read_reference_hessian
from nnpes_core.viz.derivatives import ErrorCurve, fd_error_figure, frequency_error_figure, timing_figure
from nnpes_core.viz.style import COLORS

SLUG = "07_derivatives"
MODELS = {"water_bp": "Behler-Parrinello (water_bp)", "water_equivariant": "Equivariant MPNN (water_equivariant)"}
MODEL_KINDS = {"water_bp": "bp", "water_equivariant": "equivariant"}
DTYPES = {"float64": torch.float64, "float32": torch.float32}
SCHEME_LABELS = {"central": "central: [E(x+h) − E(x−h)] / 2h", "forward": "forward: [E(x+h) − E(x)] / h"}
TEST_SET = "water_b3lyp_631gs_test"
REFERENCE_FILE = resources.DATA_DIR / "water_b3lyp_631gs_hessian.json"
# cluster sizes (atoms) and the longest call (s) a finite-difference / full-Hessian series may reach
PRESETS = {"lecture": ((8, 16, 32, 64, 128), 0.5), "default": ((8, 16, 32, 64, 128, 256), 0.5),
           "full": ((8, 16, 32, 64, 128, 256, 512, 1024), 5.0)}
FIT_MIN_ATOMS = 16
TIMING_THREADS = 1  # time on one CPU thread: reproducible slopes, also on a server shared with other work


# --- cached computations ---------------------------------------------------------------------------

def model_stamp(name: str) -> float:
    """The model file's modification time: a retrained model gets new cache entries."""
    path = resources.MODELS_DIR / f"{name}.pt"
    return path.stat().st_mtime if path.is_file() else 0.0


@st.cache_data(show_spinner="Finite differences at 15 step sizes, in float64 and float32…", max_entries=64)
def fd_study(model_name: str, stamp: float, structure_index: int, scheme: str, _model, _atoms) -> dict:
    """Per dtype: the measured error curve, its guide lines and the slopes on both sides of the V
    (reference data of a shipped model and structure: the same for every student)."""
    return {label: fd_error_study(_model, _atoms, DEFAULT_STEPS, dtype, scheme) for label, dtype in DTYPES.items()}


@st.cache_data(show_spinner="Timing energies, autograd forces and finite differences on argon clusters…",
               max_entries=16)
def force_timings(kind: str, dtype_name: str, sizes: tuple, max_seconds: float):
    model = scaling_model(kind, 5.0, dtype=DTYPES[dtype_name])
    structures = [fcc_cluster(n, jitter=0.05) for n in sizes]
    return time_force_methods(model, structures, DTYPES[dtype_name], max_seconds=max_seconds, threads=TIMING_THREADS)


@st.cache_data(show_spinner="Timing full Hessians and Hessian-vector products…", max_entries=16)
def hessian_timings(kind: str, dtype_name: str, sizes: tuple, max_seconds: float):
    model = scaling_model(kind, 5.0, dtype=DTYPES[dtype_name])
    structures = [fcc_cluster(n, jitter=0.05) for n in sizes]
    return time_hessian_methods(model, structures, DTYPES[dtype_name], max_seconds=max_seconds,
                                threads=TIMING_THREADS)


@st.cache_data(show_spinner="Optimising water on the model's surface and taking its Hessian (float64)…",
               max_entries=16)
def model_vibrations(model_name: str, stamp: float, _model):
    return model_minimum(_model, molecule("H2O"), torch.float64, fmax=1e-4)


@st.cache_data(show_spinner=False)
def reference_from_file(path: str, stamp: float):
    return read_reference_hessian(path)


def fit_rows(series: dict) -> pd.DataFrame:
    rows = []
    for timed in series.values():
        slope, prefactor = timed.slope(FIT_MIN_ATOMS)
        rows.append({"series": timed.label, "sizes timed (atoms)": f"{min(timed.n_atoms)} – {max(timed.n_atoms)}"
                     if timed.n_atoms else "—", "slope b": slope, "prefactor a (s)": prefactor,
                     "note": timed.stop_reason})
    return pd.DataFrame(rows)


def side_by_side():
    """(controls, figure): a narrow column beside a wide one; stacked in lecture mode (large fonts)."""
    if ui.lecture_mode():
        return st.container(), st.container()
    return st.columns([1, 3], gap="large")


def timing_series(series: dict) -> list:
    return [(timed.label, timed.n_atoms, timed.seconds, *timed.slope(FIT_MIN_ATOMS)) for timed in series.values()]


# --- page sections (a fragment: its widgets rerun only that section) --------------------------------

@st.fragment
def normal_mode_viewer(vibrations, reference_analysis, names: list[str], order, model_name: str,
                       lecture: bool) -> None:
    """The chosen normal mode of the model, animated at the chosen amplitude (Å, most moving atom)."""
    shown = st.radio("Animate the normal mode", range(len(names)), format_func=lambda k: names[k].capitalize(),
                     key="mode", horizontal=True)
    amplitude = st.slider("Amplitude of the most moving atom (Å)", 0.05, 0.4, 0.25, 0.05, key="amplitude")
    model_index = int(order[shown])
    frames = mode_animation_frames(vibrations.atoms, vibrations.analysis.displacements[model_index],
                                   amplitude=amplitude, n_frames=24)
    shown_atoms = vibrations.atoms.copy()
    for frame in [*frames, shown_atoms]:  # ASE's water lies in the yz plane: turn it to face the viewer
        frame.rotate(90, "y", center=(0.0, 0.0, 0.0))
    ui.molecule_viewer(shown_atoms, frames=frames, zoom=1.5, height=300 if not lecture else 480,
                       caption=f"{names[shown].capitalize()} of {model_name} at its minimum (displacements "
                               f"exaggerated): {vibrations.analysis.wavenumbers[model_index]:.1f} cm⁻¹, reference "
                               f"{reference_analysis.wavenumbers[shown]:.1f} cm⁻¹")


# --- page ------------------------------------------------------------------------------------------

ui.page_setup("Derivatives: AD, finite differences, Hessians", "📐")
lecture = ui.lecture_mode()
preset = "lecture" if lecture else "default"
ui.render_lesson(SLUG, "intro")

model_name = st.radio("Pretrained model", list(MODELS), format_func=MODELS.get, horizontal=True, key="model")
calculator = resources.load_pretrained(model_name)
model = calculator.model if calculator is not None else None
kind = MODEL_KINDS[model_name]
if model is not None:
    st.caption(resources.describe_model(model, f"assets/models/{model_name}.pt"))

ui.render_lesson(SLUG, "autodiff")

# Finite differences against autograd -------------------------------------------------------------------
ui.render_lesson(SLUG, "finite-differences")
best_step_float64 = None
test_set = resources.load_dataset(TEST_SET)
if model is not None and test_set:
    controls, figure = side_by_side()
    with controls:
        scheme = st.radio("Finite-difference formula", FD_SCHEMES, format_func=SCHEME_LABELS.get, key="fd_scheme")
        structure_index = int(st.number_input(f"Water geometry from the test set (0 – {len(test_set) - 1})",
                                              0, len(test_set) - 1, 0, 1, key="fd_structure"))
        atoms = test_set[structure_index].copy()
        atoms.calc = None
        try:
            study = fd_study(model_name, model_stamp(model_name), structure_index, scheme, model, atoms)
        except ValueError as error:
            ui.show_error(error, "Finite differences")
            study = None
        if study is not None:
            st.metric("Energies per force evaluation", f"{energy_evaluations(len(atoms), scheme)}",
                      help=f"{'6N' if scheme == 'central' else '3N + 1'} for N = {len(atoms)} atoms; autograd: "
                           "one energy and one backward pass")
            st.caption(f"Model energy |E| = {abs(study['float64'].energy):,.1f} eV, held in float64 in both "
                       f"precisions; largest force component {study['float64'].largest_force:.2f} eV/Å.")
    if study is not None:
        curves = []
        for label, entry in study.items():
            steps = np.array(entry.curve["step_a"])
            guides = entry.guides
            curves.append(ErrorCurve(label, steps, np.array(entry.curve["max_error_ev_per_a"]),
                                     guides.truncation(steps), guides.roundoff(steps),
                                     entry.curve["best_step_a"], entry.curve["best_error_ev_per_a"],
                                     order=guides.order))
        fd_figure = fd_error_figure(curves, scheme)
        with figure:
            ui.plot(fd_figure, height=600 if not lecture else 720, key="fd_plot")
        columns = st.columns(4)
        for column, (label, entry) in zip(columns[:2], study.items()):
            column.metric(f"Best step, {label}", f"{entry.curve['best_step_a']:.1e} Å",
                          help=f"error there: {entry.curve['best_error_ev_per_a']:.1e} eV/Å")
        for column, (label, entry) in zip(columns[2:], study.items()):
            column.metric(f"Predicted best step h*, {label}", f"{entry.guides.predicted_best_step:.1e} Å",
                          help="(δE / pC)^(1/(p+1)) from the two guide lines")
        rounding = " · ".join(
            f"{label}: δE = {entry.guides.roundoff_scale:.1e} eV (float64 total {entry.guides.total_rounding:.1e} + "
            f"network {entry.guides.network_noise:.1e})" for label, entry in study.items())
        slope_text = " · ".join(
            f"{label}: slope {entry.slopes[0]:.2f} at large h, {entry.slopes[1]:.2f} at small h"
            for label, entry in study.items())
        smallest = study["float32"]
        st.caption(f"Round-off of one energy — {rounding}. The network's part is measured: the same 16 nearby "
                   "geometries evaluated in float32 and in float64. Measured slopes of log(error) against log(h), "
                   f"expected {SCHEME_ORDER[scheme]} and −1 — {slope_text}. Fitted truncation constant C = "
                   f"{study['float64'].guides.truncation_coefficient:.3g} eV/Å{'³' if SCHEME_ORDER[scheme] == 2 else '²'}. "
                   f"At h = {smallest.curve['step_a'][-1]:.0e} Å the float32 error is "
                   f"{smallest.curve['max_error_ev_per_a'][-1]:.2g} eV/Å, "
                   f"{smallest.curve['max_error_ev_per_a'][-1] / smallest.largest_force:.1f} × the largest force.")
        best_step_float64 = study["float64"].curve["best_step_a"]

# Cost of forces -------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "cost")
controls, figure = side_by_side()
with controls:
    dtype_name = st.radio("Precision of the timed model", list(DTYPES), key="cost_dtype", horizontal=True)
    st.caption(f"Architecture: {MODELS[model_name].split(' (')[0]} (the model chosen above), untrained, argon.")


    def full_series(progress, kind=kind, dtype_name=dtype_name):
        sizes, max_seconds = PRESETS["full"]
        structures = [fcc_cluster(n, jitter=0.05) for n in sizes]
        timed_model = scaling_model(kind, 5.0, dtype=DTYPES[dtype_name])
        report = lambda done, total, message: progress.update(done / max(total, 1), message)  # noqa: E731
        forces = time_force_methods(timed_model, structures, DTYPES[dtype_name], max_seconds=max_seconds,
                                    progress=report, threads=TIMING_THREADS)
        hessians = time_hessian_methods(timed_model, structures, DTYPES[dtype_name], max_seconds=max_seconds,
                                        progress=report, threads=TIMING_THREADS)
        return forces, hessians

    full_job = ui.live_job(f"derivative_costs::{kind}::{dtype_name}", "Bigger series (to 1,024 atoms)",
                           full_series, help="Finite differences and full Hessians continue until one call would "
                                             "take about 5 s: up to a minute in all.")
if full_job is not None:
    force_series, (hessian_series, hessian_checks) = full_job.result
else:
    sizes, max_seconds = PRESETS[preset]
    force_series = force_timings(kind, dtype_name, sizes, max_seconds)
    hessian_series, hessian_checks = hessian_timings(kind, dtype_name, sizes, max_seconds)

n_shared, fd_ratio = speedup_at_largest(force_series["finite_difference"], force_series["autograd"])
n_largest, force_over_energy = speedup_at_largest(force_series["autograd"], force_series["energy"])
with controls:
    st.metric("Finite differences ÷ autograd", f"{fd_ratio:.0f}× (N = {n_shared})",
              help="Time of one set of central-difference forces over one set of autograd forces")
    st.metric("Autograd ÷ one energy", f"{force_over_energy:.1f}× (N = {n_largest})",
              help="What the backward pass adds to the energy: a small constant factor")
with figure:
    ui.plot(timing_figure(timing_series(force_series), "Forces: one backward pass against 6N energies",
                          colors=[COLORS["reference"], COLORS["model"], COLORS["counterexample"]]),
            height=520 if not lecture else None, key="force_cost_plot")
st.dataframe(fit_rows(force_series), hide_index=True,
             column_config={"slope b": st.column_config.NumberColumn(format="%.2f"),
                            "prefactor a (s)": st.column_config.NumberColumn(format="%.3e")})
st.caption(f"Fits t = a·N^b to N ≥ {FIT_MIN_ATOMS} atoms; medians of 5 calls (one call where it takes over 0.2 s) "
           f"on this server's CPU, on one thread, {dtype_name}.")
fd_slowdown_1000 = extrapolated_ratio(force_series["finite_difference"], force_series["autograd"], 1000, FIT_MIN_ATOMS)
fd_slowdown_1000 = fd_slowdown_1000 if math.isfinite(fd_slowdown_1000) else None  # None: "compute it first"

# Hessians -------------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "hessians")
controls, figure = side_by_side()
n_hessian, hessian_ratio = speedup_at_largest(hessian_series["hessian"], hessian_series["hvp"])
with controls:
    st.metric("Full Hessian ÷ one H·v", f"{hessian_ratio:.0f}× (N = {n_hessian})",
              help="Time of the full 3N × 3N Hessian over one Hessian-vector product")
    if hessian_checks:
        st.metric("max |H v − HVP(v)|", f"{max(hessian_checks):.1e} eV/Å²",
                  help="The full Hessian times a random vector against the Hessian-vector product, "
                       "for every size where both were computed")
    st.caption(f"Same clusters, architecture and precision ({dtype_name}) as above.")
with figure:
    ui.plot(timing_figure(timing_series(hessian_series), "Second derivatives: 3N rows against one product",
                          colors=[COLORS["counterexample"], COLORS["model"]]),
            height=500 if not lecture else None, key="hessian_cost_plot")
st.dataframe(fit_rows(hessian_series), hide_index=True,
             column_config={"slope b": st.column_config.NumberColumn(format="%.2f"),
                            "prefactor a (s)": st.column_config.NumberColumn(format="%.3e")})

# Harmonic frequencies -------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "frequencies")
reference = st.session_state.get("live_reference")
if reference is not None:
    reference_note = (f"computed live on this server: {reference.metadata['optimisation_calls']} + "
                      f"{reference.metadata['hessian_calls']} gradient calls in {reference.metadata['seconds']:.1f} s, "
                      f"{reference.metadata['calls_from_cache']} of them from the disk cache")
else:
    try:
        reference = reference_from_file(str(REFERENCE_FILE), REFERENCE_FILE.stat().st_mtime)
        reference_note = (f"from {REFERENCE_FILE.name} (made by {reference.metadata.get('made_by', 'a script')} "
                          f"on {reference.metadata.get('date', '?')}, {reference.metadata.get('versions', '')})")
    except (OSError, ValueError) as error:
        ui.show_error(error, "Reference Hessian")
        reference = None
reference_analysis = None
if reference is not None:
    reference_analysis = harmonic_analysis(reference.hessian, reference.atoms.get_masses(), reference.atoms.positions)
    names = [triatomic_mode_name(reference.atoms, d) for d in reference_analysis.displacements]

vibrations = None
if model is not None:
    try:
        vibrations = model_vibrations(model_name, model_stamp(model_name), model)
    except (RuntimeError, ValueError) as error:
        ui.show_error(error, "Model minimum")
other_vibrations = {}  # the other pretrained models, for the comparison chart
for other in MODELS:
    if other != model_name and model_stamp(other) and (other_calculator := resources.load_pretrained(other)):
        try:
            other_vibrations[other] = model_vibrations(other, model_stamp(other), other_calculator.model)
        except (RuntimeError, ValueError):
            pass  # shown when that model is chosen
if vibrations is not None and reference_analysis is not None:
    columns = st.columns(4)
    ui.metric_vs(columns[0], "Model: r(O–H)", vibrations.atoms.get_distance(0, 1), reference.atoms.get_distance(0, 1),
                 "Å", 4)
    ui.metric_vs(columns[1], "Model: angle H–O–H", vibrations.atoms.get_angle(1, 0, 2),
                 reference.atoms.get_angle(1, 0, 2), "°", 2)
    columns[2].metric("Largest force left after BFGS", f"{vibrations.max_force:.1e} eV/Å")
    columns[3].metric("Rigid motions projected out", f"{vibrations.analysis.n_rigid}")

    table = pd.DataFrame(frequency_table(reference_analysis, vibrations.analysis, names))
    st.dataframe(table, hide_index=True, column_config={
        "model (cm⁻¹)": st.column_config.NumberColumn(format="%.1f"),
        "reference (cm⁻¹)": st.column_config.NumberColumn(format="%.1f"),
        "difference (cm⁻¹)": st.column_config.NumberColumn(format="%+.1f"),
        "overlap": st.column_config.NumberColumn(format="%.4f",
                                                 help="|q_model · q_reference| of the paired normal modes")})
    st.caption(f"Model {MODELS[model_name]}, Hessian by autograd in float64 at its own minimum. Reference "
               f"PySCF B3LYP/6-31G*, {reference_note}. Modes are paired by shape (largest overlap).")
    with st.expander("All 3N eigenvalues of the mass-weighted Hessian"):
        model_eigen, model_wave = mass_weighted_spectrum(vibrations.hessian, vibrations.atoms.get_masses())
        ref_eigen, ref_wave = mass_weighted_spectrum(reference.hessian, reference.atoms.get_masses())
        st.dataframe(pd.DataFrame({"λ model (eV/(Å² amu))": model_eigen, "model (cm⁻¹)": model_wave,
                                   "λ reference (eV/(Å² amu))": ref_eigen, "reference (cm⁻¹)": ref_wave}),
                     hide_index=True)
        st.caption("Before the projection: six small eigenvalues (translations and rotations, negative "
                   "numbers meaning imaginary), then the three vibrations.")

    order, _ = match_modes(reference_analysis, vibrations.analysis)
    left, right = st.columns([1, 1], gap="large") if not lecture else (st.container(), st.container())
    with left:
        compared = {name: pd.DataFrame(frequency_table(reference_analysis, found.analysis))["model (cm⁻¹)"]
                    for name, found in sorted({model_name: vibrations, **other_vibrations}.items())}
        ui.plot(frequency_error_figure(names, reference_analysis.wavenumbers, compared),
                height=480 if not lecture else 620, key="wavenumber_plot")
    with right:
        normal_mode_viewer(vibrations, reference_analysis, names, order, model_name, lecture)

# The reference, live --------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "reference")


def live_reference_work(progress):
    from nnpes_core.potentials import PySCFCalculator

    return compute_reference_hessian(molecule("H2O"), PySCFCalculator("b3lyp", "6-31g*"), fmax=1e-4, delta=5e-3,
                                     progress=lambda message: progress.update(message=str(message)))


live_job = ui.live_job("live_reference", "Recompute the reference with PySCF (B3LYP/6-31G*)", live_reference_work)
if live_job is not None and st.session_state.get("live_reference") is not live_job.result:
    live = st.session_state["live_reference"] = live_job.result
    st.caption(f"Done: {live.metadata['optimisation_calls']} + {live.metadata['hessian_calls']} gradient calls in "
               f"{live.metadata['seconds']:.1f} s ({live.metadata['calls_from_cache']} from the disk cache)")
    st.rerun()
if reference is not None and reference_analysis is not None:
    st.caption(f"Reference in use: {reference_note}. Minimum r(O–H) = {reference.atoms.get_distance(0, 1):.4f} Å, "
               f"angle {reference.atoms.get_angle(1, 0, 2):.2f}°; harmonic wavenumbers "
               + ", ".join(f"{w:.1f}" for w in reference_analysis.wavenumbers) + " cm⁻¹.")

ui.practice_section(SLUG, {"best_step_float64": best_step_float64, "fd_slowdown_1000": fd_slowdown_1000})
