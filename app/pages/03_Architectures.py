"""Lesson 3 — Architectures: atomic energies in a cutoff sphere, Behler-Parrinello fingerprints,
equivariant messages and features, the readout, cost against system size, the long-range failure of a
local model, and a universal-approximation experiment. Every number is computed by the page."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch
from ase.data import chemical_symbols

import resources
import ui
from nnpes_core.analysis.cost import fit_power_law, measure_scaling, torch_threads
from nnpes_core.analysis.descriptors import (
    fingerprint_change, fingerprint_labels, fingerprints, g2_curve, g4_curve, rotated_copy, rotation_about_axis,
)
from nnpes_core.analysis.equivariant_features import (
    HARMONIC_COMPONENTS, feature_equivariance, harmonic_on_sphere, readout, worked_message,
)
from nnpes_core.analysis.locality import (
    closest_contact, consecutive_groups, cutoff_functions, energy_decomposition, interaction_energy,
    neighbors_within,
)
from nnpes_core.analysis.long_range import DISTANCE_RANGE, ion_pair_curves, train_local_ion_model
from nnpes_core.data import molecule
from nnpes_core.data.clusters import water_cluster
from nnpes_core.models import build_model
from nnpes_core.surface_training import width_depth_scan
from nnpes_core.potentials import DoubleWell, MullerBrown, grid
from nnpes_core.viz import axis_title
from nnpes_core.viz.architectures import (
    cost_figure, cutoff_figure, fingerprint_heatmap, harmonic_figure, ion_pair_figure, line_figure,
    surface_comparison_figure, width_depth_figure,
)

SLUG = "03_architectures"
MODELS = {"Behler-Parrinello (water_bp)": "water_bp", "Equivariant MPNN (water_equivariant)": "water_equivariant"}
AXES = {"x": (1, 0, 0), "y": (0, 1, 0), "z": (0, 0, 1), "(1, 1, 1)": (1, 1, 1)}
QUICK_SIZES, QUICK_ALL_PAIRS = (10, 30, 100, 300, 1000, 2000), (10, 30, 100, 150, 200)
FULL_SIZES = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
SURFACES = {"Müller-Brown": MullerBrown, "Double well": DoubleWell}
ION_CUTOFFS = (3.0, 4.0, 5.0, 6.0)  # Å
FAR_DISTANCE = 20.0  # Å: where the practice problem asks for the model's error (not drawn)
FIT_FROM = 100  # atoms: smaller systems are dominated by fixed overheads
ION_EPOCHS = 150  # train_local_ion_model's default


# --- cached computations ---------------------------------------------------------------------------

@st.cache_data(show_spinner=False)
def cluster(n_molecules: int, spacing: float, seed: int):
    return water_cluster(n_molecules, spacing, seed=seed)


def quick_scaling_work(progress, kind: str, sizes: tuple, all_pairs_sizes: tuple):
    """Energy + forces timed on clusters of ``sizes`` atoms, with the cutoff and with all pairs."""
    return measure_scaling(kind, 5.0, sizes, all_pairs_sizes, repeats=3, threads=1, progress=lambda done, total,
                           message: progress.update(done / max(total, 1), message))


def ion_work(progress, cutoff_radius: float):
    """The local model of Na⁺ Cl⁻ trained with this cutoff, and its curves (seeded: the same for all)."""
    with torch_threads(1):  # a tiny network: a second thread only adds waiting (10x slower on a busy CPU)
        fit = train_local_ion_model(cutoff_radius, epochs=ION_EPOCHS, callback=lambda report: progress.update(
            report.epoch / ION_EPOCHS, f"epoch {report.epoch} of {ION_EPOCHS}") or True)
    curves = ion_pair_curves(fit.model, np.linspace(*DISTANCE_RANGE, 300))
    train = ion_pair_curves(fit.model, fit.train_distances)
    far = ion_pair_curves(fit.model, np.array([FAR_DISTANCE]))  # beyond the plot: for the practice problem
    return curves, fit.train_distances, train.reference, fit.epochs, fit.seconds, far.at(FAR_DISTANCE)


def approximation_work(progress, surface_name: str, widths: tuple, depths: tuple):
    """One plain MLP per (width, depth) fitted to the same seeded points of the surface."""
    with torch_threads(1):  # tiny networks, see ion_work
        return width_depth_scan(SURFACES[surface_name](), widths, depths, progress=lambda done, total: progress.update(
            done / total, f"{done} of {total} networks fitted"))


@st.cache_resource(show_spinner=False, max_entries=8)
def fresh_bp(elements: tuple):
    """A Behler-Parrinello model for any elements: its fingerprints do not depend on the weights."""
    return build_model("bp", list(elements), seed=0, dtype=torch.float64)


def facing_water():
    """Water centred at its centre of mass, turned into the screen plane (ASE builds it in the yz plane)."""
    water = molecule("H2O")
    water.rotate(90, "y")
    water.positions -= water.get_center_of_mass()
    return water


def atom_names(atoms) -> list[str]:
    return [f"{symbol}{index}" for index, symbol in enumerate(atoms.get_chemical_symbols())]


# --- page sections (each a fragment: its widgets rerun only that section) --------------------------

def locality_structure():
    """The structure chosen for the locality section (a water cluster or one molecule)."""
    structure = st.selectbox("Structure", ["water cluster", "single water molecule"], key="structure")
    if structure != "water cluster":
        return facing_water()
    columns = st.columns(2)
    n_molecules = columns[0].slider("Water molecules", 2, 10, 4, key="n_molecules")
    spacing = columns[1].slider("Closest O–O distance (Å)", 2.8, 10.0, 7.5, 0.1, key="spacing",
                                help="Push the molecules together (2.9 Å is a hydrogen bond) or pull them apart "
                                     "beyond the model's cutoff.")
    try:
        return cluster(n_molecules, spacing, 0)
    except ValueError as error:  # the molecules do not fit at this spacing
        ui.show_error(error, "Water cluster")
        return facing_water()


@st.fragment
def locality_section(atoms) -> None:
    """Atomic energies of a pretrained model, the cutoff sphere, and the cutoff functions."""
    controls, view = st.columns([2, 3], gap="large")
    with controls:
        model_label = st.radio("Pretrained model", list(MODELS), key="locality_model")
        names = atom_names(atoms)
        center = st.selectbox("Atom at the centre of the sphere", range(len(atoms)), format_func=names.__getitem__,
                              key="center_atom")
        cutoff_radius = st.slider("Cutoff radius r_c (Å)", 1.0, 8.0, 3.0, 0.1, key="cutoff_radius")
        inside, distances = neighbors_within(atoms, center, cutoff_radius)
        st.metric("Neighbours inside the sphere", len(inside),
                  help=f"Atoms within {cutoff_radius:.1f} Å of {names[center]}")
        calculator = resources.load_pretrained(MODELS[model_label])
        decomposition = None
        if calculator is not None:
            st.caption(resources.describe_model(calculator.model, f"assets/models/{MODELS[model_label]}.pt"))
            try:
                decomposition = energy_decomposition(calculator.model, atoms)
            except ValueError as error:
                ui.show_error(error, "Atomic energies")
    with view:
        if decomposition is not None:
            ui.molecule_viewer(atoms, atom_values=decomposition.network_part,
                               cutoff_sphere=(center, cutoff_radius),
                               value_label="Atomic energy minus its element's reference (eV)", labels=True,
                               zoom=1.0 if len(atoms) > 3 else 1.4,
                               caption=f"Colour: E_I − E_element from {MODELS[model_label]} · pink sphere: "
                                       f"r_c = {cutoff_radius:.1f} Å around {names[center]}")
        else:
            ui.molecule_viewer(atoms, cutoff_sphere=(center, cutoff_radius), labels=True,
                               zoom=1.0 if len(atoms) > 3 else 1.4,
                               caption=f"Pink sphere: r_c = {cutoff_radius:.1f} Å around {names[center]}")

    if decomposition is not None:
        groups = consecutive_groups(len(atoms), 3)
        columns = st.columns(2) + st.columns(2)
        columns[0].metric("Sum of atomic energies ΣE_I", f"{decomposition.sum_of_atomic:.5f} eV")
        columns[1].metric("Model energy E", f"{decomposition.total_energy:.5f} eV")
        columns[2].metric("|ΣE_I − E|", f"{decomposition.sum_error:.1e} eV")
        if len(groups) > 1:
            contact = closest_contact(atoms, groups)
            columns[3].metric("E − Σ E(molecule alone)",
                              f"{interaction_energy(calculator.model, atoms, groups):.2e} eV",
                              help="The energy of the cluster minus the energies of its molecules computed one by one")
            if contact < decomposition.cutoff_radius:
                st.warning(f"Atoms of different molecules are {contact:.2f} Å apart, inside the model's "
                           f"{decomposition.cutoff_radius:.1f} Å cutoff. The water models were trained on single "
                           "molecules, where no two atoms are more than about 1.6 Å apart, so these atomic "
                           "energies and this interaction energy are extrapolations, not chemistry. The sum rule "
                           "holds anyway. Pull the molecules apart and the interaction energy becomes exactly "
                           "zero.", icon="🔭")
            else:
                st.success(f"Every molecule is more than the cutoff ({decomposition.cutoff_radius:.1f} Å) away "
                           f"from the others (closest contact {contact:.2f} Å): the model cannot see across the "
                           "gap, and the cluster's energy is exactly the sum of the molecules' energies.")
        with st.expander("Atomic energies, atom by atom"):
            st.dataframe(pd.DataFrame({
                "atom": names, "E_I (eV)": decomposition.atomic_energies,
                "element reference (eV)": decomposition.element_energies,
                "E_I − reference (eV)": decomposition.network_part,
            }), hide_index=True)
        st.caption(f"The model's own cutoff is {decomposition.cutoff_radius:.1f} Å; the cutoff slider only moves "
                   "the sphere drawn and the neighbour count.")

    ui.render_lesson(SLUG, "cutoff")
    r = np.linspace(0.0, max(6.5, cutoff_radius + 0.5), 400)
    weights = cutoff_functions(distances, cutoff_radius)["cosine"]
    ui.plot(cutoff_figure(r, {"cosine (Behler)": cutoff_functions(r, cutoff_radius)["cosine"],
                              "polynomial p = 6 (equivariant)": cutoff_functions(r, cutoff_radius)["polynomial"]},
                          cutoff_radius, distances, weights), key="cutoff_plot")
    if len(inside):
        st.caption(f"{len(inside)} neighbours of {names[center]} inside r_c: "
                   + ", ".join(f"{names[j]} at {d:.2f} Å (f_c = {w:.3f})"
                               for j, d, w in zip(inside, distances, weights)))


@st.fragment
def symmetry_function_section() -> None:
    """One radial G2 and one angular G4 term against distance and angle."""
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Radial G2: one neighbour at distance r**")
        eta = st.select_slider("η (Å⁻²)", [0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0], value=1.0, key="g2_eta")
        r_s = st.slider("r_s (Å)", 0.0, 5.0, 1.0, 0.1, key="g2_rs")
        bp_cutoff = st.slider("r_c for these plots (Å)", 2.0, 8.0, 5.0, 0.5, key="bp_cutoff")
        r = np.linspace(0.0, bp_cutoff + 0.5, 400)
        ui.plot(line_figure(r, {f"G2 term, η = {eta:g} Å⁻², r_s = {r_s:g} Å": g2_curve(r, eta, r_s, bp_cutoff),
                                "f_c(r) alone": cutoff_functions(r, bp_cutoff)["cosine"]},
                            axis_title("Distance r", "Å"), axis_title("G2 contribution", "dimensionless"),
                            vline=bp_cutoff, vline_text="r_c"), key="g2_plot")
    with right:
        st.markdown("**Angular G4: two neighbours at equal distance, angle θ**")
        zeta = st.select_slider("ζ", [1, 2, 4, 8, 16, 32], value=4, key="g4_zeta")
        lambda_ = st.radio("λ", [1, -1], horizontal=True, format_func=lambda v: f"{v:+d}", key="g4_lambda")
        eta_angular = st.select_slider("η (Å⁻²)", [0.0, 0.01, 0.1, 0.5], value=0.01, key="g4_eta")
        bond = st.slider("r_IJ = r_IK (Å)", 0.8, 3.0, 1.0, 0.05, key="g4_bond")
        theta = np.linspace(0.0, 180.0, 361)
        g4_curves = {f"λ = {sign:+d}, ζ = {zeta}": g4_curve(theta, eta_angular, zeta, sign, bond, bp_cutoff)
                     for sign in (lambda_, -lambda_)}
        ui.plot(line_figure(theta, g4_curves,
                            axis_title("Angle θ_JIK", "degrees"), axis_title("G4 contribution", "dimensionless"),
                            vline=104.5, vline_text="H-O-H in water"), key="g4_plot")


@st.fragment
def fingerprint_section(atoms) -> None:
    """All symmetry functions of every atom, and their (lack of) change under a rotation and a shift."""
    left, right = st.columns([1, 2], gap="large")
    with left:
        fingerprint_molecule = st.selectbox("Molecule", ["water", "ethanol", "the structure above"],
                                            key="fp_molecule")
        fp_atoms = atoms if fingerprint_molecule == "the structure above" else molecule(fingerprint_molecule)
        angle = st.slider("Rotate by (degrees)", 0, 360, 75, 5, key="fp_angle")
        axis = st.selectbox("about the axis", list(AXES), index=3, key="fp_axis")
        shift = st.slider("and shift along (1, 2, 3) by (Å)", 0.0, 10.0, 3.0, 0.5, key="fp_shift")
        elements = tuple(sorted(set(int(z) for z in fp_atoms.numbers)))
        bp_model = fresh_bp(elements)
        change = fingerprint_change(bp_model, fp_atoms, rotation_about_axis(AXES[axis], angle),
                                    shift * np.array([1.0, 2.0, 3.0]) / np.sqrt(14.0))
        st.metric("max |G(QR + t) − G(R)|", f"{change:.1e}",
                  help="Largest change of any fingerprint entry of any atom")
        st.caption(f"{bp_model.n_radial_features + bp_model.n_angular_features} symmetry functions per atom "
                   f"({bp_model.n_radial_features} G2 + {bp_model.n_angular_features} G4) for the elements "
                   + ", ".join(chemical_symbols[z] for z in elements) + f"; cutoff {bp_model.cutoff_radius:g} Å.")
    with right:
        values = fingerprints(bp_model, fp_atoms)
        ui.plot(fingerprint_heatmap(values, atom_names(fp_atoms), fingerprint_labels(bp_model)),
                height=260 + 22 * len(fp_atoms), key="fingerprint_plot")


@st.fragment
def harmonic_section(lecture: bool) -> None:
    left, right = st.columns([1, 2], gap="large")
    with left:
        l = st.radio("Order l", [0, 1, 2], index=2, horizontal=True, key="harmonic_l")
        component = st.radio("Component", range(2 * l + 1), key=f"harmonic_m_{l}",
                             format_func=lambda m: f"m index {m}: {HARMONIC_COMPONENTS[l][m]}")
        deform = st.toggle("Radius = |Y| (lobes)", value=True, key="harmonic_deform")
    with right:
        points, values = harmonic_on_sphere(l, component, 50 if lecture else 60)
        title = f"Real spherical harmonic, l = {l}: {HARMONIC_COMPONENTS[l][component]}"
        ui.plot(harmonic_figure(points, values, title, deform), height=480, key="harmonic_plot")


@st.fragment
def message_section() -> None:
    """One message of every path l₁ ⊗ l₂ → l₃, worked out, and checked under a rotation."""
    inputs = st.columns(7)
    scalar = inputs[0].number_input("Scalar s", -5.0, 5.0, 0.8, 0.1, key="msg_scalar")
    vector = [inputs[1 + i].number_input(f"Vector v_{c}", -5.0, 5.0, v, 0.1, key=f"msg_v{c}")
              for i, (c, v) in enumerate(zip("xyz", (0.3, -0.5, 1.0)))]
    bond_vector = [inputs[4 + i].number_input(f"Bond r_IJ,{c} (Å)", -5.0, 5.0, v, 0.05, key=f"msg_r{c}")
                   for i, (c, v) in enumerate(zip("xyz", (0.0, 0.76, -0.59)))]
    message_angle = st.slider("Check: rotate v and the bond by (degrees, about (1, 1, 1))", 0, 360, 120, 10,
                              key="msg_angle")
    try:
        paths = worked_message(scalar, vector, bond_vector, rotation_about_axis((1, 1, 1), message_angle))
    except ValueError as error:
        ui.show_error(error, "Worked message")
        paths = []
    if paths:
        st.dataframe(pd.DataFrame({
            "path l₁ ⊗ l₂ → l₃": [p.path + ("" if p.in_model else " (not in model)") for p in paths],
            "what it is": [p.meaning for p in paths],
            "message m": [ui.vector_text(p.message) for p in paths],
            "= formula": ["✓" if p.closed_form is not None and np.allclose(p.closed_form, p.message) else "—"
                          for p in paths],
            "m from rotated inputs": [ui.vector_text(p.rotated_message) for p in paths],
            "D(Q) m": [ui.vector_text(p.expected) for p in paths],
            "error": [f"{p.equivariance_error:.1e}" for p in paths],
        }), hide_index=True, width="stretch", column_config={
            "path l₁ ⊗ l₂ → l₃": st.column_config.TextColumn(width="small"),
            "= formula": st.column_config.TextColumn(width="small"),
            "error": st.column_config.TextColumn(width="small"),
        })
        st.caption("Each row couples a neighbour feature (order l₁) with Y(r̂) (order l₂) by Clebsch-Gordan "
                   "coefficients, before the learned radial weight R(r). '= formula': the same numbers from the "
                   "dot/cross-product formula in the second column. The last three columns rotate v and r_IJ, "
                   "recompute, and compare with the Wigner matrix D^l₃(Q) applied to m.")


@st.fragment
def feature_section(atoms, lecture: bool) -> None:
    """The pretrained equivariant model's l = 0, 1, 2 features under a rotation, then its readout."""
    equivariant_calculator = resources.load_pretrained("water_equivariant")
    check = None
    if equivariant_calculator is not None:  # None: the committed file is missing, said in one line
        equivariant_model, model_note = equivariant_calculator.model, "pretrained water_equivariant"
        st.caption("Model: " + resources.describe_model(equivariant_model, "assets/models/water_equivariant.pt"))
        left, right = st.columns([1, 2], gap="large")
        with left:
            feature_structure = st.selectbox("Structure", ["single water molecule", "the structure above"],
                                             key="feature_structure")
            feature_atoms = facing_water() if feature_structure == "single water molecule" else atoms
            n_channels = int(equivariant_model.hyper["channels"])
            feature_angle = st.slider("Rotate the molecule by (degrees)", 0, 360, 90, 5, key="feature_angle")
            feature_axis = st.selectbox("about the axis", list(AXES), index=2, key="feature_axis",
                                        help="z points out of the screen: rotating about z turns the molecule in "
                                             "the screen plane.")
            rotation = rotation_about_axis(AXES[feature_axis], feature_angle)
            try:
                check = feature_equivariance(equivariant_model, feature_atoms, rotation)
            except ValueError as error:
                ui.show_error(error, "Equivariant features")
            if check is not None:
                # start on the channel whose shortest arrow is longest, so that every atom shows one
                clearest = int(np.argmax(np.linalg.norm(check.vectors, axis=2).min(axis=0)))
                channel = st.slider("Channel", 0, n_channels - 1, clearest, key="feature_channel",
                                    help=f"Channel {clearest} has the clearest arrows on every atom.")
                st.metric("l = 1: max |v(QR) − Q v(R)|", f"{check.vector_error:.1e}")
                st.metric("l = 0: max |s(QR) − s(R)|", f"{check.scalar_error:.1e}")
                st.caption(f"l = 2: max |T(QR) − D²(Q) T(R)| = {check.tensor_error:.1e} · energy change "
                           f"|E(QR) − E(R)| = {check.energy_error:.1e} eV · model: {model_note}, {n_channels} "
                           "channels.")
        with right:
            if check is not None:
                vectors, rotated_vectors = check.vectors[:, channel], check.rotated_vectors[:, channel]
                scale = 1.0 / max(float(np.abs(np.linalg.norm(vectors, axis=1)).max()), 1e-12)  # longest: 1 Å
                zoom = 1.0 if len(feature_atoms) > 3 else 1.2
                view_left, view_right = st.columns(2)
                with view_left:
                    ui.molecule_viewer(feature_atoms, forces=vectors, force_scale=scale, labels=True, zoom=zoom,
                                       height=360 if not lecture else 480, caption="Original: l = 1 features v(R)")
                with view_right:
                    ui.molecule_viewer(rotated_copy(feature_atoms, rotation), forces=rotated_vectors,
                                       force_scale=scale, labels=True, zoom=zoom, height=360 if not lecture else 480,
                                       caption=f"Rotated by {feature_angle}° about {feature_axis}: v(QR), model "
                                               "rerun")
                st.dataframe(pd.DataFrame({
                    "atom": atom_names(feature_atoms),
                    "s(R)": check.scalars[:, channel], "s(QR)": check.rotated_scalars[:, channel],
                    "v(R)": [ui.vector_text(v) for v in vectors],
                    "Q v(R)": [ui.vector_text(rotation @ v) for v in vectors],
                    "v(QR)": [ui.vector_text(v) for v in rotated_vectors],
                }), hide_index=True)

    ui.render_lesson(SLUG, "readout")
    if equivariant_calculator is not None:
        result = readout(equivariant_model, feature_atoms)
        st.dataframe(pd.DataFrame({
            "atom": atom_names(feature_atoms),
            "|h⁰_I| (last-layer scalars)": np.linalg.norm(result.last_scalars, axis=1),
            "MLP output (dimensionless)": result.network_outputs,
            "E_I (eV)": result.atomic_energies,
        }), hide_index=True)
        columns = st.columns(3)
        columns[0].metric("ΣE_I", f"{result.atomic_energies.sum():.6f} eV")
        columns[1].metric("Model energy E", f"{result.total_energy:.6f} eV")
        columns[2].metric("Energy change under the rotation", f"{check.energy_error:.1e} eV" if check else "—")
        st.caption(f"Model: {model_note}. The structure and the rotation are those of the section above.")


