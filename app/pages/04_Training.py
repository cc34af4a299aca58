"""Lesson 4 — Training a potential, live: the energy + force loss with weights α and β, trained in the
page on water (B3LYP), the H₂ curve (FCI), a 2-D toy surface or an uploaded file, with live loss
curves, a stop button that keeps the best model, parity plots, a download, and three experiments that
measure the lesson's claims (forces only, forces at equal cost, the Cartesian MLP on rotated molecules)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

import resources
import ui
from nnpes_core.data import dataset_summary
from nnpes_core.data.io import DatasetError
from nnpes_core.data.training_sets import (
    finite_difference_bond_forces, h2_frames, read_uploaded_dataset, same_molecule, spline_forces,
    split_for_training,
)
from nnpes_core.data.surface_points import surface_dataset, surface_units
from nnpes_core.models import ATOMISTIC, KINDS, build_model, checkpoint_bytes, elements_for, model_kinds
from nnpes_core.models import SURFACE as SURFACE_WORLD
from nnpes_core.potentials import PySCFCalculator, load_curves, toy_surface
from nnpes_core.surface_training import surface_on_grid
from nnpes_core.training import default_config, job_callback, resolve_device, train, training_provenance
from nnpes_core.training_experiments import (
    PARTS, equal_cost_curves, evaluate_test_set, forces_only_offset, history_arrays, parity_data, rotation_test,
)
from nnpes_core.viz.architectures import surface_comparison_figure
from nnpes_core.viz.style import axis_title
from nnpes_core.viz.training import (
    curve_fit_figure, learning_curves_figure, loss_curves_figure, offset_figure, parity_figure,
    rotation_errors_figure,
)

SLUG = "04_training"
WATER, H2, SURFACE, UPLOAD = ("Water, B3LYP/6-31G* (shipped)", "H₂ curve, FCI (shipped)", "2-D toy surface",
                              "Upload an extended-XYZ file")
SURFACES = {"Müller-Brown": "muller-brown", "LEPS H + H₂ (collinear)": "leps", "Double well": "double-well"}
BASES = {"6-31G": "6-31g", "STO-3G": "sto-3g", "cc-pVDZ": "cc-pvdz"}
H2_FORCES = ("spline derivative of the shipped FCI energies (instant)",
             "finite differences of fresh FCI energies (PySCF, ~10 s)")
H2_R_MIN = 0.5  # Å: below, the wall rises by tens of eV and would dominate the loss
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2]
RUN_KEY = "training_run"  # the last finished live run of this session: a dict (see finish_run)
ATOMISTIC_UNITS = ("meV/atom", "meV/Å", "eV", "eV/Å")  # error units, then label units
PRESET = dict(train_dataset=WATER, train_kind_atomistic="bp", train_alpha=1.0, train_beta=1.0, train_learning_rate=5e-3,
              train_stop_by="time budget", train_seconds=10, train_dtype="float32", train_n_water=1000)


# --- data (cached: loaded or computed once per server process) -------------------------------------

@st.cache_resource(show_spinner="Reading the water data set…")
def water_splits():
    """(train, validation, test) water structures, shared read-only by every session (nothing here
    modifies an Atoms object: training copies positions into tensors)."""
    names = ("water_b3lyp_631gs_train", "water_b3lyp_631gs_val", "water_b3lyp_631gs_test")
    parts = [resources.load_dataset(name) for name in names]
    return None if any(part is None for part in parts) else parts


@st.cache_data(show_spinner=False)
def h2_curve(basis: str):
    curve = load_curves(resources.DATA_DIR / "h2_fci_curves.json")[basis]
    return curve.distances, curve.energies[:, 0]


@st.cache_data(show_spinner=False)
def h2_fd_forces(basis: str, _progress=None):
    """-dE/dR at every shipped distance by central differences (h = 1e-3 Å) of fresh FCI energies:
    reference data, the same for everyone, so computed once per server process and basis."""
    distances, _ = h2_curve(basis)
    calculator = PySCFCalculator("fci", basis, cache_dir=None)
    energy_at = lambda r: calculator.ground_state_energy([1, 1], np.array([[0, 0, 0], [0, 0, r]]))  # noqa: E731
    return finite_difference_bond_forces(distances, energy_at, 1e-3, _progress)


@st.cache_resource(show_spinner=False, max_entries=6)
def surface_splits(name: str, n_train: int):
    surface = toy_surface(name)
    return surface_dataset(surface, n_train, seed=0), surface_dataset(surface, 100, seed=1), \
        surface_dataset(surface, 400, seed=2)


@st.cache_data(show_spinner="Checking the uploaded file…", max_entries=4)
def uploaded_frames(content: bytes, filename: str):
    return read_uploaded_dataset(content, filename)


@st.cache_resource(show_spinner="Measuring the pretrained model on the test set…", max_entries=4)
def pretrained_on_test_set(name: str, modified: float, _model, _test_frames):
    """Test errors and parity data of a pretrained model (once per file version and server process)."""
    return evaluate_test_set(_model, _test_frames)


def device_label(device: torch.device) -> str:
    if device.type == "cuda":
        return f"GPU ({torch.cuda.get_device_name(device)})"
    return f"CPU ({torch.get_num_threads()} thread{'s' if torch.get_num_threads() != 1 else ''})"


# --- the live run ---------------------------------------------------------------------------------

def draw_progress(history: list, settings: dict, best: int, state: str) -> None:
    """The status line, metrics and loss curves of a run (live while it trains, and after)."""
    st.markdown(f"**{state}** · {settings['label']} · on **{settings['device_label']}** in {settings['dtype']}")
    if not history:
        st.caption("Waiting for the first epoch…")
        return
    last = history[-1]
    speed = np.median([r.structures_per_second for r in history[-10:]])
    columns = st.columns(5)
    columns[0].metric("Epoch", f"{last.epoch}", help=f"best so far: epoch {best}")
    columns[1].metric("Time", f"{last.elapsed:.1f} s")
    columns[2].metric(f"Throughput ({settings['item']}/s)", f"{speed:,.0f}",
                      help=f"{settings['item']} per second of training on {settings['device_label']}")
    validated = [r for r in history if r.val_force_mae is not None]
    if validated:
        best_report = min(validated, key=lambda r: r.val_loss)
        columns[3].metric(f"Best validation energy MAE ({settings['units'][0]})", f"{best_report.val_energy_mae:.3g}",
                          help=f"at epoch {best_report.epoch}, the epoch whose weights are kept")
        columns[4].metric(f"Best validation force MAE ({settings['units'][1]})", f"{best_report.val_force_mae:.3g}",
                          help=f"at epoch {best_report.epoch}, the epoch whose weights are kept")
    arrays = history_arrays(history, rmse_scale=settings["rmse_scale"])
    arrays["best_epoch"] = best
    ui.plot(loss_curves_figure(arrays, settings["units"][0], settings["units"][1], settings["loss_unit"]),
            height=380, key=f"curves-{state}-{len(history)}")


def draw_live(job) -> None:
    """Called by ui.live_job while the training job runs."""
    settings = job.progress.partial.get("settings")
    if settings is None:
        return
    history = list(job.progress.partial.get("history", []))
    best = max((r.epoch for r in history if r.is_best), default=0)
    draw_progress(history, settings, best, "⏳ Training…")


def show_test_results(summary: dict, parity, units: tuple[str, str, str, str], offset: float, key: str) -> None:
    """Test-set metrics and the two parity plots; ``units`` = (energy error, force error, energy,
    force) units; ``offset`` is removed from the model energies (the constant of a forces-only model)."""
    energy_error_unit, force_error_unit, energy_unit, force_unit = units
    columns = st.columns(4)
    columns[0].metric(f"Energy MAE ({energy_error_unit})", f"{summary['energy_mae']:.3g}")
    columns[1].metric(f"Energy RMSE ({energy_error_unit})", f"{summary['energy_rmse']:.3g}")
    columns[2].metric(f"Force MAE ({force_error_unit})", f"{summary['force_mae']:.3g}")
    columns[3].metric(f"Force RMSE ({force_error_unit})", f"{summary['force_rmse']:.3g}")
    zero = float(parity.reference_energy.min())
    left, right = st.columns(2)
    with left:
        quantity = f"Energy{' − c' if offset else ''} − lowest reference"
        ui.plot(parity_figure(parity.reference_energy - zero, parity.predicted_energy - offset - zero, quantity,
                              energy_unit), key=f"{key}-energy")
    with right:
        ui.plot(parity_figure(parity.reference_forces, parity.predicted_forces, "Force component", force_unit),
                key=f"{key}-forces")


def training_work(progress, kind: str, config, model_options: dict, data: tuple, settings: dict) -> dict:
    """The job: a fresh seeded model of ``kind`` for the data, trained with live reports; returns the
    result with the settings it was made with."""
    train_data, val_data, test_data = data
    progress.update(0.0, "building the model", settings=settings)
    frames = [*train_data, *val_data, *test_data] if KINDS[kind].world == ATOMISTIC else []
    model = build_model(kind, elements_for(kind, frames), seed=config.seed, **model_options)
    result = train(model, train_data, val_data, config, job_callback(progress, config))
    return {"result": result, "config": config, "test": test_data, **settings}


def finish_run(job) -> dict:
    """Measure the (best) model on the test set, offer it to every page and for download, with its
    provenance (data, settings, epochs, why it stopped, versions) in the model and in the file."""
    run = dict(job.result, job_id=job.id, status="stopped" if job.status == "stopped" else "finished")
    result, config = run.pop("result"), run.pop("config")
    model = result.model.eval()
    summary, parity = evaluate_test_set(model, run["test"])
    run.update(model=model, history=result.history, best_epoch=result.best_epoch, summary=summary, parity=parity)
    model.metadata = {**training_provenance(model, config, result), "dataset": run["label"],
                      "stop_reason": run["status"], "test_errors": {k: float(v) for k, v in summary.items()}}
    run["checkpoint"] = checkpoint_bytes(model, model.metadata)
    run["model_name"] = resources.add_session_model(
        run["name"], model, kind=run["kind"], dataset=run["label"], dtype=run["dtype"], device=run["device"],
        alpha=run["alpha"], beta=run["beta"], metrics=summary, stop_reason=run["status"], best_epoch=result.best_epoch)
    return run


@st.fragment
def water_data_section(splits) -> tuple[list, list, list, str]:
    """How many of the 1000 water training structures to train on (validation and test sets stay the same);
    returns (train, validation, test, label).

    A fragment: moving the slider redraws only the slider and its caption. Nothing else on the page shows
    the count; the training reads it when Train (or the lecture preset) is pressed, a full run of the page
    that runs this section again and returns the current count.
    """
    n_water = st.slider("Training structures", 10, len(splits[0]), step=10,
                        key="train_n_water", help="Taken from the 1000 training structures; validation "
                        "(200) and test (300) sets stay the same.")
    st.caption("1500 water structures from normal-mode sampling at 300-1200 K, labelled with PySCF "
               "B3LYP/6-31G* energies and analytic forces; split 1000 / 200 / 300.")
    return splits[0][:n_water], splits[1], splits[2], f"water B3LYP ({n_water} structures)"


ui.page_setup("Training a potential", "📉")
lecture = ui.lecture_mode()
ui.render_lesson(SLUG, "intro")
ui.render_lesson(SLUG, "loss")

ui.render_lesson(SLUG, "live")


def apply_preset() -> None:
    for key, value in PRESET.items():
        st.session_state[key] = value
    st.session_state["train_start_now"] = True


# Widgets take their starting values from the session (the preset button writes there too).
for key, value in {**PRESET, "train_h2_basis": "6-31G", "train_h2_forces": H2_FORCES[0],
                   "train_surface": "Müller-Brown", "train_n_points": 400, "train_epochs": 100, "train_seed": 0,
                   "train_width": 64, "train_depth": 3}.items():
    st.session_state.setdefault(key, value)

data_column, model_column = st.columns(2, gap="large")
with data_column:
    st.subheader("Data")
    dataset = st.radio("Dataset", [WATER, H2, SURFACE, UPLOAD], key="train_dataset")
    train_data = val_data = test_data = None
    item, units, rmse_scale, loss_unit = "structures", ATOMISTIC_UNITS, 1e3, "(eV/Å)², weighted"
    label, molecule_ok = dataset, True
    h2_all = None
    try:
        if dataset == WATER:
            splits = water_splits()
            if splits is None:
                st.stop()
            train_data, val_data, test_data, label = water_data_section(splits)
        elif dataset == H2:
            basis_label = st.selectbox("Basis set", list(BASES), key="train_h2_basis")
            force_source = st.radio("Forces along the bond from", H2_FORCES, key="train_h2_forces")
            distances, energies = h2_curve(BASES[basis_label])
            spline = spline_forces(distances, energies)
            if force_source == H2_FORCES[1]:
                bar = st.progress(0.0, text="FCI energies at R ± 0.001 Å…")
                forces = h2_fd_forces(BASES[basis_label], _progress=lambda done, total: bar.progress(
                    done / total, text=f"FCI energies at R ± 0.001 Å: {done}/{total} distances"))
                bar.empty()
                st.caption(f"Largest difference between the spline derivative and the finite differences: "
                           f"**{1e3 * np.max(np.abs(spline - forces)[distances >= H2_R_MIN]):.1f} meV/Å** "
                           f"(for R ≥ {H2_R_MIN} Å).")
            else:
                forces = spline
            frames = h2_frames(distances, energies, forces, r_min=H2_R_MIN)
            train_data, val_data, test_data = split_for_training(frames, seed=0)
            kept = distances >= H2_R_MIN
            h2_all = (distances[kept], energies[kept], [a.get_distance(0, 1) for a in train_data],
                      [a.get_potential_energy() for a in train_data])
            label = f"H₂ FCI/{basis_label}"
            how = ("central finite differences of new FCI energies" if force_source == H2_FORCES[1] else
                   "minus the derivative of a cubic spline through them (an interpolation, not a "
                   "quantum-chemical force)")
            st.caption(f"{len(frames)} FCI ground-state energies of H₂ between {H2_R_MIN} and 4.0 Å (the shipped "
                       f"curve), bond along z. The curve holds energies only, so the forces are {how}. "
                       f"Split {len(train_data)} / {len(val_data)} / {len(test_data)}.")
        elif dataset == SURFACE:
            surface_label = st.selectbox("Surface", list(SURFACES), key="train_surface")
            n_points = st.slider("Training points", 20, 2000, step=20, key="train_n_points")
            train_data, val_data, test_data = surface_splits(SURFACES[surface_label], n_points)
            unit, length = surface_units(toy_surface(SURFACES[surface_label]))
            force_unit = f"{unit}/{length}" if unit == "eV" else unit
            item, units, rmse_scale = "points", (unit, force_unit, unit, force_unit), 1.0
            loss_unit = f"{unit}², weighted"
            label = surface_label
            st.caption(f"Points drawn uniformly in the plotting window (below its energy ceiling), labelled with "
                       f"the exact energy and force −∇E. {n_points} / 100 / 400 points. Units: "
                       f"{'eV and Å' if unit == 'eV' else 'the surface’s own (a.u.)'}.")
        else:
            upload = st.file_uploader("Extended-XYZ file with energies and forces", type=["xyz", "extxyz"],
                                      key="train_upload", help="Each frame needs energy=... in its comment line and "
                                      "a forces column (Properties=species:S:1:pos:R:3:forces:R:3), in eV and eV/Å.")
            if upload is not None:
                frames = uploaded_frames(upload.getvalue(), upload.name)
                train_data, val_data, test_data = split_for_training(frames, seed=0)
                summary = dataset_summary(frames)
                label = f"upload {upload.name}"
                molecule_ok = same_molecule(frames)
                st.caption(f"{summary['n_structures']} structures, elements "
                           f"{', '.join(f'{k} ×{v}' for k, v in summary['elements'].items())}, force RMS "
                           f"{summary['force_rms_eV_per_A']:.3f} eV/Å; split {len(train_data)} / {len(val_data)} / "
                           f"{len(test_data)}.")
            else:
                st.info("Choose a file: the page checks it (format, energies, forces, NaN, size) before training.")
    except DatasetError as error:
        ui.show_error(error)
        train_data = None

with model_column:
    st.subheader("Model and loss")
    world = SURFACE_WORLD if dataset == SURFACE else ATOMISTIC
    kinds = model_kinds(world)
    kind = st.selectbox("Model kind", kinds, key=f"train_kind_{world}",
                        format_func=lambda k: f"{k}: {KINDS[k].description}")
    alpha_column, beta_column = st.columns(2)
    alpha = alpha_column.number_input("α (energy weight)", 0.0, 1000.0, step=0.1, key="train_alpha",
                                      help="α = 0 trains on forces only.")
    beta = beta_column.number_input("β (force weight)", 0.0, 1000.0, step=0.1, key="train_beta",
                                    help="β = 0 trains on energies only.")
    learning_rate = st.select_slider("Learning rate", LEARNING_RATES, key="train_learning_rate",
                                     format_func=lambda v: f"{v:g}")
    stop_by = st.radio("Train for", ["time budget", "epochs"], horizontal=True, key="train_stop_by")
    if stop_by == "time budget":
        seconds = st.number_input("Seconds", 1, 600, key="train_seconds")
        epochs, budget = 10**6, float(seconds)
    else:
        epochs, budget = int(st.number_input("Epochs", 1, 20000, key="train_epochs")), None
    dtype_column, device_column = st.columns(2)
    dtype = dtype_column.radio("Precision", ["float32", "float64"], horizontal=True, key="train_dtype")
    devices = ["cuda", "cpu"] if torch.cuda.is_available() else ["cpu"]
    device_name = device_column.selectbox("Device", devices, key="train_device",
                                          help="The GPU when there is one (CUDA); otherwise the CPU.")
    device = resolve_device(device_name)
    st.caption(f"Training runs on: **{device_label(device)}**")
    with st.expander("More settings"):
        seed = int(st.number_input("Random seed", 0, 10**6, key="train_seed"))
        if world == SURFACE_WORLD:
            width = st.slider("Width (neurons per layer)", 8, 256, key="train_width")
            depth = st.slider("Hidden layers", 1, 6, key="train_depth")

problems = []
if alpha + beta == 0:
    problems.append("α and β are both 0: the loss would be zero for every model. Give one of them a weight.")
if kind == "cartesian" and train_data is not None and not molecule_ok:
    problems.append("The cartesian model takes one molecule with its atoms in one order; this file holds "
                    "several molecules or orders. Choose another model kind.")
for problem in problems:
    ui.show_error(problem)

left, right = st.columns([3, 2])
with right:
    st.button("🎓 Lecture preset: BP on water, 10 s", key="train_preset", on_click=apply_preset,
              help="Behler-Parrinello on the 1000 water structures, float32, α = β = 1, 10 s of training.")
preset_now = st.session_state.pop("train_start_now", False)
config = default_config(kind, alpha=alpha, beta=beta, learning_rate=learning_rate, epochs=epochs,
                        time_budget=budget, dtype=dtype, device=device_name, seed=seed)
model_options = {"width": width, "depth": depth} if world == SURFACE_WORLD else {}
number = st.session_state.get("train_run_number", 0) + 1
settings = dict(kind=kind, label=label, alpha=alpha, beta=beta, dtype=dtype, device=str(device),
                device_label=device_label(device), item=item, units=units, loss_unit=loss_unit,
                rmse_scale=rmse_scale, h2=h2_all, name=f"#{number} {kind} on {label} (α = {alpha:g}, β = {beta:g})",
                surface=SURFACES.get(st.session_state.get("train_surface")) if world == SURFACE_WORLD else None)
with left:
    job = ui.live_job("train", "▶️ Train", lambda progress: training_work(
        progress, kind, config, model_options, (train_data, val_data, test_data), settings),
        start=preset_now, disabled=train_data is None or bool(problems), button_type="primary",
        show_progress=draw_live)
if job is not None and st.session_state.get(RUN_KEY, {}).get("job_id") != job.id:
    st.session_state["train_run_number"] = number
    st.session_state[RUN_KEY] = finish_run(job)

run = st.session_state.get(RUN_KEY)
if run is not None:
    state = "⏹️ Stopped: the best epoch so far is kept" if run["status"] == "stopped" else "✅ Finished"
    draw_progress(run["history"], run, run["best_epoch"], state)
    summary, parity = run["summary"], run["parity"]
    if not run["history"]:
        st.warning("Training was stopped before the first epoch finished: the model is untrained.")
    st.markdown(f"**Test set** ({summary['n_test']} {run['item']} never used in training), best epoch "
                f"{run['best_epoch']}:")
    offset = summary["energy_offset"] if run["alpha"] == 0 else 0.0
    if run["alpha"] == 0:
        st.info(f"α = 0: the model never saw an energy, so its energies are off by a constant, "
                f"c = mean(E_model − E_ref) = **{offset:.4f} {run['units'][2]}** on the test set. The energy "
                f"parity plot has c removed; the errors include it.")
    show_test_results(summary, parity, run["units"], offset, key="parity")
    if run["h2"] is not None:
        distances, energies, train_distances, train_energies = run["h2"]
        model_energy = parity_data(run["model"], h2_frames(distances, energies)).predicted_energy - offset
        ui.plot(curve_fit_figure(distances, energies, model_energy, train_distances, train_energies,
                                 model_name="model" + (" − c" if offset else ""),
                                 title="The learned H₂ curve against FCI"), key="h2-curve")
    if run["surface"] is not None:
        surface = toy_surface(run["surface"])
        x, y, reference_grid, model_grid = surface_on_grid(run["model"], surface, 60, offset)
        length = surface_units(surface)[1]
        ui.plot(surface_comparison_figure(
            x, y, reference_grid, model_grid, axis_title(surface.x_label.split(" (")[0], length),
            axis_title(surface.y_label.split(" (")[0], length), run["units"][2],
            ("Reference surface", "Trained model" + (" − c" if offset else ""))), key="surface-compare")

    st.success(f"The model is available on every page of this session as **{run['model_name']}**.")
    st.caption("Provenance (also inside the downloaded file): " + resources.describe_model(run["model"]))
    file_name = f"nnpes_{run['kind']}_{run['status']}.pt"
    st.download_button("⬇️ Download the model (.pt)", run["checkpoint"], file_name=file_name,
                       mime="application/octet-stream", key="train_download",
                       help="A checkpoint of plain tensors: torch.load(path, weights_only=True); "
                            "nnpes_core.models.load_model reads it.")
else:
    st.caption("Press **Train**: the loss curves, throughput and device appear here while it runs.")
    water = water_splits()
    calculator = resources.load_pretrained("water_bp") if water is not None else None
    if calculator is not None:
        path = resources.MODELS_DIR / "water_bp.pt"
        reference_summary, reference_parity = pretrained_on_test_set("water_bp", path.stat().st_mtime,
                                                                      calculator.model, water[2])
        st.markdown("**What to aim for:** the shipped Behler-Parrinello water model on the same 300 test structures.")
        st.caption("Provenance: " + resources.describe_model(calculator.model, "assets/models/water_bp.pt")
                   + " (assets/models/README.md)")
        show_test_results(reference_summary, reference_parity, ATOMISTIC_UNITS, 0.0, key="pretrained-parity")

models = resources.session_models()
if models:
    with st.expander(f"Models trained in this session ({len(models)})"):
        st.dataframe(pd.DataFrame([{"name": name, "kind": entry["kind"], "data": entry["dataset"],
                                    "α": entry.get("alpha"), "β": entry.get("beta"), "precision": entry.get("dtype"),
                                    "device": entry.get("device"),
                                    "epochs": getattr(entry["model"], "metadata", {}).get("epochs_run"),
                                    "seconds": getattr(entry["model"], "metadata", {}).get("seconds"),
                                    "stopped because": entry["stop_reason"], "best epoch": entry["best_epoch"],
                                    "test force MAE": f"{entry['metrics']['force_mae']:.3g}"}
                                   for name, entry in models.items()]), hide_index=True)
        st.caption("Each model also carries its full provenance (settings, seed, versions) in its downloaded file.")

# --- the experiments -------------------------------------------------------------------------------
water = water_splits()


def steps_progress(progress):
    """An experiment's progress(done, total, what) as job progress."""
    return lambda done, total, what: progress.update(done / total, f"{done}/{total} fits · now: {what}")


