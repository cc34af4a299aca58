"""Lesson 10 — Reaction paths and rates: ASE's nudged elastic band (climbing image) for H + H2 on the LEPS
surface and for a particle on Müller-Brown, reference next to a trained model; the saddle's Hessian with
its one imaginary frequency; harmonic transition-state-theory rates and what a barrier error does to
them; models trained with and without data along the path; Sato's parameter as a knob."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

import resources
import ui
from nnpes_core.analysis.vibrations import mode_animation_frames
from nnpes_core.calculator import NNPESCalculator
from nnpes_core.potentials import LEPS, LEPSCalculator, MullerBrown, grid
from nnpes_core.reactions import (
    NEBSettings, barrier_error_factor, collinear_coordinates, collinear_energy_map, energies_along,
    leps_barrier_curve, study_h_plus_h2,
)
from nnpes_core.reactions.h3_training import h3_training_config, h3_training_set, train_h3_model
from nnpes_core.reactions.surfaces import fit_surface_model, known_point, surface_path
from nnpes_core.training import job_callback
from nnpes_core.viz import axis_title
from nnpes_core.viz.reactions import (
    PathLine, arrhenius_figure, energy_profile_figure, path_map_figure, sato_barrier_figure,
)
from nnpes_core.viz.surfaces import PointMarker

SLUG = "10_reaction_paths"
LESSON_ONE_SATO = 0.18  # the LEPS surface of lesson 1, on which the models were trained
ACCURATE_BARRIER = 0.425  # eV, Liu-Siegbahn-Truhlar-Horowitz
SHIPPED = {"leps_bp": "valleys + path (leps_bp)", "leps_bp_valleys": "valleys only (leps_bp_valleys)"}
H3_DATASET = "H3, LEPS k = 0.18"  # how the page labels the H3 models it trains (session models)
SHOW = ("H + H₂ on LEPS (three atoms in 3-D)", "Müller-Brown (a particle in 2-D)")
MULLER_BROWN = MullerBrown()
TEMPERATURES = np.linspace(200.0, 1000.0, 81)  # K
MULLER_BROWN_FITS = {False: (48, 3, 400), True: (32, 2, 250)}  # (width, depth, steps); lecture: smaller, faster


# --- cached computations -------------------------------------------------------------------------------

def settings(n_images: int, climb: bool, spring: float = 2.0, fmax: float = 0.03) -> NEBSettings:
    """The band of the page: at most 300 steps (the reference needs about 30; a band that has not
    converged by then is shown as it is, and says so)."""
    return NEBSettings(n_images=n_images, climb=climb, spring=spring, fmax=fmax, max_steps=300)


@st.cache_data(show_spinner="Nudged elastic band on the LEPS surface…", max_entries=64)
def reference_study(sato: float, n_images: int, climb: bool):
    return study_h_plus_h2(LEPSCalculator(sato=sato), f"LEPS (k = {sato:g})", settings(n_images, climb))


@st.cache_data(show_spinner="Nudged elastic band on the model…", max_entries=32)
def model_study(name: str, stamp: str, _model, n_images: int, climb: bool):
    return study_h_plus_h2(NNPESCalculator(_model, dtype=torch.float64), name, settings(n_images, climb))


@st.cache_data(show_spinner=False, max_entries=32)
def along_reference_path(name: str, stamp: str, _model, n_images: int, climb: bool, asymptote: float):
    """The model's energies (eV above its own H + H2 asymptote) at the reference images."""
    reference = reference_study(LESSON_ONE_SATO, n_images, climb)
    return energies_along(reference.path.images, NNPESCalculator(_model, dtype=torch.float64)) - asymptote


@st.cache_data(show_spinner=False)
def leps_map(sato: float, n: int):
    X, Y, E = grid(LEPS(sato=sato), n=n)
    return X, Y, E - LEPS(sato=sato).reactant_energy()