@st.fragment
def cost_section() -> float | None:
    """Energy + forces timed against N with and without the cutoff; returns 10^(all-pairs slope)."""
    left, right = st.columns([1, 3], gap="large")
    with left:
        cost_kind = st.radio("Model (untrained: the cost does not depend on the weights)", ["equivariant", "bp"],
                             format_func={"equivariant": "Equivariant MPNN", "bp": "Behler-Parrinello"}.get,
                             key="cost_kind")
        full_job = ui.live_job(f"cost_full_{cost_kind}", "Full series: 10–5,000 atoms",
                               lambda progress: measure_scaling(
                                   cost_kind, 5.0, FULL_SIZES, FULL_SIZES, repeats=3, threads=1,
                                   progress=lambda done, total, message: progress.update(done / max(total, 1),
                                                                                         message)),
                               help="Up to 5,000 atoms with the cutoff; the all-pairs series stops where it gets "
                                    "slow.")
        scaling = full_job.result if full_job is not None else resources.shared_result(
            "03/quick_scaling", quick_scaling_work, cost_kind, QUICK_SIZES, QUICK_ALL_PAIRS,
            label="Timing energy + forces on clusters of 10 to 2,000 atoms")
    if scaling is None:  # being measured on this server: the section appears when it is done
        return None
    fits = {name: fit_power_law(series.n_atoms, series.seconds, FIT_FROM) for name, series in scaling.items()}
    with left:
        for name, label in (("cutoff", "Slope with a 5 Å cutoff"), ("all_pairs", "Slope with all pairs")):
            slope = fits[name][0]
            st.metric(label, f"{slope:.2f}" if np.isfinite(slope) else "—",
                      help=None if np.isfinite(slope) else "Fewer than two points were timed: run the series again.")
        for series in scaling.values():
            if series.stop_reason:
                st.caption(f"{series.label}: {series.stop_reason}.")
    with right:
        ui.plot(cost_figure([(series.label, series.n_atoms, series.seconds, *fits[name])
                             for name, series in scaling.items()], fit_from=FIT_FROM), key="cost_plot")
        if scaling["cutoff"].points:
            largest = scaling["cutoff"].points[-1]
            st.caption(f"Measured on this server ({ui.device_info()['name']}, one CPU thread for steady timings): "
                       f"{largest.n_atoms} atoms with the cutoff have {largest.n_pairs:,} pairs and take "
                       f"{1e3 * largest.seconds:.0f} ms, of which {1e3 * largest.neighbor_seconds:.0f} ms neighbour "
                       "list.")
    return 10.0 ** fits["all_pairs"][0] if np.isfinite(fits["all_pairs"][0]) else None