ui.render_lesson(SLUG, "forces-only")
seconds_a = 6 if lecture else 10
offset_config = default_config("bp", time_budget=float(seconds_a), epochs=10**6, validate_every=5)
offset_job = ui.live_job("forces_only", f"▶️ Train BP on water forces only (α = 0, {seconds_a} s)", lambda progress:
                         forces_only_offset("bp", water[0], water[1][:100], water[2], offset_config,
                                            callback=job_callback(progress, offset_config)),
                         disabled=water is None)
offset_result = offset_job.result if offset_job is not None else None
if offset_result is not None:
    columns = st.columns(4)
    columns[0].metric("Constant offset c", f"{offset_result.offset:.4f} eV")
    columns[1].metric("Spread of E_model − E_ref", f"{1e3 * offset_result.spread:.2f} meV")
    columns[2].metric("Spread / |c|", f"{offset_result.spread / abs(offset_result.offset):.1e}")
    columns[3].metric("Test force MAE", f"{offset_result.force_mae:.1f} meV/Å")
    ui.plot(offset_figure(offset_result.reference, offset_result.predicted, offset_result.offset), key="offset")
    st.caption(f"{len(offset_result.reference)} test structures; BP trained {offset_result.seconds:.1f} s "
               f"({offset_result.epochs} epochs) on the 1000 training structures with α = 0, on "
               f"{device_label(next(offset_result.model.parameters()).device)}.")
