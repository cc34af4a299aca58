"""Lesson 11 — Vibrational spectra: normal modes and harmonic frequencies of a pretrained model at its own
minimum against the B3LYP reference (water, ammonia, methane) with animated modes; isotopologues from the
same Hessian; zero-point energy against classical equipartition; spectra from molecular dynamics."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

import resources
import ui
from nnpes_core.analysis.frequency_comparison import frequency_table, match_modes, model_minimum
from nnpes_core.analysis.isotopes import ISOTOPE_MASSES, isotopologue_table, reduced_mass_ratio
from nnpes_core.analysis.mode_names import degenerate_groups, mode_name
from nnpes_core.analysis.vibrations import harmonic_analysis, mode_animation_frames
from nnpes_core.analysis.zero_point import mode_energy, zero_point_energy
from nnpes_core.data.reference_hessian import read_reference_hessian
from nnpes_core.units import BOLTZMANN, KJ_PER_MOL
from nnpes_core.viz.derivatives import frequency_error_figure
from nnpes_core.viz.symmetry import face_on_view, viewed
from nnpes_core.viz.vibrations import mode_energy_figure, stick_spectrum_figure

SLUG = "11_vibrational_spectra"
# molecule -> (pretrained model, reference Hessian file stem, isotopologues: name -> isotope substitutions)
MOLECULES = {
    "water": ("water_bp", "water", {"H₂O": None, "HDO": "1=2", "D₂O": "H=2", "H₂¹⁸O": "O=18"}),
    "ammonia": ("nh3_bp", "nh3", {"NH₃": None, "NH₂D": "1=2", "ND₃": "H=2", "¹⁵NH₃": "N=15"}),
    "methane": ("ch4_bp", "ch4", {"CH₄": None, "CH₃D": "1=2", "CD₄": "H=2", "¹³CH₄": "C=13"}),
}
SURFACES = ("B3LYP/6-31G* reference", "pretrained model")


# --- cached computations ---------------------------------------------------------------------------

def model_stamp(name: str) -> float:
    """The model file's modification time: a retrained model gets new cache entries."""
    path = resources.MODELS_DIR / f"{name}.pt"
    return path.stat().st_mtime if path.is_file() else 0.0


@st.cache_data(show_spinner=False)
def reference_from_file(path: str, stamp: float):
    return read_reference_hessian(path)


@st.cache_data(show_spinner="Optimising on the model's surface and taking its Hessian (float64)…", max_entries=16)
def model_vibrations(model_name: str, stamp: float, _model, _start):
    return model_minimum(_model, _start, torch.float64, fmax=1e-4)


def load_reference(stem: str):
    path = resources.DATA_DIR / f"{stem}_b3lyp_631gs_hessian.json"
    if not path.is_file():
        st.error(f"The reference Hessian assets/data/{path.name} is missing from this installation.", icon="⚠️")
        return None
    try:
        return reference_from_file(str(path), path.stat().st_mtime)
    except ValueError as error:
        ui.show_error(error, "Reference Hessian")
        return None


def wavenumber_columns(rows: list[dict], digits: int = 1) -> pd.DataFrame:
    """The isotopologue table: one row per isotopologue, one column per mode (ascending), ZPE, product rule."""
    records = []
    for row in rows:
        record = {"isotopologue": row["isotopologue"]}
        record.update({f"ν{k + 1} (cm⁻¹)": round(float(w), digits) for k, w in enumerate(row["wavenumbers_cm1"])})
        record["ZPE (eV)"] = row["zero_point_energy_eV"]
        record["∏ ω′/ω"] = row["frequency_product"]
        record["Teller-Redlich"] = row["product_rule"]
        records.append(record)
    return pd.DataFrame(records)


# --- page ------------------------------------------------------------------------------------------

ui.page_setup("Vibrational spectra", "🎼")
lecture = ui.lecture_mode()
ui.render_lesson(SLUG, "intro")

# Normal modes --------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "normal-modes")
molecule_name = st.radio("Molecule", list(MOLECULES), format_func=str.capitalize, horizontal=True, key="molecule")
model_name, stem, isotopologues = MOLECULES[molecule_name]
reference = load_reference(stem)
calculator = resources.load_pretrained(model_name)
model = calculator.model if calculator is not None else None

