"""Lesson 13 — Materials: a potential for periodic fcc copper against ASE's EMT. Periodic images and
checks, the equation of state, the vacancy formation energy, the transferability of a model trained on
perfect crystals only, Langevin MD and g(r), and the cost of energy + forces up to 10,976 atoms.
Every number is computed by the page with the shipped models (timings on this server)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from ase.calculators.emt import EMT

import resources
import ui
from nnpes_core.analysis.cost import fit_power_law
from nnpes_core.data.batch import AtomicBatch
from nnpes_core.materials import (
    SUPERCELL_SIZES, coordination_number, crystal_properties, fcc_supercell, first_minimum_after_peak,
    property_errors, supercell_cost,
)
from nnpes_core.materials.checks import neighbour_count, periodic_checks
from nnpes_core.materials.md import rdf_at_temperatures
from nnpes_core.materials.training import (
    CRYSTAL_CUTOFF, crystal_calculator, crystal_training_config, train_crystal_model,
)
from nnpes_core.threads import torch_threads
from nnpes_core.training import error_metrics, job_callback
from nnpes_core.training_experiments import history_arrays
from nnpes_core.viz.architectures import cost_figure
from nnpes_core.viz.materials import eos_figure, property_error_figure, rdf_figure, supercell_html, temperature_figure
from nnpes_core.viz.training import loss_curves_figure

SLUG = "13_materials"
ELEMENT = "Cu"
MODELS = {"cu_bp": "Behler-Parrinello (cu_bp)", "cu_equivariant": "Equivariant MPNN (cu_equivariant)"}
PERFECT_ONLY = "cu_bp_perfect"
KINDS = {"bulk": "perfect (bulk)", "vacancy": "one vacancy", "surface-111": "(111) slab", "surface-100": "(100) slab"}
TEMPERATURES = (300, 600, 900, 1200)  # K
QUICK_SIZES, FULL_SIZES = SUPERCELL_SIZES[:5], SUPERCELL_SIZES
FIT_MIN_ATOMS = 100
THREADS = 1  # small tensors and a shared server: one CPU thread (also for reproducible timings)


# --- cached computations ---------------------------------------------------------------------------

def model_stamp(name: str) -> float:
    path = resources.MODELS_DIR / f"{name}.pt"
    return path.stat().st_mtime if path.is_file() else 0.0


def float64_calculator(calculator):
    """A float64 copy of a pretrained model's calculator (checks and properties in float64)."""
    return crystal_calculator(calculator.model)


@st.cache_data(show_spinner="Equation of state, vacancy (108 atoms, relaxed) and surfaces…", max_entries=16)
def properties(name: str, stamp: float, _calculator):
    with torch_threads(THREADS):
        return crystal_properties(EMT() if name == "EMT" else float64_calculator(_calculator), ELEMENT)


@st.cache_data(show_spinner="Measuring translation, extensivity and finite-difference forces…", max_entries=16)
def checks(name: str, stamp: float, structure_key: str, _model, _atoms):
    with torch_threads(THREADS):
        return periodic_checks(_model, _atoms)


@st.cache_data(show_spinner="Timing energy + forces on periodic supercells…", max_entries=8)
def quick_cost(name: str, stamp: float, sizes: tuple, _model):
    return supercell_cost(_model, ELEMENT, sizes, repeats=3, threads=THREADS)


def structure_errors(model, atoms) -> tuple[float, float]:
    """|E_model - E_EMT| (meV) and the force MAE (meV/Å) of one labelled structure."""
    batch = AtomicBatch.from_atoms([atoms], model.cutoff_radius, dtype=next(model.parameters()).dtype)
    metrics = error_metrics(model, batch)
    return metrics["energy_mae_mev"], metrics["force_mae_mev_per_a"]


@st.cache_data(show_spinner=False, max_entries=64)
def training_structure_errors(name: str, stamp: float, kind: str, index: int, _model, _atoms) -> tuple[float, float]:
    """structure_errors of training structure ``index`` of ``kind`` (the same for every student)."""
    return structure_errors(_model, _atoms)