@st.fragment
def long_range_section() -> float | None:
    """The local model against the Na⁺ Cl⁻ curve; returns E_model − E_ref at 20 Å (for the practice)."""
    left, right = st.columns([1, 3], gap="large")
    with left:
        ion_cutoff = st.select_slider("Cutoff of the local model (Å)", ION_CUTOFFS, value=4.0, key="ion_cutoff")
        experiment = resources.shared_result("03/ion_model", ion_work, float(ion_cutoff),
                                             label=f"Training a local model (r_c = {ion_cutoff:g} Å) on the "
                                                   "Na⁺ Cl⁻ curve")
    if experiment is None:
        return None
    curves, train_distances, train_energies, epochs, seconds, (reference_far, model_far) = experiment
    with left:
        probe = st.slider("Read off at r (Å)", float(DISTANCE_RANGE[0]), float(DISTANCE_RANGE[1]), 8.0, 0.1,
                          key="ion_probe")
        reference_at, model_at = curves.at(probe)
        st.metric(f"Reference at {probe:.1f} Å", f"{reference_at:.3f} eV")
        st.metric(f"Model at {probe:.1f} Å", f"{model_at:.3f} eV",
                  delta=f"{model_at - reference_at:+.3f} eV vs reference", delta_color="off")
        st.caption(f"Trained live: {len(train_distances)} structures (energies and forces), {epochs} epochs in "
                   f"{seconds:.1f} s. Beyond r_c the model varies by {curves.model_beyond_cutoff_spread:.1e} eV.")
    with right:
        ui.plot(ion_pair_figure(curves.distances, curves.reference, curves.coulomb, curves.model,
                                curves.cutoff_radius, train_distances, train_energies), key="ion_plot")
    return model_far - reference_far  # E_model − E_ref at 20 Å: computed, not printed