elif water is not None:
    st.caption("Press the button: about ten seconds of training on a laptop CPU.")

ui.render_lesson(SLUG, "equal-cost")
quick_sizes, full_sizes = (10, 100), (10, 30, 100, 300)
size_choice = st.radio("Training-set sizes N", ["quick: N = 10, 100", "full: N = 10, 30, 100, 300"],
                       index=0 if lecture else 1, horizontal=True, key="equal_cost_sizes")
sizes = quick_sizes if size_choice.startswith("quick") else full_sizes
steps = 200 if sizes == quick_sizes else 300
curves_job = ui.live_job("equal_cost", f"▶️ Train {2 * len(sizes)} BP models ({steps} optimiser steps each)",
                         lambda progress: equal_cost_curves("bp", water[0], water[2], sizes, default_config("bp"),
                                                            steps=steps, progress=steps_progress(progress)),
                         disabled=water is None)
curves = curves_job.result if curves_job is not None else None
if curves is not None:
    ui.plot(learning_curves_figure(curves.sizes, curves.energy_mae, curves.force_mae), key="equal-cost")
    table = {"N (reference calculations)": curves.sizes}
    for name in curves.energy_mae:
        table[f"{name}: energy MAE (meV/atom)"] = np.round(curves.energy_mae[name], 3)
        table[f"{name}: force MAE (meV/Å)"] = np.round(curves.force_mae[name], 2)
    st.dataframe(pd.DataFrame(table), hide_index=True)
    smallest = curves.sizes[0]
    st.caption(f"Each fit: {curves.steps} optimiser steps, no validation set, errors on the 300 test structures; "
               f"{curves.seconds:.0f} s of training in all. With N = {smallest}, energies + forces reach "
               f"{curves.energy_mae['energies + forces'][0]:.2f} meV/atom; energies only reach "
               f"{curves.energy_mae['energies only'][-1]:.2f} meV/atom with N = {curves.sizes[-1]}.")