def data_summary(frames) -> pd.DataFrame:
    """Counts, atoms and label ranges of a data set, one row per kind of structure."""
    rows = []
    for kind, label in KINDS.items():
        chosen = [f for f in frames if f.info.get("kind") == kind]
        if chosen:
            per_atom = [f.get_potential_energy() / len(f) for f in chosen]
            rows.append({"kind": label, "structures": len(chosen), "atoms": len(chosen[0]),
                         "energy per atom (eV)": f"{min(per_atom):.3f} to {max(per_atom):.3f}",
                         "largest |F| (eV/Å)": max(float(np.abs(f.get_forces()).max()) for f in chosen)})
    return pd.DataFrame(rows)


# --- page sections (a fragment: its widgets rerun only that section) --------------------------------

@st.fragment
def periodic_cell_section(train_set, model, model_name: str, page_kind: str, lecture: bool) -> str:
    """A training structure of the chosen kind in its cell (3-D view), the neighbours of the 4-atom cubic
    cell and the model's errors on the structure; returns the kind (read by the checks further down)."""
    left, right = st.columns([2, 3], gap="large")
    with left:
        kind = st.selectbox("Training structure", list(KINDS), format_func=KINDS.get, key="structure_kind")
        if kind != page_kind:  # a fragment rerun after a new kind: the checks below use it too, so rerun the page
            st.rerun()
        frames = [frame for frame in (train_set or []) if frame.info.get("kind") == kind]
        index = st.slider("Which one", 1, max(len(frames), 1), 1, key=f"structure_index_{kind}") - 1
        structure = frames[index] if frames else fcc_supercell(ELEMENT, 2)
        cubic = fcc_supercell(ELEMENT, 1)
        count = neighbour_count(cubic, 0, CRYSTAL_CUTOFF)
        st.metric(f"Neighbours within {CRYSTAL_CUTOFF} Å in the 4-atom cubic cell", count.neighbours,
                  help="The cell is only 3.59 Å across: most neighbours lie in the copies around it")
        st.caption(f"{count.images} of them are periodic images (a non-zero cell shift), "
                   f"{count.neighbours - count.images} lie inside the cell itself; distances "
                   f"{count.distances.min():.2f}-{count.distances.max():.2f} Å.")
        columns = st.columns(2)
        columns[0].metric("Atoms in this cell", len(structure))
        columns[1].metric("Cell volume", f"{structure.get_volume():.1f} Å³")
        if model is not None and frames:
            energy_error, force_error = training_structure_errors(model_name, model_stamp(model_name), kind, index,
                                                                  model, structure)
            st.caption(f"EMT energy {structure.get_potential_energy():.3f} eV · {MODELS[model_name]}: energy error "
                       f"{energy_error:.1f} meV, force MAE {force_error:.0f} meV/Å.")
    with right:
        st.iframe(supercell_html(structure, height=560 if lecture else 380), height=(560 if lecture else 380) + 4)
        st.caption(f"{KINDS[kind]}: {len(structure)} Cu atoms and the cell edges (black). Drag to rotate.")
    return kind


# --- page ------------------------------------------------------------------------------------------

ui.page_setup("Materials", "🔩")
lecture = ui.lecture_mode()
ui.render_lesson(SLUG, "intro")

model_name = st.radio("Model for this page", list(MODELS), format_func=MODELS.get, horizontal=True, key="model")
calculator = resources.load_pretrained(model_name)
model = calculator.model if calculator is not None else None

# Cells and periodic images ---------------------------------------------------------------------------
ui.render_lesson(SLUG, "periodic-cells")
train_set = resources.load_dataset("cu_emt_train")
kind = periodic_cell_section(train_set, model, model_name, st.session_state.get("structure_kind", next(iter(KINDS))),
                             lecture)
frames = [frame for frame in (train_set or []) if frame.info.get("kind") == kind]