@st.cache_data(show_spinner="The model on the collinear map…", max_entries=16)
def model_map(name: str, stamp: str, _model, n: int, asymptote: float):
    r = np.linspace(*LEPS.x_range, n)
    return collinear_energy_map(_model, r) - asymptote


@st.cache_data(show_spinner=False)
def sato_curve():
    sato = np.linspace(0.08, 0.22, 57)  # above k ≈ 0.236 the pass turns into a well
    return sato, leps_barrier_curve(sato)[0]


@st.cache_data(show_spinner="Nudged elastic band on Müller-Brown…", max_entries=16)
def muller_brown_reference(n_images: int, climb: bool):
    return surface_path(MULLER_BROWN, known_point(MULLER_BROWN, "minimum A").xy,
                        known_point(MULLER_BROWN, "minimum B").xy, settings(n_images, climb, 100.0, 0.5))


@st.cache_data(show_spinner="Nudged elastic band on the model of Müller-Brown…", max_entries=16)
def muller_brown_model_path(name: str, _model, n_images: int, climb: bool):
    return surface_path(_model, known_point(MULLER_BROWN, "minimum A").xy, known_point(MULLER_BROWN, "minimum B").xy,
                        settings(n_images, climb, 100.0, 0.5))


def h3_models() -> dict[str, tuple[str, str, object]]:
    """label -> (name, stamp, model): the shipped H3 models and those trained on this page."""
    found = {}
    for name, label in SHIPPED.items():
        path = resources.MODELS_DIR / f"{name}.pt"
        if path.is_file() and (calculator := resources.load_pretrained(name)) is not None:
            found[label] = (name, str(path.stat().st_mtime), calculator.model)
    for name, info in resources.session_models().items():
        if info.get("dataset") == H3_DATASET:
            found[f"{name} (this session)"] = (name, info.get("stamp", name), info["model"])
    return found


def checked_model_study(label: str, name: str, stamp: str, model, n_images: int, climb: bool):
    """The model's study, or None with one line on the page when it cannot be done (e.g. a model whose H2
    does not relax, or an NEB that breaks down on a badly trained surface)."""
    try:
        return model_study(name, stamp, model, n_images, climb)
    except (RuntimeError, ValueError) as error:
        ui.show_error(error, f"NEB on {label}")
        return None


def muller_brown_models() -> dict[str, object]:
    """label -> 2-D model: fitted on this page, or trained on Müller-Brown in lesson 4."""
    return {name: info["model"] for name, info in resources.session_models().items()
            if info.get("kind") == "surface" and "Müller-Brown" in str(info.get("dataset", ""))}


def fit_muller_brown(progress, width: int, depth: int, steps: int):
    """The page's 2-D model, in the job pool: the shared full-batch fit, reporting every step."""
    def report(epoch) -> bool:
        progress.update(epoch.epoch / steps, f"step {epoch.epoch} of {steps} · loss {epoch.train_loss:.3g}")
        return not progress.stop_requested

    return fit_surface_model(MULLER_BROWN, width=width, depth=depth, steps=steps, callback=report)


def h3_line(study, name: str, role: str) -> PathLine:
    coordinates = collinear_coordinates(study.path.images)
    return PathLine(name, coordinates[:, 0], coordinates[:, 1], study.profile(), study.path.path_length, role)


# --- page -----------------------------------------------------------------------------------------------

ui.page_setup("Reaction paths and rates", "⛰️")
lecture = ui.lecture_mode()
ui.render_lesson(SLUG, "intro")
ui.render_lesson(SLUG, "neb")

controls = st.columns([2, 1, 1])
shown = controls[0].radio("System", SHOW, key="system", horizontal=not lecture)
n_images = controls[1].slider("Images (endpoints included)", 5, 15, 7 if lecture else 9, key="n_images")
climb = controls[2].toggle("Climbing image", True, key="climb")
reference = reference_study(LESSON_ONE_SATO, n_images, climb)