ui.render_lesson(SLUG, "rotation")
seconds_c = 3 if lecture else 5
rotation_config = default_config("bp", time_budget=float(seconds_c), epochs=10**6, validate_every=5)
rotation_job = ui.live_job("rotation", f"▶️ Train a cartesian MLP and a BP model ({seconds_c} s each)",
                           lambda progress: rotation_test(water[0][:500], water[1][:100], water[2], rotation_config,
                                                          progress=steps_progress(progress)),
                           disabled=water is None)
rotation = rotation_job.result if rotation_job is not None else None
if rotation is not None:
    labels = {"cartesian": "cartesian MLP", "bp": "Behler-Parrinello"}
    ui.plot(rotation_errors_figure(rotation.table("energy_mae_mev_per_atom"), rotation.table("force_rmse_mev_per_a"),
                                   PARTS, labels), key="rotation")
    forces = rotation.table("force_rmse_mev_per_a")
    st.caption(f"Force RMSE of the cartesian MLP: {forces['cartesian'][1]:.1f} meV/Å on the test set, "
               f"{forces['cartesian'][2]:.0f} meV/Å on the same structures rotated "
               f"(×{forces['cartesian'][2] / forces['cartesian'][1]:.0f}); Behler-Parrinello: "
               f"{forces['bp'][1]:.2f} and {forces['bp'][2]:.2f} meV/Å. Both trained {seconds_c} s on the same "
               "500 water structures, all in the orientation of the sampling; each test structure is turned by "
               "its own random rotation (its forces turned with it). Force errors as the RMSE of all force "
               "components: a sum of squares, so it does not depend on how the molecule is oriented.")

ui.render_lesson(SLUG, "lecture-preset")

latest = st.session_state.get(RUN_KEY)
ui.practice_section(SLUG, {
    "forces_only_offset": offset_result.offset if offset_result is not None else None,
    "test_force_mae": (latest["summary"]["force_mae"] if latest is not None and latest.get("summary")
                       and KINDS[latest["kind"]].world == ATOMISTIC else None),
})