@st.fragment
def approximation_section() -> None:
    """Plain MLPs of three widths and depths fitted to a 2-D surface, and the fit the student picks."""
    widths, depths = (2, 8, 32), (1, 2, 3)  # seconds of training, once per server: the same in lecture mode
    left, right = st.columns([1, 3], gap="large")
    with left:
        surface_name = st.selectbox("Surface", list(SURFACES), key="ua_surface")
        surface = SURFACES[surface_name]()
        scan = resources.shared_result("03/width_depth_scan", approximation_work, surface_name, widths, depths,
                                       label=f"Fitting {len(widths) * len(depths)} MLPs to {surface_name}")
    if scan is None:
        return
    with left:
        shown_depth = st.radio("Show the fit with depth", depths, index=len(depths) - 1, horizontal=True,
                               key="ua_depth")
        shown_width = st.radio("and width", widths, index=len(widths) - 1, horizontal=True, key="ua_width")
        row, column = depths.index(shown_depth), widths.index(shown_width)
        st.metric(f"Test RMSE of this network ({surface.energy_unit})", f"{scan.test_rmse[row, column]:.3g}")
        st.caption(f"Plain MLPs on (x, y), no symmetry: {scan.n_parameters[row, column]} parameters. "
                   f"All {len(widths) * len(depths)} fits: 300 random "
                   f"training points, 400 Adam steps each, seed 0, errors on 1,000 new points; "
                   f"{scan.seconds:.1f} s in all.")
    with right:
        ui.plot(width_depth_figure(widths, depths, scan.test_rmse, surface.energy_unit), key="ua_plot")
    X, Y, reference = grid(surface, n=70)
    _, _, fitted = grid(scan.models[row][column], surface.x_range, surface.y_range, n=70)
    ceiling = surface.plot_energy_max
    ui.plot(surface_comparison_figure(
        X[0], Y[:, 0], np.minimum(reference, ceiling), np.minimum(fitted, ceiling),
        axis_title(surface.x_label, "arbitrary units"), axis_title(surface.y_label, "arbitrary units"),
        surface.energy_unit,
        [f"{surface.name} (reference)", f"MLP, depth {shown_depth}, width {shown_width}"]), height=430,
        key="ua_maps")


# --- page ------------------------------------------------------------------------------------------

ui.page_setup("Architectures", "🧱")
lecture = ui.lecture_mode()
ui.render_lesson(SLUG, "intro")

ui.render_lesson(SLUG, "locality")
atoms = locality_structure()  # a full rerun when it changes: the sections below show it too
locality_section(atoms)

ui.render_lesson(SLUG, "behler-parrinello")
symmetry_function_section()
ui.render_lesson(SLUG, "fingerprints")
fingerprint_section(atoms)

ui.render_lesson(SLUG, "equivariant")
harmonic_section(lecture)
ui.render_lesson(SLUG, "messages")
message_section()
ui.render_lesson(SLUG, "features")
feature_section(atoms, lecture)

ui.render_lesson(SLUG, "cost")
all_pairs_factor = cost_section()
ui.render_lesson(SLUG, "long-range")
missed_at_20 = long_range_section()
ui.render_lesson(SLUG, "universal-approximation")
approximation_section()

ui.practice_section(SLUG, {"all_pairs_factor": all_pairs_factor, "missed_at_20": missed_at_20})
