"""Lesson 8 — Molecular dynamics on a learned surface: NVE and Langevin trajectories of water with any model
(shipped, trained in lesson 4, or the B3LYP reference itself), animated and downloadable; energy
conservation, conservative vs direct forces, the energy error against the time step, temperature and
Maxwell-Boltzmann speeds, the VDOS with harmonic frequencies, learned vs B3LYP trajectory, and a particle on
a 2-D surface. Long runs go through the server's job pool (ui.live_job: progress, stop keeps what is done)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

import resources
import ui
from nnpes_core.analysis.frequency_comparison import model_minimum
from nnpes_core.analysis.spectra import spectrum_csv, vibrational_spectrum
from nnpes_core.analysis.vibrations import harmonic_analysis
from nnpes_core.calculator import NNPESCalculator
from nnpes_core.data import molecule
from nnpes_core.data.reference_hessian import read_reference_hessian
from nnpes_core.dynamics import initialise_velocities, run_ensemble, run_md
from nnpes_core.dynamics.analysis import (
    maxwell_boltzmann_speed_pdf, speeds_by_element, start_of, timestep_study, trajectory_deviation, verlet_wavenumber,
)
from nnpes_core.dynamics.surface_md import particle_units, run_particle
from nnpes_core.dynamics.trajectory import read_trajectory
from nnpes_core.potentials import LEPS, MullerBrown, PySCFCalculator, grid
from nnpes_core.viz import COLORS, PALETTE, axis_title
from nnpes_core.viz.dynamics import (
    FrequencyMarks, SpectrumTrace, add_path, autocorrelation_figure, deviation_figure,
    energy_figure, speed_histogram_figure, spectrum_figure, temperature_figure, timestep_figure,
)
from nnpes_core.viz.molecule import player_height, trajectory_player_html
from nnpes_core.viz.surfaces import PointMarker, contour_figure

SLUG = "08_dynamics"
SHIPPED = {"water_bp": "Behler-Parrinello (water_bp)", "water_equivariant": "Equivariant MPNN (water_equivariant)",
           "water_direct": "Direct-force network (water_direct)", "water_cartesian": "Cartesian MLP (water_cartesian)",
           "water_committee": "Committee of 4 bp (water_committee)"}
B3LYP = "B3LYP/6-31G* reference itself (PySCF, slow; cached on disk)"
B3LYP_MAX_STEPS = 400
REFERENCE_TRAJECTORY = resources.DATA_DIR / "water_b3lyp_631gs_nve_300K.extxyz"
REFERENCE_HESSIAN = resources.DATA_DIR / "water_b3lyp_631gs_hessian.json"
SURFACES = {"Müller-Brown": MullerBrown(), "LEPS H + H₂ (collinear)": LEPS()}
ASE_ENGINE, TORCH_ENGINE = "ASE (VelocityVerlet / Langevin)", "torch (velocity Verlet / BAOAB)"
LENGTHS_PS = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0]
TIMESTEPS_FS = [0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 4.0]
# lecture preset: 5 ps of water with the bp model, torch integrator, 1 fs (see the lesson for the 1 fs shift)
PRESET = {"md_potential": SHIPPED["water_bp"], "md_thermostat": "NVE", "md_engine": TORCH_ENGINE,
          "md_length": 5.0, "md_timestep": 1.0, "md_temperature": 300, "md_every": 2}
MAX_VIEWER_FRAMES = 300


# --- cached computations -------------------------------------------------------------------------------------

@st.cache_data(show_spinner=False)
def reference_frequencies(path: str, stamp: float) -> np.ndarray:
    reference = read_reference_hessian(path)
    return harmonic_analysis(reference.hessian, reference.atoms.get_masses(), reference.atoms.positions).wavenumbers


@st.cache_data(show_spinner="Relaxing water on the model's surface and taking its Hessian…", max_entries=16)
def model_frequencies(name: str, stamp: float, _model) -> np.ndarray:
    return model_minimum(_model, molecule("H2O"), torch.float64, fmax=1e-4).analysis.wavenumbers


@st.cache_data(show_spinner=False)
def reference_trajectory(path: str, stamp: float):
    return read_trajectory(path)


@st.cache_data(show_spinner=False, max_entries=8)
def surface_grid(name: str):
    return grid(SURFACES[name], n=80)


@st.cache_data(show_spinner="Integrating the particle…", max_entries=32)
def particle_run(surface_name: str, source: str, model_id: int, start: tuple, kinetic: float, direction: float,
                 timestep: float, steps: int, _model):
    return run_particle(SURFACES[surface_name], start, kinetic, direction, timestep, steps, model=_model,
                        record_every=max(1, steps // 400))


def water_potentials() -> dict[str, dict]:
    """label -> {"model", "name", "stamp"} for every water model this session can use, then the reference."""
    options = {}
    for name, label in SHIPPED.items():
        path = resources.MODELS_DIR / f"{name}.pt"
        if path.is_file():
            options[label] = {"name": name, "stamp": path.stat().st_mtime, "shipped": True}
    for name, entry in resources.session_models().items():
        if entry.get("kind") not in (None, "surface") and {1, 8} <= set(getattr(entry["model"], "elements", [])):
            options[f"Trained this session: {name}"] = {"name": name, "stamp": float(id(entry["model"])),
                                                         "model": entry["model"]}
    options[B3LYP] = {"name": "b3lyp", "stamp": 0.0}
    return options


def model_of(option: dict):
    """The torch model of a potential option (None for the B3LYP reference or a missing file)."""
    if "model" in option:
        return option["model"]
    if option.get("shipped"):
        calculator = resources.load_pretrained(option["name"])
        return None if calculator is None else calculator.model
    return None


def md_settings(lecture: bool) -> dict:
    for key, value in {**PRESET, "md_potential": next(iter(water_potentials())), "md_length": 0.5 if not lecture
                       else 5.0, "md_timestep": 0.5 if not lecture else 1.0, "md_engine": ASE_ENGINE if not lecture
                       else TORCH_ENGINE, "md_friction": 0.01, "md_seed": 0, "md_every": 1 if not lecture else 2,
                       "md_forces": False, "md_view_every": 1}.items():
        st.session_state.setdefault(key, value)
    row = st.columns(4)
    potential = row[0].selectbox("Potential", list(water_potentials()), key="md_potential")
    thermostat = row[1].radio("Ensemble", ["NVE", "Langevin"], horizontal=True, key="md_thermostat")
    engine = row[2].radio("Integrator", [ASE_ENGINE, TORCH_ENGINE], key="md_engine",
                          disabled=potential == B3LYP, help="The same NVE trajectory to round-off; torch skips ASE's "
                          "bookkeeping (faster for one small molecule). The B3LYP reference runs through ASE.")
    seed = row[3].number_input("Velocity seed", 0, 999, key="md_seed")
    row = st.columns(5)
    temperature = row[0].slider("Temperature (K)", 0, 1500, step=50, key="md_temperature")
    timestep = row[1].select_slider("Time step Δt (fs)", TIMESTEPS_FS, key="md_timestep")
    length = row[2].select_slider("Length (ps)", LENGTHS_PS, key="md_length")
    friction = row[3].select_slider("Langevin friction γ (1/fs)", [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
                                    key="md_friction", disabled=thermostat == "NVE")
    every = row[4].select_slider("Save every n-th step", [1, 2, 5, 10, 20], key="md_every")
    steps = max(1, int(round(length * 1000 / timestep)))
    if potential == B3LYP and steps > B3LYP_MAX_STEPS:
        st.caption(f"The B3LYP reference computes a DFT gradient per step: limited to {B3LYP_MAX_STEPS} steps "
                   f"({B3LYP_MAX_STEPS * timestep / 1000:g} ps at this Δt).")
        steps = B3LYP_MAX_STEPS
    return dict(potential=potential, thermostat=thermostat.lower(), engine=TORCH_ENGINE if potential != B3LYP and
                engine == TORCH_ENGINE else ASE_ENGINE, seed=int(seed), temperature=float(temperature),
                timestep=float(timestep), steps=steps, friction=float(friction), every=int(every))


def md_work(settings: dict, option: dict, model):
    """The job: one trajectory with the chosen potential, integrator and ensemble (a dict with the run)."""
    def work(progress):
        report = lambda done, total: progress.update(done / total, f"step {done} of {total}")  # noqa: E731
        stop = lambda: progress.stop_requested  # noqa: E731
        # the models start from ASE's water geometry, the reference from its own minimum
        atoms = molecule("H2O") if model is not None else read_reference_hessian(REFERENCE_HESSIAN).atoms
        common = dict(record_every=settings["every"], progress=report, should_stop=stop)
        if settings["engine"] == TORCH_ENGINE:
            ensemble = run_ensemble(model, [atoms], settings["steps"], settings["timestep"], settings["thermostat"],
                                    settings["temperature"], settings["friction"], settings["seed"], **common)
            run = ensemble.trajectory(0)
        else:
            atoms.calc = PySCFCalculator("b3lyp", "6-31g*") if model is None else NNPESCalculator(model,
                                                                                                dtype=torch.float64)
            run = run_md(atoms, settings["steps"], settings["timestep"], settings["thermostat"],
                         settings["temperature"], settings["friction"], settings["seed"], **common)
        return {"run": run, "settings": settings, "label": settings["potential"], "option": option}
    return work


def show_failure(run, settings) -> None:
    if run.failure:
        st.warning(f"Δt = {settings['timestep']:g} fs is too large for this run: {run.failure}. "
                   f"The {run.n_frames} frames before it are shown.", icon="💥")


# --- page ---------------------------------------------------------------------------------------------------

ui.page_setup("Molecular dynamics on a learned surface", "🎬")
lecture = ui.lecture_mode()
ui.render_lesson(SLUG, "intro")
ui.render_lesson(SLUG, "integrator")
ui.render_lesson(SLUG, "run")

system = st.radio("System", ["Water (3-D, any model)", "A particle on a 2-D surface"], horizontal=True,
                  key="md_system")
result, timestep_slope = None, None
if system.startswith("Water"):
    preset = st.button("🎓 Lecture preset: 5 ps of water (bp, torch, Δt = 1 fs)", key="md_preset",
                       help="Sets the controls below and starts the run: about 10 s on one CPU core.")
    if preset:
        for key, value in PRESET.items():
            st.session_state[key] = value
    settings = md_settings(lecture)
    option = water_potentials()[settings["potential"]]
    model = model_of(option)  # None: the reference itself (or a model file that is missing: said above)
    where = "the B3LYP minimum" if settings["potential"] == B3LYP else "ASE's water geometry"
    st.caption(f"{settings['steps']} steps of {settings['timestep']:g} fs from {where}, Maxwell-"
               f"Boltzmann velocities at {settings['temperature']:g} K (seed {settings['seed']}) without net "
               "translation or rotation; models in float64.")
    job = ui.live_job("md-run", "▶️ Run MD", md_work(settings, option, model), start=preset, button_type="primary",
                      disabled=model is None and settings["potential"] != B3LYP)
    result = job.result if job is not None else None
    if result is not None:
        run, used = result["run"], result["settings"]
        st.success(f"{'Stopped' if run.stopped else 'Finished'}: {result['label']}, {run.steps_done} steps "
                   f"({run.time_fs[-1] / 1000:.3g} ps), {run.steps_per_second:.0f} steps/s.")
        show_failure(run, used)
        row = st.columns([2, 1, 1])
        frame_fs = run.timestep_fs * run.record_every
        first_fs = row[0].slider("Viewer: start at (fs)", 0.0, float(run.time_fs[-1]), 0.0, step=frame_fs,
                                 key=f"md_view_start::{job.id}") if run.n_frames > 1 else 0.0
        stride = row[1].select_slider("Viewer: every n-th saved frame", [1, 2, 5, 10], key="md_view_every")
        forces_on = row[2].toggle("Force arrows", key="md_forces")
        first = int(round(first_fs / frame_fs))
        shown = slice(first, min(run.n_frames, first + stride * MAX_VIEWER_FRAMES), stride)
        height = 520 if lecture else 380
        st.iframe(trajectory_player_html(molecule("H2O"), run.positions[shown], time_fs=run.time_fs[shown],
                                         forces=run.forces[shown], show_forces=forces_on, height=height),
                  height=player_height(height))
        st.caption(f"{len(run.time_fs[shown])} frames, {stride * frame_fs:g} fs apart (at most {MAX_VIEWER_FRAMES} at "
                   "a time; centred on the molecule); force arrows 0.5 Å per eV/Å. Frames much further apart than "
                   "a vibration's period make the animation strobe: that is aliasing, as in the spectrum below.")
        if "extxyz" not in result:  # once per run: the text of thousands of frames takes a moment
            result["extxyz"] = run.extxyz()
        st.download_button("⬇️ Trajectory (extended XYZ: energy, forces, momenta per frame)", result["extxyz"],
                           file_name="nnpes_water_md.extxyz", mime="chemical/x-extxyz", key="md_download")

        ui.render_lesson(SLUG, "conservation")
        ui.plot(energy_figure(run.time_fs, run.potential_energy, run.kinetic_energy,
                              title=f"{used['thermostat'].upper()}: energies relative to E_tot(0)"), key="md_energies")
        metrics = st.columns(4)
        metrics[0].metric("Drift of E_tot (eV/ps)", f"{run.drift_ev_per_ps:+.2e}")
        metrics[1].metric("Fluctuation of E_tot (meV)", f"{1e3 * run.energy_fluctuation:.3f}")
        metrics[2].metric("Mean temperature (K)", f"{run.temperature.mean():.0f}",
                          help=f"2 E_kin / (n_dof k_B) with n_dof = {run.degrees_of_freedom}")
        metrics[3].metric("Speed (steps/s)", f"{run.steps_per_second:.0f}")
        if used["thermostat"] == "langevin":
            st.caption("With a thermostat E_tot is not conserved: the bath adds and removes energy.")
else:
    ui.render_lesson(SLUG, "conservation")

# --- conservative vs direct -----------------------------------------------------------------------------------
if system.startswith("Water"):
    st.subheader("Conservative vs direct-force model, same start")
    pair_models = {name: resources.load_pretrained(name) for name in ("water_bp", "water_direct")}
    if all(pair_models.values()):
        pair_ps = st.select_slider("Length of both runs (ps)", [0.25, 0.5, 1.0, 2.0], value=0.5 if lecture else 1.0,
                                   key="pair_length")

        def pair_work(progress):
            start = molecule("H2O")
            initialise_velocities(start, 300.0, seed=0)
            runs = {}
            for index, name in enumerate(pair_models):
                progress.update(index / 2, f"running {name}")
                runs[name] = run_ensemble(pair_models[name].model, [start], int(pair_ps * 2000), 0.5, "nve",
                                          temperature=None, initialise=False, record_every=4,
                                          record_trajectory=False, should_stop=lambda: progress.stop_requested)
            return runs

        pair_job = ui.live_job("md-pair", "▶️ Run bp and direct, NVE at 300 K", pair_work)
        if pair_job is not None:
            runs = pair_job.result
            for column, (name, ensemble) in zip(st.columns(2), runs.items()):
                with column:
                    ui.plot(energy_figure(ensemble.time_fs[:, 0], ensemble.potential_energy[:, 0],
                                          ensemble.kinetic_energy[:, 0], title=SHIPPED[name]), key=f"md_pair_{name}")
            st.dataframe(pd.DataFrame([{"model": SHIPPED[name], "drift (eV/ps)": f"{ens.drift_ev_per_ps[0]:+.2e}",
                                        "fluctuation (meV)": f"{1e3 * ens.energy_fluctuation[0]:.3f}",
                                        "max |ΔE_tot| (meV)": f"{1e3 * np.nanmax(np.abs(ens.total_energy[:, 0] - ens.total_energy[0, 0])):.2f}"}
                                       for name, ens in runs.items()]), hide_index=True, width="stretch")
            st.caption("Torch integrator, float64, Maxwell-Boltzmann start at 300 K (seed 0). The direct model's "
                       "'total energy' is its energy head plus E_kin: its forces are not the gradient of it.")

    # --- time step ----------------------------------------------------------------------------------------------
    ui.render_lesson(SLUG, "timestep")
    study_model = model


    if study_model is None:
        st.info("Choose a model (not the B3LYP reference) above for the time-step study.")
    else:
        study_steps = [0.1, 0.2, 0.4, 0.8, 1.6, 3.2]  # fs; 3.2 is beyond the stability limit of an O-H stretch

        def study_work(progress):
            return timestep_study(study_model, molecule("H2O"), study_steps, duration_fs=50.0, temperature=300.0,
                                  progress=lambda done, total: progress.update(done / total, f"step {done} of {total}"),
                                  should_stop=lambda: progress.stop_requested)

        study_job = ui.live_job("md-timestep", f"▶️ Energy error vs Δt for {settings['potential']}",
                                study_work)
        if study_job is not None:
            study = study_job.result
            timestep_slope = study.slope
            left, right = st.columns([3, 1])
            with left:
                ui.plot(timestep_figure(study.timesteps_fs, study.energy_error, study.slope,
                                        failed=[dt for dt, _ in study.blown_up],
                                        title="Velocity Verlet: std of E_tot over 50 fs against Δt"), key="md_dt")
            with right:
                st.metric("Measured slope", f"{study.slope:.2f}", help="Least-squares fit of log(error) against "
                          "log(Δt) over the runs that did not blow up; 2 for velocity Verlet.")
            for dt, why in study.blown_up:
                st.warning(f"Δt = {dt:g} fs: {why}.", icon="💥")
            st.caption(f"One start (300 K, seed 0) integrated with all {len(study_steps)} time steps as one batch; "
                       "error = standard deviation of E_tot over the first 50 fs of each run.")

# --- Langevin ----------------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "langevin")
if result is not None and result["settings"]["thermostat"] == "langevin":
    run, used = result["run"], result["settings"]
    ui.plot(temperature_figure(run.time_fs, run.temperature, used["temperature"],
                               title=f"Langevin, γ = {used['friction']:g} fs⁻¹: temperature"), key="md_temperature_plot")
    speeds = speeds_by_element(run.velocities, run.numbers)
    names = {1: "H", 8: "O"}
    curves = {}
    for z, values in speeds.items():
        x = np.linspace(0, max(values.max(), 1e-6) * 1.1, 200)
        curves[names.get(z, str(z))] = (x, maxwell_boltzmann_speed_pdf(x, float(run.masses[run.numbers == z][0]),
                                                                        used["temperature"]))
    ui.plot(speed_histogram_figure({names.get(z, str(z)): v for z, v in speeds.items()}, curves,
                                   title=f"Atomic speeds against Maxwell-Boltzmann at {used['temperature']:g} K"),
            key="md_speeds")
    st.caption(f"{run.n_frames} frames; n_dof = {run.degrees_of_freedom} (every atom is kicked, so all 3N are "
               f"thermalised). Mean temperature {run.temperature.mean():.0f} K against the bath's "
               f"{used['temperature']:g} K.")
else:
    st.info("Choose **Langevin** above and run: the temperature trace and the speed distributions appear here.")

# --- spectrum ----------------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "spectrum")
reference_lines = reference_frequencies(str(REFERENCE_HESSIAN), REFERENCE_HESSIAN.stat().st_mtime)
if result is not None and result["run"].n_frames >= 8:
    run, used, option = result["run"], result["settings"], result["option"]
    row = st.columns(3)
    subsample = row[0].select_slider("Use every n-th saved frame", [1, 2, 5, 10, 20], value=1, key="vdos_every")
    window = row[1].radio("Window on C(τ)", ["hann", "none"], horizontal=True, key="vdos_window")
    frame_fs = run.timestep_fs * run.record_every * subsample
    velocities = run.velocities[::subsample]
    if len(velocities) < 8:
        st.info("Too few frames left for a spectrum: use fewer skipped frames or a longer run.")
    else:
        spectrum = vibrational_spectrum(velocities, frame_fs, run.masses, window=window)
        marks = [FrequencyMarks("B3LYP/6-31G* harmonic", reference_lines, COLORS["reference"])]
        model = model_of(option) if option["name"] != "b3lyp" else None
        if model is not None and getattr(model, "conservative", True):
            marks.append(FrequencyMarks("model harmonic (its own minimum)",
                                        model_frequencies(option["name"], option["stamp"], model), COLORS["model"], "dot"))
        ui.plot(spectrum_figure([SpectrumTrace(f"VDOS: {result['label']}", spectrum.wavenumbers, spectrum.intensity,
                                               PALETTE[2])], marks, nyquist_cm=spectrum.nyquist_cm,
                                title="Vibrational density of states"), key="md_vdos")
        metrics = st.columns(3)
        metrics[0].metric("Resolution 1/(cT) (cm⁻¹)", f"{spectrum.resolution_cm:.1f}")
        metrics[1].metric("Nyquist limit (cm⁻¹)", f"{spectrum.nyquist_cm:,.0f}")
        metrics[2].metric("Strongest peaks (cm⁻¹)", ", ".join(f"{p:.0f}" for p in spectrum.peaks(3, above_cm=500, below_cm=4500)))
        st.caption(f"Mass-weighted VACF of {len(velocities)} frames {frame_fs:g} fs apart ({spectrum.lag_fs[-1]:.0f} fs), "
                   f"total momentum removed, {window} window, transform zero-padded. At Δt = {run.timestep_fs:g} fs "
                   f"velocity Verlet shifts a 3700 cm⁻¹ stretch up by about "
                   f"{verlet_wavenumber(3700.0, run.timestep_fs) - 3700.0:.0f} cm⁻¹.")
        st.download_button("⬇️ Spectrum (CSV: wavenumber in cm⁻¹, intensity)", spectrum_csv(spectrum),
                           file_name="nnpes_vdos.csv", mime="text/csv", key="vdos_download")
        with st.expander("The velocity autocorrelation function"):
            ui.plot(autocorrelation_figure(spectrum.lag_fs, spectrum.autocorrelation, spectrum.window), key="md_vacf")
else:
    st.info("Run a trajectory above (NVE, 1 ps or more gives a sharp spectrum): its VDOS appears here.")

# --- reference ---------------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "reference")
if not REFERENCE_TRAJECTORY.is_file():
    st.info("The shipped B3LYP trajectory (assets/data/water_b3lyp_631gs_nve_300K.extxyz) is not available yet: "
            "assets/scripts/make_water_b3lyp_trajectory.py makes it.")
elif system.startswith("Water"):
    reference = reference_trajectory(str(REFERENCE_TRAJECTORY), REFERENCE_TRAJECTORY.stat().st_mtime)
    compare_label, compare_model = settings["potential"], model
    if compare_model is None:
        st.info("Choose a model (not the reference itself) above to compare it with the B3LYP trajectory.")
    else:
        def compare_work(progress):
            steps = reference.steps_done
            ensemble = run_ensemble(compare_model, [start_of(reference)], steps, reference.timestep_fs, "nve",
                                    temperature=None, initialise=False, record_every=reference.record_every,
                                    progress=lambda done, total: progress.update(done / total, f"step {done}"),
                                    should_stop=lambda: progress.stop_requested)
            return ensemble.trajectory(0)

        compare_job = ui.live_job("md-reference", f"▶️ Run {compare_label} from the B3LYP start", compare_work)
        if compare_job is not None:
            learned = compare_job.result
            n = min(learned.n_frames, reference.n_frames)
            deviation = trajectory_deviation(learned.positions[:n], reference.positions[:n])
            energy_gap = 1e3 * ((learned.potential_energy[:n] - learned.potential_energy[0])
                                - (reference.potential_energy[:n] - reference.potential_energy[0]))
            ui.plot(deviation_figure(reference.time_fs[:n], np.maximum(deviation, 1e-6), energy_gap,
                                     title="Learned vs B3LYP trajectory from the same positions and velocities"),
                    key="md_deviation")
            apart = np.flatnonzero(deviation > 0.1)
            together = reference.time_fs[apart[0]] if len(apart) else reference.time_fs[n - 1]
            st.caption(f"Potential energies relative to each run's first frame. The two trajectories stay within "
                       f"0.1 Å of each other for {together:.0f} fs{'' if len(apart) else ' (all of it)'}.")
            frame_fs = reference.timestep_fs * reference.record_every
            reference_spectrum = vibrational_spectrum(reference.velocities[:n], frame_fs, reference.masses)
            learned_spectrum = vibrational_spectrum(learned.velocities[:n], frame_fs, learned.masses)
            spectra = [SpectrumTrace("B3LYP trajectory", reference_spectrum.wavenumbers, reference_spectrum.intensity,
                                     COLORS["reference"]),
                       SpectrumTrace(compare_label, learned_spectrum.wavenumbers, learned_spectrum.intensity,
                                     COLORS["model"])]
            ui.plot(spectrum_figure(spectra, [FrequencyMarks("B3LYP/6-31G* harmonic", reference_lines,
                                                             COLORS["reference"])],
                                    title="Spectra of the two trajectories"), key="md_reference_vdos")
            st.caption(f"Both from {reference.time_fs[n - 1]:.0f} fs of frames {frame_fs:g} fs "
                       f"apart; resolution {learned_spectrum.resolution_cm:.0f} cm⁻¹. Reference: "
                       f"{REFERENCE_TRAJECTORY.name} (PySCF B3LYP/6-31G*, 300 K start, seed 0).")

# --- 2-D surface ---------------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "surface-2d")
if not system.startswith("Water"):
    row = st.columns(3)
    surface_name = row[0].selectbox("Surface", list(SURFACES), key="p2d_surface")
    surface = SURFACES[surface_name]
    trained = {f"Trained this session: {name}": entry["model"] for name, entry in resources.session_models().items()
               if entry.get("kind") == "surface" and str(entry.get("dataset", "")).split(" (")[0] == surface_name.split(" (")[0]}
    source = row[1].selectbox("Forces from", ["the exact surface", *trained], key="p2d_source")
    energy_unit, length_unit, time_unit, mass, _ = particle_units(surface)
    points = {p.name: p.xy for p in surface.known_points} or {"reactant valley": (0.74, 2.5)}
    if surface_name.startswith("LEPS"):
        points = {"reactant valley (r_AB = 2.5, r_BC = 0.74 Å)": (2.5, 0.74), **points}
    start_name = row[2].selectbox("Start at", list(points), key="p2d_start")
    row = st.columns(4)
    default_energy = 60.0 if energy_unit != "eV" else 0.6
    kinetic = row[0].number_input(f"Kinetic energy ({energy_unit})", 0.0, 10 * default_energy, default_energy,
                                  key=f"p2d_ke::{surface_name}")
    direction = row[1].slider("Direction (degrees from +x)", 0, 355, 200 if energy_unit != "eV" else 180, step=5,
                              key=f"p2d_direction::{surface_name}")
    timestep = row[2].select_slider(f"Δt ({time_unit})", [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3] if time_unit != "fs"
                                    else [0.1, 0.25, 0.5, 1.0, 2.0, 5.0], value=1e-3 if time_unit != "fs" else 0.5,
                                    key=f"p2d_dt::{surface_name}")
    steps = row[3].select_slider("Steps", [500, 1000, 2000, 5000], value=2000, key="p2d_steps")
    particle = particle_run(surface_name, source, id(trained.get(source)), points[start_name], kinetic, direction,
                            timestep, steps, trained.get(source))
    if particle.failure:
        st.warning(particle.failure, icon="💥")
    else:
        X, Y, E = surface_grid(surface_name)
        markers = [PointMarker(p.xy[0], p.xy[1], p.name, p.kind, p.energy) for p in surface.known_points]
        fig = contour_figure(X, Y, E, x_title=axis_title("x" if length_unit != "Å" else "r_AB", length_unit),
                             y_title=axis_title("y" if length_unit != "Å" else "r_BC", length_unit),
                             energy_title=axis_title("E", energy_unit), points=markers,
                             energy_max=surface.plot_energy_max, title=f"{surface_name}: the particle's path")
        ui.plot(add_path(fig, particle.trajectory.positions[:, 0]), key="p2d_path", height=620 if lecture else 540)
        zoom, zoom_unit = (1e3, "meV") if energy_unit == "eV" else (1.0, energy_unit)
        ui.plot(energy_figure(particle.time, particle.trajectory.potential_energy[:, 0],
                              particle.trajectory.kinetic_energy[:, 0], energy_unit=energy_unit, time_unit=time_unit,
                              zoom=zoom, zoom_unit=zoom_unit,
                              title="Energies of the particle (E_pot of the surface it moves on)"), key="p2d_energy")
        st.caption(f"Mass {mass:g} {'amu' if energy_unit == 'eV' else '(a.u.)'}, {steps} steps of {timestep:g} "
                   f"{time_unit}; drift of E_tot {particle.drift:+.2e} {energy_unit}/{time_unit}.")
else:
    st.caption("Choose **A particle on a 2-D surface** at the top of the page.")

ui.render_lesson(SLUG, "ensembles")
ui.practice_section(SLUG, {"timestep_slope": timestep_slope})