ui.render_lesson(SLUG, "data")
if train_set is not None:
    st.dataframe(data_summary(train_set).round(3), hide_index=True)
    st.caption(f"The training set with defects ({len(train_set)} structures), labelled with EMT. The set of "
               "perfect crystals only has the same size, all bulk.")

# Periodic checks -------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "periodic-checks")
if model is not None:
    crystal = frames[0] if frames else fcc_supercell(ELEMENT, 2)
    crystal = crystal.copy()
    result = checks(model_name, model_stamp(model_name), f"{kind}-0", model, crystal)
    columns = st.columns(3)
    columns[0].metric("|ΔE| after a shift across the boundary", f"{result.translation_error_ev:.1e} eV",
                      help=f"Shift {result.shift} Å; {result.atoms_moved_through_a_face} atoms re-entered "
                           "through the opposite face")
    columns[1].metric("|E(2×1×1 cell) − 2E|", f"{result.extensivity_error_ev:.1e} eV")
    columns[2].metric("max |F_autograd − F_finite diff.|", f"{result.force_error_ev_per_a:.1e} eV/Å",
                      help=f"Central differences, h = 10⁻⁵ Å; forces up to {result.max_force_ev_per_a:.2f} eV/Å")
    st.caption(f"Measured in float64 on the first {KINDS[kind]} training structure ({len(crystal)} atoms).")

# Equation of state -----------------------------------------------------------------------------------
ui.render_lesson(SLUG, "equation-of-state")
results = {"EMT": properties("EMT", 0.0, None)}
for name in MODELS:
    shipped = resources.load_pretrained(name) if name != model_name else calculator
    if shipped is not None:
        results[name] = properties(name, model_stamp(name), shipped)
ui.plot(eos_figure({name: result.eos for name, result in results.items()}), key="eos_plot")
st.dataframe(pd.DataFrame([{"potential": name, "a0 (Å)": r.eos.lattice_constant, "B (GPa)": r.eos.bulk_modulus_gpa,
                            "V0 (Å³/atom)": r.eos.volume, "E0 (eV/atom)": r.eos.energy} for name, r in results.items()]
                          ).round(4), hide_index=True)

# Vacancy ---------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "vacancy")
relaxed_vacancy_model = None
if model_name in results:
    reference, mine = results["EMT"].vacancy, results[model_name].vacancy
    relaxed_vacancy_model = mine.relaxed_ev
    left, right = st.columns([2, 3], gap="large")
    with left:
        columns = st.columns(2)
        columns[0].metric("EMT, relaxed", f"{reference.relaxed_ev:.3f} eV",
                          help=f"unrelaxed {reference.unrelaxed_ev:.3f} eV")
        columns[1].metric(f"{model_name}, relaxed", f"{mine.relaxed_ev:.3f} eV",
                          delta=f"{mine.relaxed_ev - reference.relaxed_ev:+.3f} eV vs EMT", delta_color="off")
        st.dataframe(pd.DataFrame([
            {"potential": "EMT", "a0 (Å)": reference.lattice_constant, "unrelaxed (eV)": reference.unrelaxed_ev,
             "relaxed (eV)": reference.relaxed_ev, "BFGS steps": reference.relaxation_steps},
            {"potential": model_name, "a0 (Å)": mine.lattice_constant, "unrelaxed (eV)": mine.unrelaxed_ev,
             "relaxed (eV)": mine.relaxed_ev, "BFGS steps": mine.relaxation_steps}]).round(4), hide_index=True)
        st.caption(f"{mine.n_atoms}-atom supercell; the 12 atoms around the hole moved by up to "
                   f"{mine.max_displacement:.3f} Å ({model_name}) and {reference.max_displacement:.3f} Å (EMT).")
    with right:
        st.iframe(supercell_html(mine.relaxed, height=560 if lecture else 380, highlight=mine.neighbours,
                                 vacancy_sites=mine.site), height=(560 if lecture else 380) + 4)
        st.caption("Relaxed with the model: the empty site (pink) and its 12 former neighbours (blue).")