models = h3_models()
model_label = study = None
if models:
    if (pending := st.session_state.pop("h3_model_pending", None)) in models:
        st.session_state["h3_model"] = pending  # a model just trained on this page: show it at once
    model_label = st.radio("Model for H + H₂ (trained on LEPS with k = 0.18)", list(models), key="h3_model",
                           horizontal=not lecture)
    name, stamp, model = models[model_label]
    study = checked_model_study(model_label, name, stamp, model, n_images, climb)

if shown == SHOW[0]:
    map_of = st.radio("Contours of", ["reference (LEPS)", "model"], key="map_of", horizontal=True,
                      disabled=study is None)
    X, Y, E = leps_map(LESSON_ONE_SATO, 60 if lecture else 90)
    if map_of == "model" and study is not None:
        E = model_map(name, stamp, model, X.shape[0], study.saddle.reactant_energy)
    if not reference.path.converged or (study is not None and not study.path.converged):
        st.warning("A band did not converge within 300 steps: its highest image need not be the saddle.")
    lines = [h3_line(reference, "reference (LEPS)", "reference")]
    if study is not None:
        lines.append(h3_line(study, f"model: {model_label}", "model"))
    left, right = st.columns(2) if not lecture else (st.container(), st.container())
    with left:
        ui.plot(path_map_figure(X, Y, E, lines, x_title=axis_title("r_AB", "Å"), y_title=axis_title("r_BC", "Å"),
                                energy_title=axis_title("E − E(H + H₂)", "eV"), energy_unit="eV",
                                energy_max=1.0, title=f"Paths on the collinear map ({map_of})"), key="h3_map")
    with right:
        ui.plot(energy_profile_figure(lines, distance_unit="Å", energy_unit="eV",
                                      title="Energy along each path"), key="h3_profile")
    state = "converged" if reference.path.converged else "not converged"
    st.caption(f"ASE NEB, {n_images} images{', climbing image' if climb else ''}: reference {state} in "
               f"{reference.path.steps} steps. Distance along the path: all atoms' Cartesian displacement. "
               "Barriers from H far away and H₂ relaxed (each surface's own asymptote).")
    animations = ["reference path", "model path", "imaginary mode, reference", "imaginary mode, model"]
    shown_animation = st.radio("Animate", animations if study is not None else animations[::2], key="animate",
                               horizontal=True)
    animated = study if "model" in shown_animation else reference
    if shown_animation.endswith("path"):
        frames, loop = animated.path.images, "backAndForth"
        caption = f"The {n_images} images of the {shown_animation}: H_A + H_B–H_C → H_A–H_B + H_C"
    else:  # the first mode is the imaginary one (wavenumbers ascending, imaginary ones negative)
        saddle = animated.saddle
        frames = mode_animation_frames(saddle.atoms, saddle.modes.displacements[0], amplitude=0.25, n_frames=24)
        loop = "forward"  # one period of the vibration, repeated
        caption = (f"The motion across the barrier at the saddle ({shown_animation.split(', ')[1]}): "
                   f"{saddle.imaginary_wavenumber:.0f}i cm⁻¹, displacements exaggerated")
    ui.molecule_viewer(frames[0], frames=frames, loop=loop, frame_interval_ms=150, zoom=2.0,
                       height=260 if not lecture else 420, caption=caption)
