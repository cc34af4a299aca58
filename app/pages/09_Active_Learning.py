"""Lesson 9 — Active learning by committee: the spread per structure and per atom and how well it ranks the
true error; the loop live (pool with hidden labels, or MD labelled by PySCF), uncertainty vs random (live,
one seed; precomputed, several seeds); Müller-Brown picks on the map; rotated copies and wasted labels;
a spread-threshold stopping rule."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import resources
import ui
from nnpes_core.active_learning import (
    ActiveLearningSettings, MDSource, PoolSource, spread_versus_error, stopping_point,
)
from nnpes_core.active_learning.comparison import ComparisonFileError, load_comparison, run_side_by_side
from nnpes_core.active_learning.invariance import invariance_experiment
from nnpes_core.active_learning.surface import surface_problem, surface_settings
from nnpes_core.active_learning.uncertainty import labelled_batch
from nnpes_core.viz import axis_title
from nnpes_core.viz.active_learning import (
    STRATEGY_COLORS, Curve, learning_curve_figure, picks_on_surface_figure, spread_error_figure, stopping_figure,
    wasted_labels_figure,
)

SLUG = "09_active_learning"
POOL, TEST = "water_b3lyp_631gs_train", "water_b3lyp_631gs_test"
COMPARISON_PATH = resources.DATA_DIR / "active_learning_water.json"
TARGET = 10.0  # meV/Å
MEV = 1000.0  # meV per eV
BOTH = "both, side by side"
STRATEGY_CHOICES = [BOTH, "uncertainty", "random"]
# lecture preset: pool, small committee, short rounds (the whole loop, both strategies, well under a minute)
PRESETS = {True: dict(start=10, add=10, rounds=4, committee=2, budget=2.0, mb_rounds=5, mb_steps=150, known=10,
                      epochs=100),
           False: dict(start=10, add=10, rounds=6, committee=4, budget=8.0, mb_rounds=8, mb_steps=250, known=20,
                       epochs=200)}


@st.cache_data(show_spinner="Measuring the committee's spread and error on the test set…", max_entries=8)
def spread_study(key: str, _committee, _frames):
    return spread_versus_error(_committee, labelled_batch(_committee, _frames))


@st.cache_resource(show_spinner=False, max_entries=4)
def mb_problem(n_start: int):
    """The Müller-Brown pool, test points and start (read-only; every run hides the pool's labels anew)."""
    problem = surface_problem(n_start=n_start)
    x, y = np.linspace(*problem.surface.x_range, 80), np.linspace(*problem.surface.y_range, 80)
    return problem, x, y, problem.surface(np.stack(np.meshgrid(x, y), axis=-1)).numpy()


def strategies(choice: str) -> list[str]:
    return ["uncertainty", "random"] if choice == BOTH else [choice]


def live_curves(runs_or_curves: dict, metric: str = "force_mae", dash: str | None = None, suffix: str = "") -> list:
    """Learning curves of finished runs (ActiveLearningRun) or of partial ones (lists of round summaries)."""
    curves = []
    for strategy, run in runs_or_curves.items():
        rounds = run if isinstance(run, list) else [r.summary() for r in run.rounds]
        if rounds:
            curves.append(Curve(f"{strategy}{suffix}", [r["labels"] for r in rounds], [r["test"][metric] for r in rounds],
                                STRATEGY_COLORS.get(strategy), dash=dash))
    return curves


# --- page sections (each a fragment: its widgets rerun only that section) --------------------------

@st.fragment
def structure_viewer(study, test: list) -> None:
    """One test structure (largest spread, largest true error or smallest spread), its atoms coloured by
    the committee's force spread (meV/Å), beside its numbers."""
    order = {"largest spread": np.argmax(study.structure_spread), "largest true error": np.argmax(study.structure_error),
             "smallest spread": np.argmin(study.structure_spread)}
    left, right = st.columns([3, 2])
    which = right.radio("Show the test structure with the", list(order), key="al_viewed")
    index = int(order[which])
    atoms = test[index]
    atom_spread = MEV * study.atom_spread[study.structure == index]
    with left:
        ui.molecule_viewer(atoms, atom_values=atom_spread, value_label="force spread σ_F,I (meV/Å)", labels=True,
                           zoom=1.6, caption="Atoms coloured by the committee's force spread; drag to rotate.")
    right.metric("Largest atomic force spread σ_F", f"{MEV * study.structure_spread[index]:.0f} meV/Å")
    right.metric("True force error (largest atom)", f"{MEV * study.structure_error[index]:.0f} meV/Å")
    right.caption(f"Test structure {index + 1} of {len(test)}, sampled at {atoms.info.get('temperature_K', '?')} K; "
                  "per atom: " + ", ".join(f"{s}{i} {v:.0f}" for i, (s, v) in
                                           enumerate(zip(atoms.get_chemical_symbols(), atom_spread))) + " meV/Å.")


@st.fragment
def stopping_section(name: str, labels, spreads, errors) -> None:
    """The spread-threshold stopping rule on one uncertainty run: labels (count per round), the largest
    candidate spread per round (eV/Å) and the test force MAE per round (meV/Å)."""
    threshold = st.select_slider("Stop when every candidate's spread is below (meV/Å)",
                                 [20, 30, 50, 75, 100, 150, 200, 300, 500, 1000, 2000], value=150, key="stop_threshold")
    point = stopping_point(labels, MEV * np.asarray(spreads, dtype=float), errors, threshold)
    ui.plot(stopping_figure(labels, MEV * np.asarray(spreads, dtype=float), errors, threshold,
                            point.labels if point.stopped else None, spread_unit="meV/Å",
                            error_title=axis_title("Test force MAE", "meV/Å"), title=f"Stopping rule on {name}"),
            key="stop_figure")
    columns = st.columns(3)
    columns[0].metric("Labels when the rule stops", f"{point.labels}" if point.stopped else f"never (all {point.labels})")
    columns[1].metric("Test force MAE then", f"{point.error:.1f} meV/Å")
    columns[2].metric("Labels saved vs the full run", f"{point.labels_saved}",
                      delta=f"{point.error - point.error_full_run:+.1f} meV/Å error vs the full run", delta_color="off")


ui.page_setup("Active learning", "🎯")
lecture = ui.lecture_mode()
preset = PRESETS[lecture]
ui.render_lesson(SLUG, "intro")
computed: dict[str, float | None] = {"spearman": None}
pool, test = resources.load_dataset(POOL), resources.load_dataset(TEST)
loop_job = ui.finished_job("al_loop")
loop_runs = loop_job.result if loop_job is not None else {}

# --- the committee and its spread ------------------------------------------------------------------------
ui.render_lesson(SLUG, "committee")
committees = {}
shipped = resources.load_pretrained("water_committee")
if shipped is not None:
    stamp = (resources.MODELS_DIR / "water_committee.pt").stat().st_mtime
    committees["Shipped committee (4 BP members, 1000 structures)"] = (f"shipped::{stamp}", shipped.model)
for strategy, run in loop_runs.items():
    if run.committee is not None:
        committees[f"Your loop's committee ({strategy}, {run.labels[-1]} labels)"] = (
            f"loop::{strategy}::{id(run)}", run.committee)
if committees and test:
    choice = st.selectbox("Committee", list(committees), index=len(committees) - 1, key="al_committee")
    key, committee = committees[choice]
    study = spread_study(key, committee, test)
    structure_viewer(study, test)

    ui.render_lesson(SLUG, "spread-vs-error")
    temperatures = np.array([a.info.get("temperature_K", 0.0) for a in test])
    computed["spearman"] = study.spearman_structures
    ui.plot(spread_error_figure(MEV * study.structure_spread, MEV * study.structure_error, unit="meV/Å",
                                rho=study.spearman_structures, groups=temperatures, group_name="K",
                                title="Test structures"), key="spread_error")
    columns = st.columns(3)
    columns[0].metric("Spearman ρ, all test structures", f"{study.spearman_structures:.2f}")
    columns[1].metric("Spearman ρ, per atom", f"{study.spearman_atoms:.2f}")
    columns[2].metric("Worst 10 % found among the 10 % largest spreads", f"{100 * study.top_fraction_recall(0.1):.0f} %")
    within = study.spearman_within(temperatures)
    st.dataframe(pd.DataFrame({"sampled at (K)": [f"{t:g}" for t in within], "structures": [
        int(np.sum(temperatures == t)) for t in within], "Spearman ρ": [f"{r:.2f}" for r in within.values()]}),
        hide_index=True)
    st.caption("Spread: largest atomic force spread of the committee (population standard deviation over the "
               "members, summed over x, y, z); error: largest |mean force − B3LYP force| over the atoms. "
               f"{len(test)} test structures (PySCF B3LYP/6-31G*, assets/data/PROVENANCE.md), evaluated now.")

# --- the loop, live -------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "loop")
with st.container(border=True):
    row = st.columns(4)
    source_name = row[0].radio("Candidates", ["pool", "md"], key="al_source", format_func={
        "pool": "pool: 1000 shipped structures, labels hidden", "md": "MD with the current model, PySCF labels"}.get)
    kind = row[1].selectbox("Members", ["bp", "equivariant", "cartesian"], key="al_kind")
    strategy_choice = row[2].selectbox("Strategy", STRATEGY_CHOICES, key="al_strategy")
    seed = int(row[3].number_input("Seed", 0, 99, 0, key="al_seed"))
    row = st.columns(5)
    n_start = int(row[0].number_input("Start labels", 2, 100, preset["start"], key=f"al_start::{lecture}"))
    n_add = int(row[1].number_input("Labels per round k", 1, 50, preset["add"], key=f"al_add::{lecture}"))
    rounds = int(row[2].number_input("Rounds", 1, 30, preset["rounds"], key=f"al_rounds::{lecture}"))
    members = int(row[3].number_input("Committee members", 2, 8, preset["committee"], key=f"al_members::{lecture}"))
    budget = float(row[4].number_input("Training per round (s)", 0.2, 120.0, preset["budget"], step=0.5,
                                       key=f"al_budget::{lecture}"))
    temperature = 600.0
    if source_name == "md":
        temperature = float(st.slider("MD temperature (K)", 100, 1500, 600, step=50, key="al_temperature"))
        st.caption(f"Each round: 4 Langevin trajectories on the committee's mean surface, 10 snapshots each; the {n_add} "
                   "most uncertain (or random) snapshots are labelled with PySCF B3LYP/6-31G* now (about half a "
                   "second each on one core; cached on disk).")
    chosen_strategies = strategies(strategy_choice)
    settings = ActiveLearningSettings(kind=kind, n_start=n_start, n_add=n_add, rounds=rounds, committee_size=members,
                                      time_budget=budget, epochs=10**9, seed=seed)
    st.caption(f"{len(chosen_strategies)} × {rounds + 1} rounds × {budget:g} s of training: about "
               f"{len(chosen_strategies) * (rounds + 1) * budget * 1.3:.0f} s. Test: {len(test or [])} shipped "
               "structures, used only for the learning curve.")

    def make_source():
        if source_name == "pool":
            return PoolSource(pool)
        from nnpes_core.potentials import PySCFCalculator

        return MDSource(pool, PySCFCalculator("b3lyp", "6-31g*"), temperature=temperature)

    def loop_work(progress, settings=settings, names=chosen_strategies):
        return run_side_by_side(make_source, test, settings, names, progress)

    def draw_partial(job):
        curves = live_curves(job.progress.partial.get("curves", {}))
        if curves:
            ui.plot(learning_curve_figure(curves, y_title=axis_title("Test force MAE", "meV/Å"), target=TARGET,
                                          title="Learning curve so far"), key="al_partial")

    job = ui.live_job("al_loop", "▶️ Run the loop", loop_work, disabled=not (pool and test), button_type="primary",
                      show_progress=draw_partial)
if job is not None:
    loop_runs = job.result
    ui.plot(learning_curve_figure(live_curves(loop_runs), y_title=axis_title("Test force MAE", "meV/Å"),
                                  target=TARGET, title=f"Live run (seed {seed}): test force error against labels"),
            key="al_curve")
    rows = [{"strategy": name, "labels": run.labels[-1], "test force MAE (meV/Å)": f"{run.curve()[-1]:.1f}",
             "energy MAE (meV/atom)": f"{run.curve('energy_mae_per_atom')[-1]:.2f}", "rounds": len(run.rounds),
             "ended": run.stop_reason, "time (s)": f"{run.seconds:.0f}"} for name, run in loop_runs.items()]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    if job.status == "stopped":
        st.caption("Stopped: the learning curve up to the stop is kept.")

# --- uncertainty vs random, several seeds (precomputed) ------------------------------------------------------
ui.render_lesson(SLUG, "strategies")
comparison = None
try:
    comparison = load_comparison(COMPARISON_PATH)
except ComparisonFileError as error:  # the file is committed: missing or broken means a broken installation
    ui.show_error(error, "Precomputed comparison (assets/scripts/make_active_learning_results.py makes it)")
if comparison is not None:
    curves = []
    for name in comparison.strategies:
        labels, median = comparison.median(name)
        band = comparison.curves(name)
        curves.append(Curve(f"{name} (median of {len(band)} seeds, precomputed)", labels, median,
                            STRATEGY_COLORS.get(name), band.min(axis=0), band.max(axis=0)))
    curves += live_curves(loop_runs, dash="dot", suffix=" (live, one seed)") if loop_runs else []
    ui.plot(learning_curve_figure(curves, y_title=axis_title("Test force MAE", "meV/Å"), target=TARGET,
                                  title="Uncertainty vs random: the same labels budget"), key="al_comparison")
    provenance = comparison.provenance
    settings_text = comparison.settings
    st.dataframe(pd.DataFrame([{
        "strategy": row["strategy"], "seeds": row["seeds"], "labels": row["labels"],
        "final MAE, median (meV/Å)": f"{row['final_median']:.1f}",
        "range over seeds (meV/Å)": f"{row['final_min']:.1f}–{row['final_max']:.1f}",
        f"labels to reach {TARGET:g} meV/Å": row["labels_to_target"] or f"> {row['labels']}"}
        for row in comparison.table(TARGET)]), hide_index=True)
    st.caption(f"**Precomputed** by `{provenance.get('script', 'assets/scripts/make_active_learning_results.py')}` on "
               f"{provenance.get('date', '?')} (seeds {', '.join(map(str, comparison.seeds))}; not in this session; "
               "see assets/data/ACTIVE_LEARNING.md): "
               f"{settings_text['kind']} committee of {settings_text['committee_size']}, {settings_text['n_start']} "
               f"start labels, {settings_text['n_add']} per round, {settings_text['epochs']} epochs per member and "
               "round; shaded: the range over seeds. Dotted: your live run above (one seed, timed rounds).")

# --- Müller-Brown -------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "muller-brown")
row = st.columns(4)
mb_choice = row[0].selectbox("Strategy", STRATEGY_CHOICES, key="mb_strategy")
mb_rounds = int(row[1].number_input("Rounds", 1, 20, preset["mb_rounds"], key=f"mb_rounds::{lecture}"))
mb_add = int(row[2].number_input("Picks per round", 1, 20, 5, key="mb_add"))
mb_steps = int(row[3].number_input("Training steps per member", 20, 2000, preset["mb_steps"], key=f"mb_steps::{lecture}"))
mb_settings = surface_settings(n_add=mb_add, rounds=mb_rounds, epochs=mb_steps)
problem, x_grid, y_grid, energy_grid = mb_problem(mb_settings.n_start)
mb_names = strategies(mb_choice)
mb_units = "arbitrary units"


def mb_map(picks: list, start, title: str, key: str) -> None:
    ui.plot(picks_on_surface_figure(x_grid, y_grid, energy_grid, np.array(start), picks,
                                    energy_title=axis_title("E", mb_units), x_title=axis_title("x", mb_units),
                                    y_title=axis_title("y", mb_units), energy_max=problem.surface.plot_energy_max,
                                    title=title, pool_xy=problem.pool.positions.numpy()), key=key)


def mb_work(progress, settings=mb_settings, names=mb_names):
    return run_side_by_side(problem.source, problem.test, settings, names, progress, start_indices=problem.start_indices)


def mb_partial(job):
    partial = job.progress.partial
    for name, picks in partial.get("picks", {}).items():
        mb_map(picks, partial.get("start", []), f"{name}: picks so far", f"mb_partial_{name}")


mb_job = ui.live_job("al_mb", "▶️ Run the loop on Müller-Brown", mb_work, show_progress=mb_partial)
if mb_job is not None:
    columns = st.columns(len(mb_job.result))
    for column, (name, run) in zip(columns, mb_job.result.items()):
        with column:
            mb_map([r.picked_positions for r in run.rounds], run.start_positions,
                   f"{name}: {run.labels[-1]} labels", f"mb_map_{name}")
    ui.plot(learning_curve_figure(live_curves(mb_job.result, "energy_mae"),
                                  y_title=axis_title("Test energy MAE", mb_units),
                                  title="Müller-Brown: error on uniform test points below E = 0"), key="mb_curve")
    st.caption(f"Pool: {len(problem.pool)} points drawn with Boltzmann weights at kT = 25 below E = 0; test: "
               f"{len(problem.test)} uniform points below E = 0; start: the 5 pool points nearest the deepest "
               f"minimum. Committee of {mb_settings.committee_size} MLPs (2 × 32), {mb_steps} full-batch Adam steps "
               "each per round, energies and forces; candidates ranked by the energy spread.")

# --- rotated copies ---------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "invariance")
row = st.columns(2)
n_known = int(row[0].number_input("Known structures (300 K)", 4, 60, preset["known"], key=f"inv_known::{lecture}"))
inv_epochs = int(row[1].number_input("Epochs per member", 5, 1000, preset["epochs"], key=f"inv_epochs::{lecture}"))
if pool:
    known = [a for a in pool if a.info.get("temperature_K") == 300.0][:n_known]
    new = [a for a in pool if a.info.get("temperature_K", 0.0) >= 900.0][:n_known]

    def invariance_work(progress, known=known, new=new, epochs=inv_epochs, size=preset["committee"]):
        return invariance_experiment(known, new, ("bp", "cartesian"), committee_size=size, epochs=epochs,
                                     progress=lambda done, total, kind: progress.update(done / total, f"{kind} committee"))

    inv_job = ui.live_job("al_invariance", "▶️ Train both committees and offer the copies", invariance_work)
    if inv_job is not None:
        results = inv_job.result
        ui.plot(wasted_labels_figure(results), key="inv_figure")
        columns = st.columns(len(results))
        for column, (name, result) in zip(columns, results.items()):
            column.metric(f"Wasted labels, {name}", f"{result.wasted} of {result.k}")
            column.caption(f"copy vs original spread: {result.copy_spread_change:.1e} relative; plain top-{result.k}: "
                           f"{result.wasted_top_k} copies picked")
        st.caption(f"{len(known)} known structures (300 K) and as many new ones (900–1200 K) from the shipped pool; "
                   "each copy rotated about its centre by a random rotation and shifted by up to 3 Å; committees of "
                   f"{preset['committee']} members, {inv_epochs} epochs each, trained now.")

# --- stopping rule -----------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "stopping")
stop_source = None
if "uncertainty" in loop_runs:
    run = loop_runs["uncertainty"]
    stop_source = ("your live run", run.labels, run.max_spread, run.curve())
elif comparison is not None and "uncertainty" in comparison.runs:
    entry = comparison.runs["uncertainty"][0]
    stop_source = (f"the precomputed run, seed {entry['seed']}", entry["labels"],
                   np.asarray(entry["max_spread_ev_per_a"], dtype=float), entry["force_mae_mev_per_a"])
if stop_source is None:
    st.info("Run the loop above (uncertainty) to try the stopping rule on it.")
else:
    stopping_section(*stop_source)

ui.practice_section(SLUG, computed)