# Transferability -------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "transferability")
perfect_calculator = resources.load_pretrained(PERFECT_ONLY)
if perfect_calculator is not None and "cu_bp" in results:
    results[PERFECT_ONLY] = properties(PERFECT_ONLY, model_stamp(PERFECT_ONLY), perfect_calculator)
    compared = {"EMT": results["EMT"], "cu_bp": results["cu_bp"], PERFECT_ONLY: results[PERFECT_ONLY]}
    extra = st.session_state.get("my_model_properties")
    if extra is not None:
        compared[extra[0]] = extra[1]
    rows = property_errors(compared)
    shown = [row for row in rows if "E0" not in row["property"]]
    ui.plot(property_error_figure(shown, [name for name in compared if name != "EMT"]), key="transfer_plot")
    st.dataframe(pd.DataFrame(shown).round(3), hide_index=True)
    vacancy_row = next(row for row in rows if row["property"] == "vacancy, relaxed (eV)")
    st.caption(f"Relaxed vacancy: EMT {vacancy_row['EMT']:.3f} eV, cu_bp (trained with defects) "
               f"{vacancy_row['cu_bp']:.3f} eV, cu_bp_perfect (perfect crystals only) "
               f"{vacancy_row[PERFECT_ONLY]:.3f} eV.")

    with st.expander("Train a Behler-Parrinello model yourself and add it to the comparison"):
        data_choice = st.radio("Training data", ["perfect crystals only", "with vacancies and surfaces"],
                               horizontal=True, key="my_data")
        epochs = st.slider("Epochs", 2, 40, 10, key="my_epochs",
                           help="About 3-10 s per epoch on one CPU thread for 120 supercells of 32 atoms")

        perfect_only = data_choice.startswith("perfect")
        my_train = resources.load_dataset("cu_emt_perfect_train" if perfect_only else "cu_emt_train")
        my_val = resources.load_dataset("cu_emt_val") or []
        if perfect_only:
            my_val = [f for f in my_val if f.info.get("kind") == "bulk"]

        def train_mine(progress, data_choice=data_choice, epochs=epochs, train=my_train, val=my_val):
            config = crystal_training_config("bp", epochs=epochs, seed=0, threads=THREADS)
            trained = train_crystal_model("bp", train, val, job_callback(progress, config), config=config)
            progress.update(None, "computing its equation of state, vacancy and surfaces…")
            with torch_threads(THREADS):
                return data_choice, trained, crystal_properties(crystal_calculator(trained.model), ELEMENT)

        def show_history(job):
            history = job.progress.partial.get("history")
            if history:
                ui.plot(loss_curves_figure(history_arrays(history)), height=320, key=f"my_loss_{len(history)}")

        job = ui.live_job("train_mine", "▶️ Train", train_mine, show_progress=show_history, disabled=my_train is None)
        if job is not None and job.result is not None:
            data_choice, trained, mine_properties = job.result
            label = f"your bp ({data_choice}, {trained.epochs_run} epochs)"
            if st.session_state.get("my_model_properties", (None,))[0] != label:
                st.session_state["my_model_properties"] = (label, mine_properties)
                st.rerun()
            st.caption(f"{label}: added to the table and the figure above.")