else:
    surface_reference = muller_brown_reference(n_images, climb)
    width, depth, steps = MULLER_BROWN_FITS[lecture]
    fitted = ui.live_job("mb_fit", f"▶️ Fit an MLP ({depth} × {width}) to Müller-Brown: 300 points, energies "
                                   f"and gradients, {steps} steps",
                         lambda progress: fit_muller_brown(progress, width, depth, steps))
    if fitted is not None and st.session_state.get("mb_fit_registered") != fitted.id:
        st.session_state["mb_fit_registered"] = fitted.id
        resources.add_session_model("Müller-Brown MLP (lesson 10)", fitted.result.model, kind="surface",
                                    dataset="Müller-Brown", stop_reason=fitted.result.stop_reason)
    lines = [PathLine("reference", surface_reference.xy[:, 0], surface_reference.xy[:, 1],
                      surface_reference.path.energies - surface_reference.path.energies[0],
                      surface_reference.path.path_length, "reference")]
    surface_models = muller_brown_models()
    surface_model_path = None
    if surface_models:
        surface_label = st.radio("Model of Müller-Brown", list(surface_models), key="mb_model")
        surface_model_path = muller_brown_model_path(surface_label, surface_models[surface_label], n_images, climb)
        lines.append(PathLine(f"model: {surface_label}", surface_model_path.xy[:, 0], surface_model_path.xy[:, 1],
                              surface_model_path.path.energies - surface_model_path.path.energies[0],
                              surface_model_path.path.path_length, "model"))
    else:
        st.info("No model of Müller-Brown yet: fit one with the button above (a few seconds), or train one "
                "on the 2-D surface in lesson 4.")
    X, Y, E = grid(MULLER_BROWN, n=60 if lecture else 90)
    markers = [PointMarker(*p.xy, p.name, p.kind, p.energy) for p in MULLER_BROWN.known_points]
    left, right = st.columns(2) if not lecture else (st.container(), st.container())
    with left:
        ui.plot(path_map_figure(X, Y, E, lines, x_title=axis_title("x", "a.u."), y_title=axis_title("y", "a.u."),
                                energy_title=axis_title("E", "a.u."), energy_unit="a.u.", points=markers,
                                energy_max=MULLER_BROWN.plot_energy_max, title="Minimum A → minimum B"),
                key="mb_map")
    with right:
        ui.plot(energy_profile_figure(lines, distance_unit="a.u.", energy_unit="a.u.",
                                      title="Energy along each path"), key="mb_profile")
    st.caption("The particle calculator makes the surface an ASE 'molecule' of one atom: the same NEB code. "
               "The path passes minimum C; the climbing image takes the higher saddle (A–C).")

# --- the saddle ------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "saddle")
summary = {"reference (LEPS k = 0.18)": reference.saddle_summary()}
if study is not None:
    summary[f"model: {model_label}"] = study.saddle_summary()
table = pd.DataFrame.from_dict(summary, orient="index")  # one row per surface, one column per quantity
table.index.name = "surface"
st.dataframe(table, width="stretch", column_config={
    **{column: st.column_config.NumberColumn(format="%.4f") for column in ("r_AB (Å)", "r_BC (Å)", "barrier ΔE (eV)")},
    **{column: st.column_config.NumberColumn(format="%.0f") for column in table.columns if "cm⁻¹" in column},
    "angle A-B-C (°)": st.column_config.NumberColumn(format="%.1f"),
    "negative Hessian eigenvalues": st.column_config.NumberColumn(format="%d"),
    "largest force at the saddle (eV/Å)": st.column_config.NumberColumn(format="%.1e")})
if study is None:
    st.info("No H₃ model found (assets/models/leps_bp.pt is made by assets/scripts/train_leps_model.py): "
            "the reference alone is shown.")
if shown == SHOW[1]:
    found, literature = surface_reference.saddle, known_point(MULLER_BROWN, "saddle A-C")
    columns = st.columns(4)
    columns[0].metric("Müller-Brown saddle (x, y)", "({:.3f}, {:.3f})".format(*found.atoms.positions[0, :2]),
                      delta="literature ({:.3f}, {:.3f})".format(*literature.xy), delta_color="off")
    columns[1].metric("Energy at the saddle", f"{found.energy:.2f} a.u.",
                      delta=f"literature {literature.energy:.2f} a.u.", delta_color="off")
    if surface_model_path is not None:
        model_saddle = surface_model_path.saddle
        columns[2].metric("Model's saddle (x, y)", "({:.3f}, {:.3f})".format(*model_saddle.atoms.positions[0, :2]))
        columns[3].metric("Model's energy at its saddle", f"{model_saddle.energy:.2f} a.u.",
                          delta=f"{model_saddle.energy - found.energy:+.2f} a.u. vs reference", delta_color="off")
    curvatures = found.modes.omega_squared * found.atoms.get_masses()[0]  # eigenvalues of the 2 x 2 Hessian
    st.caption("Hessian eigenvalues at the reference saddle: " + ", ".join(f"{c:.0f}" for c in curvatures)
               + " a.u. (one negative: a first-order saddle).")