reference_analysis, names, vibrations = None, [], None
if reference is not None:
    atoms = reference.atoms
    reference_analysis = harmonic_analysis(reference.hessian, atoms.get_masses(), atoms.positions)
    names = [mode_name(atoms, d) for d in reference_analysis.displacements]
if model is not None and reference is not None:
    try:
        vibrations = model_vibrations(model_name, model_stamp(model_name), model, reference.atoms.copy())
    except (RuntimeError, ValueError) as error:  # BFGS did not converge; a model without these elements
        ui.show_error(error, "Model minimum")

if reference_analysis is not None:
    groups = degenerate_groups(reference_analysis.wavenumbers)
    degeneracy = {i: len(group) for group in groups for i in group}
    labels = [f"{name}{f' (×{degeneracy[k]})' if degeneracy[k] > 1 else ''}" for k, name in enumerate(names)]
    left, right = st.columns([3, 2], gap="large") if not lecture else (st.container(), st.container())
    mean_error = None
    with left:
        if vibrations is not None:
            table = pd.DataFrame(frequency_table(reference_analysis, vibrations.analysis, labels))
            mean_error = float(table["difference (cm⁻¹)"].abs().mean())
            st.dataframe(table, hide_index=True, column_config={
                "model (cm⁻¹)": st.column_config.NumberColumn(format="%.1f"),
                "reference (cm⁻¹)": st.column_config.NumberColumn(format="%.1f"),
                "difference (cm⁻¹)": st.column_config.NumberColumn(format="%+.1f"),
                "overlap": st.column_config.NumberColumn(
                    format="%.3f", help="|q_model · q_reference| of the paired modes; below 1 inside a degenerate "
                                        "set, where any rotation of the modes is as good")})
            ui.plot(frequency_error_figure(labels, reference_analysis.wavenumbers,
                                           {model_name: table["model (cm⁻¹)"]}),
                    height=420 if not lecture else 600, key="frequency_plot")
        else:
            st.dataframe(pd.DataFrame({"mode": labels, "reference (cm⁻¹)": reference_analysis.wavenumbers}),
                         hide_index=True)
    with right:
        columns = st.columns(2)
        columns[0].metric("Vibrations (3N − 6)", f"{len(reference_analysis.wavenumbers)}")
        if mean_error is not None:
            columns[1].metric("Mean |model − reference|", f"{mean_error:.1f} cm⁻¹")
        shown = st.selectbox("Animate the normal mode", range(len(labels)), key="mode",
                             format_func=lambda k: f"{labels[k]}: {reference_analysis.wavenumbers[k]:.0f} cm⁻¹")
        source = "model" if vibrations is not None else "reference"
        if vibrations is not None:
            order, _ = match_modes(reference_analysis, vibrations.analysis)
            shown_atoms, mode = vibrations.atoms, vibrations.analysis.displacements[int(order[shown])]
            shown_wavenumber = vibrations.analysis.wavenumbers[int(order[shown])]
        else:
            shown_atoms, mode = reference.atoms, reference_analysis.displacements[shown]
            shown_wavenumber = reference_analysis.wavenumbers[shown]
        view = face_on_view(shown_atoms)
        frames = [viewed(frame, view) for frame in mode_animation_frames(shown_atoms, mode, amplitude=0.25,
                                                                          n_frames=24)]
        ui.molecule_viewer(viewed(shown_atoms, view), frames=frames, zoom=1.4, height=320 if not lecture else 480,
                           caption=f"{labels[shown].capitalize()} of {molecule_name} ({source} at its minimum, "
                                   f"displacements exaggerated): {shown_wavenumber:.1f} cm⁻¹")
    st.caption(f"Reference: PySCF B3LYP/6-31G*, {reference.metadata.get('made_by', '')} "
               f"({reference.metadata.get('date', '?')}). Model: {model_name}, Hessian by autograd in float64 at "
               "its own minimum (BFGS to 1e-4 eV/Å). Modes paired by shape; (×n): n-fold degenerate.")