# MD and g(r) ------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "md-rdf")
if model is not None:
    left, right = st.columns([1, 2], gap="large")
    with left:
        temperatures = st.multiselect("Temperatures (K)", TEMPERATURES, default=[300, 1200], key="temperatures")
        steps = st.select_slider("Steps of 2 fs", [50, 100, 200, 400, 800, 1600], value=50 if lecture else 200,
                                 key="md_steps", help="g(r) is averaged over snapshots every 10 steps after the "
                                                      "first quarter of the run")
        repeat = st.radio("Supercell", [2, 3], format_func=lambda k: f"{k}×{k}×{k} ({4 * k**3} atoms)",
                          horizontal=True, key="md_repeat")
        with_emt = st.checkbox("Also run EMT (dashed)", value=True, key="md_with_emt")
    a_model = results[model_name].lattice_constant if model_name in results else None
    a_emt = results["EMT"].lattice_constant

    def run_md(progress, temperatures=tuple(temperatures), steps=steps, repeat=repeat, with_emt=with_emt):
        potentials = {model_name: float64_calculator(calculator)}
        crystals = {model_name: fcc_supercell(ELEMENT, repeat, a_model)}
        if with_emt:
            potentials["EMT"], crystals["EMT"] = EMT(), fcc_supercell(ELEMENT, repeat, a_emt)

        def report(done, total, message):
            progress.update(done / total, message)
            return not progress.stop_requested

        with torch_threads(THREADS):
            return rdf_at_temperatures(potentials, crystals, temperatures, steps=steps,
                                       equilibration_steps=steps // 4, progress=report)

    with left:
        # lecture mode starts the preset once by itself (not again after it has finished)
        preset = lecture and "job::md" not in st.session_state
        job = ui.live_job("md", "▶️ Run MD", run_md, start=preset, disabled=not temperatures)
    with right:
        if job is not None and job.result:
            runs = job.result
            shells = [a_emt * np.sqrt(n / 2) for n in (1, 2, 3, 4)]
            ui.plot(rdf_figure({f"{'EMT' if run.potential == 'EMT' else run.potential} {run.temperature:.0f} K":
                                (run.r, run.g) for run in runs}, shells), key="rdf_plot")
            ui.plot(temperature_figure({f"{run.potential} {run.temperature:.0f} K":
                                        (run.md.time_fs, run.md.temperature) for run in runs}),
                    height=300, key="temperature_plot")
            st.dataframe(pd.DataFrame([{
                "potential": run.potential, "T target (K)": run.temperature,
                "mean T (K)": float(np.mean(run.md.temperature[len(run.md.temperature) // 4:])),
                "first peak r (Å)": float(run.r[np.argmax(run.g)]), "first peak g": float(run.g.max()),
                "neighbours in first shell": coordination_number(
                    run.r, run.g, len(run.md.frames[0]) / run.md.frames[0].get_volume(),
                    first_minimum_after_peak(run.r, run.g)),
                "ms per step": 1e3 * run.md.seconds_per_step} for run in runs]).round(3), hide_index=True)
        elif job is None:
            st.caption("Choose temperatures and press Run MD (lecture mode runs a short preset by itself).")

# Cost against N ---------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "cost")
if model is not None:
    series = quick_cost(model_name, model_stamp(model_name), QUICK_SIZES, model)

    def time_all(progress):
        def report(done, total, message):
            progress.update(done / total, message)
            return not progress.stop_requested
        return supercell_cost(model, ELEMENT, FULL_SIZES, repeats=2, max_seconds=30.0, progress=report,
                              threads=THREADS)

    job = ui.live_job("cost", f"▶️ Time up to {FULL_SIZES[-1]:,} atoms", time_all,
                      help="One to a few minutes on one CPU thread")
    if job is not None and job.result is not None and job.result.points:
        series = job.result
    slope, prefactor = fit_power_law(series.n_atoms, series.seconds, min_atoms=FIT_MIN_ATOMS)
    ui.plot(cost_figure([(series.label, series.n_atoms, series.seconds, slope, prefactor)],
                        fit_from=FIT_MIN_ATOMS), key="cost_plot")
    columns = st.columns(3)
    columns[0].metric(f"Slope p in t ∝ N^p (N ≥ {FIT_MIN_ATOMS})", f"{slope:.2f}")
    columns[1].metric("Time per atom at the largest size", f"{1e6 * series.seconds[-1] / series.n_atoms[-1]:.1f} µs")
    columns[2].metric("Largest supercell timed", f"{series.n_atoms[-1]:,} atoms")
    st.caption(f"Neighbour pairs per atom: {series.points[-1].n_pairs / series.n_atoms[-1]:.0f} at every size "
               f"(one CPU thread, {series.points[0].repeats} repeats per point). {series.stop_reason}")

ui.practice_section(SLUG, {"relaxed_vacancy_model": relaxed_vacancy_model})
