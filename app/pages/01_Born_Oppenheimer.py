"""Lesson 1 — Born-Oppenheimer surfaces: H₂ curves from FCI and HF computed live with PySCF, the
clamped-nuclei picture, the variational principle measured, and 2-D surfaces with their stationary points."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyscf
import streamlit as st
import torch

import resources
import ui
from nnpes_core.potentials import (
    LEPS, MullerBrown, find_stationary_point, fit_minimum, gradient, grid, hessian, load_curves,
)
from nnpes_core.potentials.curve_analysis import (
    H2_EXPERIMENT, StateApproach, basis_ladder, bond_constants, closest_approaches, refine_closest_approach,
    variational_gap,
)
from nnpes_core.potentials.diatomic_points import (
    curve_from_points, diatomic_molecule, diatomic_point, hydrogen_atom_energy, max_singlet_roots,
)
from nnpes_core.potentials.state_symmetry import linear_name, state_symmetries
from nnpes_core.potentials.survey import survey_stationary_points
from nnpes_core.viz import axis_title
from nnpes_core.viz.curves import (
    BasisCurves, CurveMarker, CurveNote, basis_comparison_figure, energy_terms_figure, potential_curves_figure,
    state_name,
)
from nnpes_core.viz.surfaces import PointMarker, contour_figure, force_arrow, surface_figure, survey_markers

SLUG = "01_born_oppenheimer"
BASES = {"STO-3G": "sto-3g", "6-31G": "6-31g", "cc-pVDZ": "cc-pvdz"}  # label -> PySCF name
R_RANGE = (0.3, 4.0)  # Å
MAX_ROOTS = 4  # ground state + 3 excited singlets (STO-3G has only 3 singlet states in all)
SHIPPED_CURVES = resources.DATA_DIR / "h2_fci_curves.json"
# name -> (surface class, x quantity, y quantity, length unit, energy unit, default point, 3-D camera eye)
LEPS_NAME = "LEPS H + H₂ (collinear)"
SATO_DEFAULT = 0.18  # Sato's own value (J. Chem. Phys. 23, 2465 (1955)); 0.134 gives the accurate barrier
SURFACES = {
    LEPS_NAME: (LEPS, "r_AB", "r_BC", "Å", "eV", (2.0, 1.0), (-1.1, -1.1, 1.3)),
    "Müller-Brown": (MullerBrown, "x", "y", "arbitrary units", "arbitrary units", (-0.3, 1.0), (-1.0, -1.8, 1.4)),
}


# --- cached computations (the PySCF disk cache sits under these: a new server process reads it back) ----

@st.cache_data(show_spinner=False, max_entries=2000)
def h2_point(basis: str, distance: float, nroots: int):
    """One clamped-nuclei FCI calculation of H₂ (ground + excited singlets, HF, E_nuc)."""
    return diatomic_point("H2", distance, basis, method="fci", nroots=nroots)


@st.cache_data(show_spinner=False)
def singlet_roots(basis: str) -> int:
    return min(MAX_ROOTS, max_singlet_roots("H2", basis))


@st.cache_data(show_spinner="Refining where two excited states come closest (Brent's method, FCI)…")
def refined_approach(basis: str, lower_state: int, grid_distance: float, grid_gap: float,
                     distances: tuple[float, ...], nroots: int):
    approach = StateApproach(lower_state, grid_distance, grid_gap)
    return refine_closest_approach(lambda r: h2_point(basis, round(r, 8), nroots).energies, approach, distances)


@st.cache_data(show_spinner=False)
def symmetry_labels(basis: str, distance: float, nroots: int) -> list[str]:
    return state_symmetries("H2", distance, basis, h2_point(basis, round(distance, 8), nroots).energies)


@st.cache_data(show_spinner=False)
def h_atom_energy(basis: str) -> float:
    return hydrogen_atom_energy(basis)


@st.cache_data(show_spinner=False)
def shipped_curves(path: str, modified: float) -> tuple[dict, str]:
    """The curves in assets/data/h2_fci_curves.json and the code that made them (from its metadata)."""
    code = json.loads(Path(path).read_text()).get("metadata", {}).get("code", "PySCF")
    return load_curves(path), code


def make_surface(name: str, sato: float = SATO_DEFAULT):
    """The 2-D surface ``name``; LEPS with the Sato parameter k = ``sato``."""
    surface_class = SURFACES[name][0]
    return surface_class(sato=sato) if surface_class is LEPS else surface_class()


@st.cache_data(show_spinner="Searching the surface for stationary points…", max_entries=64)
def surface_survey(name: str, sato: float = SATO_DEFAULT):
    return survey_stationary_points(make_surface(name, sato))


@st.cache_data(show_spinner=False, max_entries=64)
def surface_grid(name: str, n: int, sato: float = SATO_DEFAULT):
    return grid(make_surface(name, sato), n=n)


def compute_curve(basis_label: str, distances: np.ndarray):
    """The H₂ curve point by point, with a progress bar over the distances."""
    basis, nroots = BASES[basis_label], singlet_roots(BASES[basis_label])
    bar = st.progress(0.0, text=f"FCI/{basis_label}: starting…")
    points = []
    for index, distance in enumerate(distances):
        points.append(h2_point(basis, float(distance), nroots))
        bar.progress((index + 1) / len(distances),
                     text=f"FCI/{basis_label}: R = {distance:.2f} Å ({index + 1} of {len(distances)})")
    bar.empty()
    return curve_from_points(points)


def provenance(curve, basis_label: str) -> str:
    meta = curve.metadata
    n = len(curve.distances)
    parts = [f"**Computed with PySCF {pyscf.__version__}**: FCI/{basis_label}, {curve.energies.shape[1]} singlet "
             f"states at {n} distances from {curve.distances[0]:.2f} to {curve.distances[-1]:.2f} Å "
             "(geometrically spaced)."]
    if meta["computed"]:
        parts.append(f"{meta['computed']} of them were solved by PySCF in this server process "
                     f"({meta['seconds']:.1f} s in total).")
    if meta["from_cache"]:
        parts.append(f"{meta['from_cache']} were read back from the PySCF disk cache of this machine "
                     "(results computed earlier by the same code, PySCF version and settings).")
    return " ".join(parts)


# --- page sections (each a fragment: its widgets rerun only that section) --------------------------

@st.fragment
def clamped_nuclei_section(curve, basis_label: str, notes: list, lecture: bool) -> None:
    """The nuclei clamped at the student's R: PySCF at exactly that geometry, marked on the curves, the
    molecule, its energy terms (``curve``: the H₂ curve of ``basis_label``; ``notes``: the curve's notes)."""
    bond_length = st.slider("Clamp the nuclei at R (Å)", min_value=R_RANGE[0], max_value=R_RANGE[1], value=0.74,
                            step=0.01, key="clamped_r",
                            help="PySCF solves the electronic problem for exactly this geometry.")
    point = h2_point(BASES[basis_label], round(float(bond_length), 4), curve.energies.shape[1])
    if lecture:  # the curves full width for the projector, the molecule and its numbers below them
        plot_column = st.container()
        molecule_column, numbers_column = st.columns(2, gap="large")
    else:
        plot_column, molecule_column = st.columns([3, 2], gap="large")
        numbers_column = molecule_column
    with plot_column:
        figure = potential_curves_figure(
            curve.distances, curve.energies, curve.hf_energies, notes=notes,
            marker=CurveMarker(point.distance, float(point.energies[0]), f"E₀ at R = {point.distance:.2f} Å"),
            title=f"H₂ electronic states, FCI/{basis_label}, with Hartree-Fock",
        )
        ui.plot(figure, key="h2_curves", height=720 if lecture else 560)
    with molecule_column:
        molecule = diatomic_molecule("H2", point.distance)
        molecule.rotate(90, "y")  # bond along x: horizontal on the screen
        # 3Dmol.js fits a box of a few Å around so small a molecule: one zoom keeps the same scale for every R.
        ui.molecule_viewer(molecule, labels=True, zoom=1.8, height=300 if not lecture else 420,
                           caption=f"H₂ with the nuclei clamped at R = {point.distance:.2f} Å (no bond drawn "
                                   "beyond 3Dmol's bonding distance).")
    with numbers_column:
        source = "read from the disk cache" if point.from_cache else f"solved now in {point.seconds:.2f} s"
        st.markdown(
            f"**At R = {point.distance:.2f} Å** (PySCF, {source}):\n\n"
            "| term | energy (eV) |\n|---|---:|\n"
            f"| E₀(R), the PES | **{point.energies[0]:.4f}** |\n"
            f"| E_el(R), the electrons | {point.electronic_energy:.4f} |\n"
            f"| E_nuc(R), the clamped nuclei | {point.nuclear_repulsion:.4f} |\n"
            f"| E_HF(R), Hartree-Fock | {point.hf_energy:.4f} |\n"
            f"| E₁(R) − E₀(R), gap to the first excited state | {point.energies[1] - point.energies[0]:.3f} |"
        )

    with st.expander("The ground state split into its two terms: E₀ = E_el + E_nuc", expanded=not lecture):
        ui.plot(energy_terms_figure(curve.distances, curve.energies[:, 0], curve.nuclear_repulsion,
                                    marker_distance=point.distance,
                                    title=f"Electronic energy and nuclear repulsion, FCI/{basis_label}"),
                key="h2_terms")
        st.caption("E_nuc = 14.40 eV·Å / R is the only term with no electrons in it. On its own the electronic "
                   "energy keeps falling as the protons approach; the sum E₀ has a minimum.")


@st.fragment
def basis_comparison_section(distances: np.ndarray, experiment) -> None:
    """The H₂ ground state in the three basis sets, shipped or computed now (at ``distances``, Å), against
    ``experiment``; the variational order of the bases and the basis ladder for r_e and D_e."""
    sources = ["Shipped curves (made by the assets script)", "Compute all three now"]
    source = st.radio("Basis-set comparison from", sources, index=0, horizontal=True, key="comparison_source",
                      help="The shipped curves are PySCF results computed once by "
                           "assets/scripts/make_reference_data.py. Computing all three here takes roughly 5-15 s "
                           "the first time, then comes from the caches.")
    comparison = {}
    if source == sources[0]:
        try:
            shipped, code = shipped_curves(str(SHIPPED_CURVES), SHIPPED_CURVES.stat().st_mtime)
            comparison = {label: shipped[name] for label, name in BASES.items() if name in shipped}
        except (OSError, ValueError, KeyError) as error:
            ui.show_error(error, "Shipped H₂ curves")
        else:
            n_shipped = len(next(iter(comparison.values())).distances) if comparison else 0
            st.caption(f"Shown: curves **computed earlier by `assets/scripts/make_reference_data.py`** ({code}; "
                       f"{n_shipped} distances), not in this session; see assets/data/PROVENANCE.md. "
                       "Choose \"Compute all three now\" to recompute them here.")
    else:
        try:
            comparison = {label: compute_curve(label, distances) for label in BASES}
        except (ValueError, RuntimeError) as error:
            ui.show_error(error, "PySCF")
        else:
            st.caption(f"Shown: **computed with PySCF {pyscf.__version__}** on this server, at the same "
                       f"{len(distances)} distances as the curves above.")

    if comparison:
        ui.plot(basis_comparison_figure(
            [BasisCurves(label, c.distances, c.energies[:, 0], c.hf_energies) for label, c in comparison.items()],
            exact_minimum=(experiment.bond_length, experiment.exact_minimum_energy),
            title="H₂ ground state in three basis sets: FCI (solid) and HF (dashed)",
        ), key="basis_comparison")
        minima = {label: fit_minimum(c.distances, c.energies[:, 0]).energy for label, c in comparison.items()}
        st.dataframe(pd.DataFrame({
            "Basis": list(comparison),
            "Lowest FCI energy (eV)": [f"{minima[label]:.4f}" for label in comparison],
            "Lowest HF energy (eV)": [f"{np.min(c.hf_energies):.4f}" for c in comparison.values()],
            "FCI minimum above the exact one (eV)": [f"{minima[label] - experiment.exact_minimum_energy:+.4f}"
                                                    for label in comparison],
            "HF ≥ FCI everywhere": ["yes" if variational_gap(c.distances, c.hf_energies, c.energies[:, 0]).holds
                                    else "no" for c in comparison.values()],
        }), hide_index=True, width="stretch")
        labels = list(comparison)
        checks = []
        for smaller, larger in zip(labels, labels[1:]):
            small, large = comparison[smaller], comparison[larger]
            gap = variational_gap(small.distances, small.energies[:, 0], large.energies[:, 0])
            verdict = "at every distance" if gap.holds else "**not** at every distance"
            checks.append(f"- FCI/{smaller} lies above FCI/{larger} {verdict}: by {gap.smallest:.3f} eV "
                          f"(R = {gap.smallest_at:.2f} Å) to {gap.largest:.3f} eV (R = {gap.largest_at:.2f} Å).")
        if not all(variational_gap(comparison[a].distances, comparison[a].energies[:, 0],
                                   comparison[b].energies[:, 0]).holds for a, b in zip(labels, labels[1:])):
            checks.append("- Where the order flips, the nominally smaller basis describes that geometry better. That "
                          "is allowed: neither basis contains the other, and the variational principle only promises "
                          "that both lie above the exact energy.")
        lowest = min(minima.values())
        checks.append(f"- The exact Born-Oppenheimer minimum, {experiment.exact_minimum_energy:.4f} eV, lies below "
                      f"every basis: the lowest FCI minimum here is {lowest - experiment.exact_minimum_energy:.3f} eV "
                      "above it.")
        st.markdown("\n".join(checks))

        st.markdown("**The basis ladder for rₑ and Dₑ** (FCI, the same curves; Dₑ from two H atoms in the same "
                    "basis)")
        ladder = basis_ladder({label: (c.distances, c.energies[:, 0]) for label, c in comparison.items()},
                              {label: 2 * h_atom_energy(BASES[label]) for label in comparison})
        st.dataframe(pd.DataFrame({
            "Basis (smallest first)": [step.basis for step in ladder],
            "r_e (Å)": [f"{step.bond_length:.4f}" for step in ladder],
            "r_e − exp. (Å)": [f"{step.bond_length_error:+.4f}" for step in ladder],
            "D_e (eV)": [f"{step.well_depth:.3f}" for step in ladder],
            "D_e − exp. (eV)": [f"{step.well_depth_error:+.3f}" for step in ladder],
        }), hide_index=True, width="stretch")
        st.caption(f"Experiment: r_e = {experiment.bond_length} Å, D_e = {experiment.well_depth} eV. The energies "
                   "above fall with every step up the ladder; r_e and D_e are not energies, and nothing makes them "
                   "approach experiment step by step.")


@st.fragment
def surface_point_section(surface_name: str, sato: float, lecture: bool) -> None:
    """The 2-D surface ``surface_name`` (LEPS with Sato's k = ``sato``) with the student's point: energy,
    gradient and Hessian there by autograd, Newton's method from it, the stationary points found, contour
    and 3-D plots. (The surface and k stay outside: the practice problem reads k.)"""
    surface_class, x_name, y_name, length_unit, energy_unit, default_point, camera_eye = SURFACES[surface_name]
    surface = make_surface(surface_name, sato)
    x_title, y_title = axis_title(x_name, length_unit), axis_title(y_name, length_unit)
    energy_title = axis_title("Energy", energy_unit)
    survey = surface_survey(surface_name, sato)

    slider_columns = st.columns(2)
    x_range, y_range = surface.x_range, surface.y_range
    x = slider_columns[0].slider(x_title, float(x_range[0]), float(x_range[1]), float(default_point[0]), step=0.01,
                                 key=f"point_x::{surface_name}")
    y = slider_columns[1].slider(y_title, float(y_range[0]), float(y_range[1]), float(default_point[1]), step=0.01,
                                 key=f"point_y::{surface_name}")
    xy = torch.tensor([x, y], dtype=torch.float64)
    energy = float(surface(xy))
    slope = gradient(surface, xy).numpy()  # dE/d(x, y) by autograd, [2]
    curvatures = torch.linalg.eigvalsh(hessian(surface, xy)).numpy()  # [2], ascending

    markers = survey_markers(survey, x_range, y_range, x_name, y_name)
    markers.append(PointMarker(x, y, "your point", "point", energy))
    span = float(x_range[1] - x_range[0])
    arrow = force_arrow(x, y, slope, length=0.12 * span, label="−∇E")
    n_grid = 60 if lecture else 120
    X, Y, E = surface_grid(surface_name, n_grid, sato)

    # One below the other, full width: side by side, each would be too narrow to read.
    ui.plot(contour_figure(X, Y, E, x_title=x_title, y_title=y_title, energy_title=energy_title,
                           title=f"{surface_name}: contour map" + (f", k = {sato:.3f}" if surface_name == LEPS_NAME
                                                                    else ""), points=markers, arrows=[arrow],
                           energy_max=surface.plot_energy_max), key="surface_contour", height=None if lecture else 560)

    unit = "" if energy_unit == "arbitrary units" else f" {energy_unit}"
    per_length = "" if length_unit == "arbitrary units" else f" {energy_unit}/{length_unit}"
    value_columns = st.columns(4)
    value_columns[0].metric("E at your point", f"{energy:.4f}{unit}")
    value_columns[1].metric(f"∂E/∂{x_name}", f"{slope[0]:.4f}{per_length}")
    value_columns[2].metric(f"∂E/∂{y_name}", f"{slope[1]:.4f}{per_length}")
    value_columns[3].metric("|∇E|", f"{np.linalg.norm(slope):.4f}{per_length}")
    kind_here = "both positive: curved upwards in every direction" if curvatures[0] > 0 else (
        "one negative: curved downwards along one direction" if curvatures[1] > 0 else "both negative")
    st.caption(f"Gradient by autograd (torch); the arrow is −∇E drawn at a fixed length, its size is |∇E|. "
               f"Hessian eigenvalues here: {curvatures[0]:.3g} and {curvatures[1]:.3g} ({kind_here}). "
               f"Energies above {surface.plot_energy_max:g} are flattened in both plots.")

    if st.button("Run Newton's method from your point", key="newton_from_point"):
        try:
            landed = find_stationary_point(surface, [x, y])
        except RuntimeError:
            st.info("Newton's method did not converge from here in 100 steps: this far from a stationary point "
                    "the quadratic model behind q − H⁻¹∇E is poor. Move your point closer to one and try again.")
        else:
            inside = x_range[0] <= landed.xy[0] <= x_range[1] and y_range[0] <= landed.xy[1] <= y_range[1]
            where = "" if inside else " (outside the plotted window)"
            st.success(f"Newton's method reached a **{landed.kind}** at ({landed.xy[0]:.4f}, {landed.xy[1]:.4f})"
                       f"{where} after {landed.steps} steps, E = {landed.energy:.4f}{unit}; Hessian eigenvalues "
                       f"{landed.hessian_eigenvalues[0]:.3g} and {landed.hessian_eigenvalues[1]:.3g}.")

    st.markdown(f"**Stationary points found** ({survey.guesses} starting guesses from a 30 × 30 grid, "
                "Newton's method on the gradient, classified by the Hessian):")
    labelled = survey.labelled(x_name, y_name)
    st.dataframe(pd.DataFrame({
        "Point": [label for label, _, _ in labelled],
        x_title: [f"{point.xy[0]:.4f}" for _, point, _ in labelled],
        y_title: [f"{point.xy[1]:.4f}" for _, point, _ in labelled],
        energy_title: [f"{point.energy:.4f}" for _, point, _ in labelled],
        "Hessian eigenvalues": [", ".join(f"{value:.3g}" for value in point.hessian_eigenvalues)
                                for _, point, _ in labelled],
        "Where": ["in the window" if inside else "outside: Newton walked out along the valley floor"
                  for _, _, inside in labelled],
    }), hide_index=True, width="stretch")
    if survey.valleys:
        st.caption("The H + H₂ valleys have no minimum inside the window: the energy keeps falling slowly towards "
                   "separated H + H₂, so they are marked where they leave the plot.")
    ui.plot(surface_figure(X, Y, E, x_title=x_title, y_title=y_title, energy_title=energy_title,
                           title=f"{surface_name}: 3-D surface (drag to rotate)", points=markers,
                           energy_max=surface.plot_energy_max, camera_eye=camera_eye),
            key="surface_3d", height=None if lecture else 600)


    if surface_name == LEPS_NAME:
        st.caption(f"LEPS with k = {sato:.3f}: H + H₂ at r_e, far apart, lies at "
                   f"−D_e = {surface.reactant_energy():.4f} eV (the zero of the classical barrier). The table "
                   "above lists the saddle's energy.")


# --- page ---------------------------------------------------------------------------------------------

ui.page_setup("Born-Oppenheimer surfaces", "⚛️")
lecture = ui.lecture_mode()
ui.render_lesson(SLUG, "intro")
ui.render_lesson(SLUG, "clamped-nuclei")

controls = st.columns(3)
basis_label = controls[0].selectbox("Basis set", list(BASES), index=1, key="h2_basis",
                                    help="Basis functions for H₂: STO-3G 2, 6-31G 4, cc-pVDZ 10 (with p functions).")
n_points = controls[1].select_slider("Number of distances R", options=[20, 40, 60], value=20 if lecture else 40,
                                     key=f"h2_points::{'lecture' if lecture else 'full'}",  # each mode its preset
                                     help="From 0.3 to 4.0 Å, spaced geometrically: dense at short R, where "
                                          "the curves bend most, and sparse in the flat tail.")
distances = np.geomspace(*R_RANGE, n_points)  # spacing ∝ R: 20 points fit r_e as well as 40 evenly spaced ones
try:
    curve = compute_curve(basis_label, distances)
except (ValueError, RuntimeError) as error:
    ui.show_error(error, "PySCF")
    st.stop()
controls[2].caption(f"{curve.energies.shape[1]} singlet states per distance. FCI for H₂ takes a few seconds "
                    "per basis the first time; after that the page reads the results from its caches.")
st.caption(provenance(curve, basis_label))

approaches = closest_approaches(curve.distances, curve.energies, min_state=1)
closest, labels = None, []
if approaches:  # the closest pair of excited states, pinned down between grid points, and their symmetry
    try:
        closest = refined_approach(BASES[basis_label], approaches[0].lower_state, approaches[0].distance,
                                   approaches[0].gap, tuple(curve.distances), curve.energies.shape[1])
        labels = symmetry_labels(BASES[basis_label], closest.distance, curve.energies.shape[1])
    except (ValueError, RuntimeError) as error:  # a PySCF failure: say so, keep the rest of the page
        ui.show_error(error, "Closest approach of the excited states")
notes = []
if closest is not None:
    k = closest.lower_state
    middle = float(np.interp(closest.distance, curve.distances,
                             0.5 * (curve.energies[:, k] + curve.energies[:, k + 1])))
    notes.append(CurveNote(closest.distance, middle, f"{state_name(k)} and {state_name(k + 1)}: "
                                                     f"smallest gap {closest.gap:.3g} eV"))

clamped_nuclei_section(curve, basis_label, notes, lecture)

# --- reading the curve --------------------------------------------------------------------------------
ui.render_lesson(SLUG, "reading-the-curve")
atom_energy = h_atom_energy(BASES[basis_label])
try:
    constants = bond_constants(curve.distances, curve.energies[:, 0], 2 * atom_energy)
except ValueError as error:
    ui.show_error(error, "Fit of the minimum")
    st.stop()
experiment = H2_EXPERIMENT
metric_columns = st.columns(4)
ui.metric_vs(metric_columns[0], "r_e (fitted)", constants.bond_length, experiment.bond_length, "Å", 4, "exp.")
ui.metric_vs(metric_columns[1], "D_e (fitted)", constants.well_depth, experiment.well_depth, "eV", 3, "exp.")
metric_columns[2].metric("Harmonic ZPE", f"{constants.zero_point_energy:.3f} eV")
metric_columns[3].metric("D_0 ≈ D_e − ZPE", f"{constants.dissociation_energy:.3f} eV",
                         delta=f"{constants.dissociation_energy - experiment.dissociation_energy:+.3f} eV "
                               "vs exp.", delta_color="off")
rows = [
    ("r_e, equilibrium bond length (Å)", constants.bond_length, experiment.bond_length, 4),
    ("D_e, well depth from the bottom of the well (eV)", constants.well_depth, experiment.well_depth, 3),
    ("ω_e, harmonic wavenumber (cm⁻¹)", constants.wavenumber, experiment.wavenumber, 0),
    ("ZPE, zero-point energy (eV)", constants.zero_point_energy,
     experiment.well_depth - experiment.dissociation_energy, 3),
    ("D_0 = D_e − ZPE, from the lowest vibrational level (eV)", constants.dissociation_energy,
     experiment.dissociation_energy, 3),
]
st.dataframe(pd.DataFrame({
    "Quantity": [row[0] for row in rows],
    f"FCI/{basis_label} (this page)": [f"{row[1]:.{row[3]}f}" for row in rows],
    "Experiment": [f"{row[2]:.{row[3]}f}" for row in rows],
    "Difference": [f"{row[1] - row[2]:+.{row[3]}f}" for row in rows],
}), hide_index=True, width="stretch")
st.caption(f"Cubic spline through the {len(curve.distances)} computed points; D_e is measured from 2 E(H) = "
           f"{2 * atom_energy:.4f} eV, the H atom in the same basis (exact: 2 × −13.6057 = −27.2114 eV). "
           f"ZPE = ½ hc ω_e from the curvature at r_e. Experiment: {experiment.source}.")

# --- excited states ------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "non-adiabatic")
gap_at_minimum = float(np.interp(constants.bond_length, curve.distances, curve.energies[:, 1] - curve.energies[:, 0]))
lines = [f"- At r_e = {constants.bond_length:.3f} Å the first excited singlet lies **{gap_at_minimum:.1f} eV** "
         "above the ground state: far away, so the ground-state surface alone describes H₂ near its minimum well."]
if closest is not None:
    k = closest.lower_state
    lines.append(f"- {state_name(k)} and {state_name(k + 1)} come closest at R = **{closest.distance:.4f} Å**: "
                 f"their gap is only **{closest.gap:.3g} eV** there (the grid's closest point showed "
                 f"{closest.grid_gap:.3g} eV; Brent's method needed {closest.evaluations} more FCI calculations "
                 "to find the minimum between grid points).")
    if labels and labels[k] == labels[k + 1] != "?":
        lines.append(f"- Symmetry-adapted FCI at that R labels both states **{labels[k]}** in D2h "
                     f"({linear_name(labels[k])} of the linear molecule): the same symmetry, so they cannot "
                     "cross. Their curves bend away at a finite gap, an **avoided crossing**, and the "
                     "non-adiabatic coupling between them peaks there.")
    elif labels:
        lines.append(f"- Symmetry-adapted FCI at that R labels them {labels[k]} and {labels[k + 1]} in D2h: "
                     "different symmetry, so these two states may truly cross.")
else:
    lines.append(f"- In {basis_label} the excited curves have no interior point of closest approach in "
                 f"{R_RANGE[0]}–{R_RANGE[1]} Å: this basis has only {curve.energies.shape[1]} singlet states. "
                 "Try 6-31G or cc-pVDZ to see an avoided crossing.")
st.markdown("\n".join(lines))

# --- variational principle ------------------------------------------------------------------------------
ui.render_lesson(SLUG, "variational")
hf_gap = variational_gap(curve.distances, curve.hf_energies, curve.energies[:, 0])
gap_columns = st.columns(3)
gap_columns[0].metric(f"E_HF ≥ E_FCI at all {len(curve.distances)} distances?", "yes" if hf_gap.holds else "NO")
gap_columns[1].metric("Smallest E_HF − E_FCI", f"{hf_gap.smallest:.3f} eV",
                      delta=f"at R = {hf_gap.smallest_at:.2f} Å", delta_color="off", delta_arrow="off")
gap_columns[2].metric("Largest E_HF − E_FCI", f"{hf_gap.largest:.3f} eV",
                      delta=f"at R = {hf_gap.largest_at:.2f} Å", delta_color="off", delta_arrow="off")


basis_comparison_section(distances, experiment)

# --- two-dimensional surfaces ---------------------------------------------------------------------------
ui.render_lesson(SLUG, "surfaces-2d")
surface_name = st.radio("Surface", list(SURFACES), horizontal=True, key="surface_name")
sato = SATO_DEFAULT
if surface_name == LEPS_NAME:
    sato = st.slider("Sato parameter k of the LEPS surface", 0.0, 0.30, SATO_DEFAULT, 0.002, format="%.3f",
                     key="leps_sato", help="An empirical knob: the H₂ curves fix everything else. Sato used "
                                           "0.18; a larger k lowers the barrier.")
surface_point_section(surface_name, sato, lecture)


def leps_barrier() -> float | None:
    """Classical barrier of the LEPS surface at the student's k: lowest saddle minus H + H₂ at r_e (eV)."""
    student_sato = st.session_state.get("leps_sato", SATO_DEFAULT)
    saddles = surface_survey(LEPS_NAME, student_sato).of_kind("saddle")
    return min(point.energy for point in saddles) - LEPS(sato=student_sato).reactant_energy() if saddles else None


ui.practice_section(SLUG, {"r_e": constants.bond_length, "leps_barrier": leps_barrier})