# Isotopes ------------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "isotopes")
zpe_difference = None
if reference is not None:
    available = SURFACES if vibrations is not None else SURFACES[:1]
    surface = st.radio("Surface", available, horizontal=True, key="isotope_surface")
    hessian, minimum = ((reference.hessian, reference.atoms) if surface == SURFACES[0]
                        else (vibrations.hessian, vibrations.atoms))
    rows = isotopologue_table(hessian, minimum, isotopologues)
    st.dataframe(wavenumber_columns(rows), hide_index=True, column_config={
        "ZPE (eV)": st.column_config.NumberColumn(format="%.4f", help="Σ ½ h c ν̃ over the harmonic modes"),
        "∏ ω′/ω": st.column_config.NumberColumn(format="%.6f", help="product of the frequency ratios to the parent"),
        "Teller-Redlich": st.column_config.NumberColumn(format="%.6f", help="the same product predicted from masses "
                                                                          "and moments of inertia alone")})
    parent, deuterated = rows[0], next(row for row in rows if isotopologues[row["isotopologue"]] == "H=2")
    ratios = deuterated["wavenumbers_cm1"] / parent["wavenumbers_cm1"]
    central = minimum.get_masses()[0]
    columns = st.columns(3)
    columns[0].metric(f"{deuterated['isotopologue']} / {parent['isotopologue']} ratios",
                      f"{ratios.min():.3f} – {ratios.max():.3f}", help="harmonic wavenumbers, mode by mode (ascending)")
    columns[1].metric("One X–H bond alone", f"{reduced_mass_ratio(central, minimum.get_masses()[1], ISOTOPE_MASSES['H', 2]):.3f}",
                      help="√(μ_XH / μ_XD): the reduced-mass estimate; 1/√2 = 0.707 for an infinitely heavy X")
    worst = max(abs(row["frequency_product"] / row["product_rule"] - 1) for row in rows)
    columns[2].metric("Product rule: largest relative deviation", f"{worst:.1e}")
    zpe_difference = (parent["zero_point_energy_eV"] - deuterated["zero_point_energy_eV"]) / KJ_PER_MOL
    reference_rows = None
    if vibrations is not None and surface == SURFACES[1]:
        reference_rows = {row["isotopologue"]: row["wavenumbers_cm1"]
                          for row in isotopologue_table(reference.hessian, reference.atoms, isotopologues)}
    ui.plot(stick_spectrum_figure({row["isotopologue"]: row["wavenumbers_cm1"] for row in rows}, reference_rows),
            height=360 if not lecture else 520, key="isotope_plot")
    st.caption(f"Every row from the same Hessian ({surface}); only the masses differ (AME2020 isotope masses; "
               "unsubstituted atoms keep the standard atomic weight).")

# Zero-point energy ---------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "zero-point")
if reference_analysis is not None:
    temperature = st.slider("Temperature (K)", 50, 3000, 300, 50, key="zpe_temperature")
    temperatures = np.linspace(1.0, 3000.0, 300)
    groups = degenerate_groups(reference_analysis.wavenumbers)
    representative = {f"{names[g[0]]} ({reference_analysis.wavenumbers[g[0]]:.0f} cm⁻¹)":
                      reference_analysis.wavenumbers[g[0]] for g in groups}
    quantum = {label: np.array([float(mode_energy(value, t)) for t in temperatures])
               for label, value in representative.items()}
    ui.plot(mode_energy_figure(temperatures, quantum, BOLTZMANN * temperatures, marker_temperature=temperature),
            height=420 if not lecture else 600, key="zpe_plot")
    highest = float(reference_analysis.wavenumbers.max())
    columns = st.columns(3)
    columns[0].metric(f"k_B T at {temperature} K", f"{BOLTZMANN * temperature:.4f} eV")
    columns[1].metric(f"Quantum energy of the {highest:.0f} cm⁻¹ mode", f"{float(mode_energy(highest, temperature)):.4f} eV")
    columns[2].metric(f"Zero-point energy of {molecule_name} (reference)",
                      f"{zero_point_energy(reference_analysis.wavenumbers):.4f} eV",
                      help="Σ ½ h c ν̃ over the B3LYP harmonic wavenumbers")

# Spectra from molecular dynamics -------------------------------------------------------------------------
ui.render_lesson(SLUG, "md-spectra")
ui.render_lesson(SLUG, "sampling")
ui.render_lesson(SLUG, "classical-limits")

ui.practice_section(SLUG, {"zpe_difference": zpe_difference})