# --- rates ---------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "rates")
temperature = st.slider("Temperature (K)", 200, 1000, 300, 10, key="temperature")
rates = {"reference (LEPS)": (reference.rate(TEMPERATURES), "reference")}
model_has_rate = study is not None and study.saddle.is_first_order_saddle
if model_has_rate:
    rates[f"model: {model_label}"] = (study.rate(TEMPERATURES), "model")
elif study is not None:
    st.warning(f"The highest image of the model's band has {study.saddle.n_negative} negative Hessian eigenvalues, "
               "not one: it is not a transition state, so transition-state theory gives no rate for this model. "
               "(A model trained too briefly, or without data there, can do this.)")
ui.plot(arrhenius_figure(TEMPERATURES, rates, rate_unit="cm³ s⁻¹", marked_temperature=temperature,
                         title="Harmonic TST rate constant of H + H₂ (classical, no tunnelling)"), key="arrhenius")
columns = st.columns(4)
k_reference = float(reference.rate(temperature))
columns[0].metric(f"k reference at {temperature} K (cm³ s⁻¹)", f"{k_reference:.2e}")
if model_has_rate:
    k_model = float(study.rate(temperature))
    barrier_error = study.barrier - reference.barrier
    columns[1].metric(f"k model at {temperature} K (cm³ s⁻¹)", f"{k_model:.2e}")
    columns[2].metric("k model ÷ k reference", f"{k_model / k_reference:.3g}")
    columns[3].metric("exp(−δ/k_BT) from the barrier error alone",
                      f"{barrier_error_factor(-barrier_error, temperature):.3g}",
                      help=f"δ = ΔE_model − ΔE_ref = {1e3 * barrier_error:+.1f} meV; the rest of the ratio comes "
                           "from the frequencies")

ui.render_lesson(SLUG, "chemical-accuracy")
columns = st.columns([2, 1])
error_mev = columns[0].slider("Barrier too low by (meV)", 0, 200, 43, 1, key="error_mev",
                              help="43 meV = 1 kcal/mol")
columns[1].metric(f"Rate too fast by, at {temperature} K",
                  f"× {barrier_error_factor(error_mev / 1e3, temperature):.3g}")

# --- where the data is ---------------------------------------------------------------------------------
ui.render_lesson(SLUG, "data")
profiles = [PathLine("reference (LEPS)", *collinear_coordinates(reference.path.images).T, reference.profile(),
                     reference.path.path_length, "reference")]
rows = []
for label, (name, stamp, model) in models.items():
    own = checked_model_study(label, name, stamp, model, n_images, climb) if label != model_label else study
    if own is None:
        continue
    role = "counterexample" if name == "leps_bp_valleys" else "model" if name == "leps_bp" else "other"
    along = along_reference_path(name, stamp, model, n_images, climb, own.saddle.reactant_energy)
    profiles.append(PathLine(label, profiles[0].x, profiles[0].y, along, reference.path.path_length, role))
    metadata = getattr(model, "metadata", {}) or {}
    rows.append({"model": label, "structures": metadata.get("n_structures"),
                 "along the path": metadata.get("path_fraction"),
                 "validation E MAE (meV/atom)": metadata.get("val_energy_mae_mev_per_atom"),
                 "own barrier (eV)": own.barrier, "barrier error (meV)": 1e3 * (own.barrier - reference.barrier),
                 "imaginary (cm⁻¹)": own.saddle.imaginary_wavenumber})
if rows:
    ui.plot(energy_profile_figure(profiles, distance_unit="Å", energy_unit="eV",
                                  title="Each model along the reference path"), key="data_profile")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
        "along the path": st.column_config.NumberColumn(format="percent"),
        "validation E MAE (meV/atom)": st.column_config.NumberColumn(format="%.2f"),
        "own barrier (eV)": st.column_config.NumberColumn(format="%.4f"),
        "barrier error (meV)": st.column_config.NumberColumn(format="%+.1f"),
        "imaginary (cm⁻¹)": st.column_config.NumberColumn(format="%.0f")})

st.subheader("Train a model on your own mix")
columns = st.columns(3)
n_structures = columns[0].slider("Structures", 60, 600, 120 if lecture else 240, 20, key="train_n")
path_percent = columns[1].slider("Share along the path (%)", 0, 100, 33, 1, key="train_path_percent")
budget = columns[2].slider("Training time (s)", 5, 60, 10 if lecture else 20, 5, key="train_budget")
reference_path = reference.path  # structures "along the path" come from the reference band above


def train_on_mix(progress):
    """Label the mix with LEPS and train a BP model for the budget (the page then runs its NEB)."""
    progress.update(0.0, f"Labelling {n_structures} structures with LEPS…")
    frames = h3_training_set(reference_path, LEPSCalculator(sato=LESSON_ONE_SATO), n_structures, path_percent / 100)
    config = h3_training_config(epochs=10**6, time_budget=float(budget))
    result = train_h3_model(frames, config, job_callback(progress, config))
    return {"model": result.model, "epochs": result.epochs_run, "n_structures": len(frames),
            "path_fraction": path_percent / 100,
            "val_energy_mae": result.history[result.best_epoch - 1].val_energy_mae if result.best_epoch else None}


trained = ui.live_job("h3_train", "▶️ Train a Behler-Parrinello model on this mix", train_on_mix,
                      help="Labels the structures with LEPS (k = 0.18), trains in the server's job pool with a "
                           "progress bar; Stop keeps the best model so far.")
if trained is not None and st.session_state.get("h3_train_registered") != trained.id:
    st.session_state["h3_train_registered"] = trained.id
    result = trained.result
    number = st.session_state.get("h3_train_number", 0) + 1
    st.session_state["h3_train_number"] = number
    result["model"].metadata = {"n_structures": result["n_structures"], "path_fraction": result["path_fraction"],
                                "val_energy_mae_mev_per_atom": result["val_energy_mae"]}
    label = f"#{number} BP, {result['n_structures']} structures, {100 * result['path_fraction']:.0f} % on the path"
    resources.add_session_model(label, result["model"], kind="bp", dataset=H3_DATASET,
                                stamp=f"{label}-{trained.id}")
    st.session_state["h3_model_pending"] = f"{label} (this session)"
    st.rerun()

# --- Sato's parameter ------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "sato")
sato = st.slider("Sato parameter k", 0.10, 0.22, LESSON_ONE_SATO, 0.002, format="%.3f", key="sato")
chosen = reference_study(round(sato, 3), n_images, climb)
sato_values, barriers = sato_curve()
columns = st.columns([2, 1])
with columns[0]:
    ui.plot(sato_barrier_figure(sato_values, barriers, chosen=(sato, chosen.barrier), target=ACCURATE_BARRIER,
                                target_label="accurate (LSTH)"), key="sato_curve")
with columns[1]:
    st.metric("Barrier (NEB in 3-D)", f"{chosen.barrier:.3f} eV",
              delta=f"{chosen.barrier - ACCURATE_BARRIER:+.3f} eV vs 0.425", delta_color="off")
    st.metric("Saddle r_AB = r_BC", f"{collinear_coordinates([chosen.saddle.atoms])[0, 0]:.3f} Å")
    st.metric("Imaginary frequency", f"{chosen.saddle.imaginary_wavenumber:.0f}i cm⁻¹")

ui.practice_section(SLUG, {"barrier_error_mev": 1e3 * (study.barrier - reference.barrier) if study is not None else None})
