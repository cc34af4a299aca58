"""Lesson 6 — Forces and conservation: an energy network and a direct-force network trained on the same
Müller-Brown data; their force fields as arrows, the curl map, the work around a loop you draw, NVE
dynamics of particles on the surface, and NVE dynamics of water with the pretrained bp and direct models."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch
from ase.build import molecule

import resources
import ui
from nnpes_core.analysis.conservation import circle_work, curl_2d, force_on_grid, stokes_work, work_by_radius
from nnpes_core.derivatives import force_field
from nnpes_core.surface_training import train_force_pair
from nnpes_core.calculator import NNPESCalculator
from nnpes_core.dynamics import run_nve
from nnpes_core.dynamics.surface_md import no_grad_force, particle_swarm, velocity_verlet_2d
from nnpes_core.potentials import MullerBrown, grid
from nnpes_core.viz import COLORS, axis_title
from nnpes_core.viz.fields import (
    ArrowField, EnergyTrace, curl_figure, energy_change_figure, loop_work_figure, quiver_figure,
)
from nnpes_core.viz.surfaces import PointMarker

SLUG = "06_forces_and_conservation"
UNITS = "arbitrary units"
FIELDS = {"reference −∇E": COLORS["reference"], "energy network −∇Ê": COLORS["model"],
          "direct-force network": COLORS["counterexample"]}
STARTS = {"minimum A (−0.558, 1.442)": (-0.558, 1.442), "minimum B (0.623, 0.028)": (0.623, 0.028),
          "minimum C (−0.050, 0.467)": (-0.050, 0.467)}
WATER_MODELS = {"Behler-Parrinello (water_bp), F = −∇Ê": ("water_bp", COLORS["model"]),
                "Direct-force (water_direct), separate force head": ("water_direct", COLORS["counterexample"])}
SURFACE = MullerBrown()


# --- cached computations ---------------------------------------------------------------------------

def force_pair_work(progress, n_points: int, steps: int):
    """The energy network and the direct-force network, trained on the same seeded points."""
    stages = {"energy network": 0.0, "direct network": 0.5}
    return train_force_pair(SURFACE, n_points=n_points, steps=steps, seed=0, progress=lambda stage: progress.update(
        stages.get(stage, 0.0), f"training the {stage}"))


@st.cache_data(show_spinner=False, max_entries=16)
def surface_grid(n: int):
    return grid(SURFACE, n=n)


def field_functions(pair) -> dict:
    """name -> force callable xy [..., 2] -> F [..., 2] (differentiable, for the curl and the loop)."""
    return {"reference −∇E": force_field(SURFACE, create_graph=True), "energy network −∇Ê": pair.energy_force,
            "direct-force network": pair.direct_force}


# What does not depend on the loop is computed once per pair of networks (the shared result of
# ``n_points``, ``train_steps``; ``pair_id``, its identity, tells a retrained pair apart): moving the loop
# then costs only the loop integrals and the figures.

@st.cache_data(show_spinner=False, max_entries=16)
def field_arrows(n_points: int, train_steps: int, pair_id: int, n: int, _pair) -> dict[str, tuple]:
    """name -> (U, V), each force field on the n × n arrow grid, [n, n] each (arbitrary units)."""
    X, Y, _ = surface_grid(n)
    return {name: force_on_grid(force, X, Y) for name, force in field_functions(_pair).items()}


@st.cache_data(show_spinner=False, max_entries=16)
def field_curls(n_points: int, train_steps: int, pair_id: int, n: int, _pair) -> dict[str, np.ndarray]:
    """name -> curl F = ∂F_y/∂x − ∂F_x/∂y of each force field on the n × n map grid, [n, n]."""
    X, Y, _ = surface_grid(n)
    return {name: curl_2d(force, X, Y) for name, force in field_functions(_pair).items()}


@st.cache_data(show_spinner=False, max_entries=64)
def works_by_radius(n_points: int, train_steps: int, pair_id: int, center: tuple[float, float],
                    radii: tuple[float, ...], _pair) -> dict[str, np.ndarray]:
    """name -> W = −∮F·dl around circles of ``radii`` about ``center``, [n_radii], for each force field."""
    return {name: work_by_radius(force, center, np.array(radii)) for name, force in field_functions(_pair).items()}


def surface_dynamics_work(progress, n_points: int, train_steps: int, start: tuple, kinetic_energy: float,
                          n_particles: int, steps: int, timestep: float, *, pair):
    """NVE of a swarm of particles with each network (``pair``: the networks of n_points, train_steps)."""
    positions, velocities = particle_swarm(start, n_particles, kinetic_energy, spread=0.05, seed=0)
    energy_net = pair.energy_fit.model
    progress.update(0.0, "energy network")
    own = velocity_verlet_2d(force_field(energy_net), energy_net, positions, velocities, timestep, steps,
                             record_every=5)
    with torch.no_grad():
        reference_potential = SURFACE(torch.as_tensor(own.positions)).numpy()
    own_total = own.kinetic_energy + reference_potential
    progress.update(0.5, "direct-force network")
    direct = velocity_verlet_2d(no_grad_force(pair.direct_fit.model.direct_forces), SURFACE, positions, velocities,
                                timestep, steps, record_every=5)
    return own, own_total - own_total[:1], direct


@st.cache_data(show_spinner=False, max_entries=16)
def water_nve(name: str, modified: float, _model, temperature: float, steps: int, timestep_fs: float, seed: int):
    atoms = molecule("H2O")
    atoms.calc = NNPESCalculator(_model, dtype=torch.float64)
    run = run_nve(atoms, steps, timestep_fs=timestep_fs, temperature=temperature, seed=seed, record_every=2)
    return run.time_fs, run.total_energy, run.drift_ev_per_ps, run.energy_fluctuation, run.steps_per_second


# --- page sections (each a fragment: its widgets rerun only that section) --------------------------

@st.fragment
def fields_and_loops_section(pair, n_points: int, train_steps: int, lecture: bool) -> float:
    """The arrows, the curl map and the work around the student's loop; returns the direct network's W."""
    functions = field_functions(pair)
    n_arrows = 14 if lecture else 18
    X_arrows, Y_arrows, _ = surface_grid(n_arrows)
    n_map = 60 if lecture else 90
    X, Y, E = surface_grid(n_map)
    controls = st.columns([2, 1, 1, 1])
    shown = controls[0].multiselect("Arrows", list(FIELDS), default=["energy network −∇Ê", "direct-force network"],
                                    key="force_fields")
    center_x = controls[1].slider("Loop centre x", -1.3, 1.0, -0.558, step=0.01, key="loop_x")
    center_y = controls[2].slider("Loop centre y", -0.3, 1.8, 1.442, step=0.01, key="loop_y")
    radius = controls[3].slider("Loop radius", 0.02, 0.5, 0.2, step=0.01, key="loop_radius")
    center, loop = (center_x, center_y), ((center_x, center_y), radius)
    arrows = field_arrows(n_points, train_steps, id(pair), n_arrows, pair)
    fields = [ArrowField(name, *arrows[name], FIELDS[name]) for name in shown]
    reference_U, reference_V = arrows["reference −∇E"]
    clip = float(np.percentile(np.hypot(reference_U, reference_V), 60))
    minima = [PointMarker(p.xy[0], p.xy[1], p.name.split()[-1], "minimum", p.energy)
              for p in SURFACE.known_points if p.kind == "minimum"]
    ui.plot(quiver_figure(X, Y, E, fields, x_title=axis_title("x", UNITS), y_title=axis_title("y", UNITS),
                          energy_title=axis_title("E", UNITS), energy_max=SURFACE.plot_energy_max, clip=clip,
                          arrow_X=X_arrows, arrow_Y=Y_arrows, loop=loop, points=minima,
                          title="Müller-Brown: force fields of the two networks"),
            key="quiver", height=700 if lecture else 600)
    st.caption(f"Both networks: 2 hidden layers × 32 SiLU, {train_steps} full-batch Adam steps on the same {n_points} "
               "points (seed 0) drawn below the plotting ceiling E < 100; the energy network fits energies and "
               "gradients, the direct network the force vectors. Arrow length ∝ |F| up to "
               f"|F| = {clip:.0f}, then capped. Force RMSE on 500 held-out points (norm of the error vector).")

    # --- curl and loops ---------------------------------------------------------------------------------
    ui.render_lesson(SLUG, "curl")
    curls = field_curls(n_points, train_steps, id(pair), n_map, pair)
    max_curl = {name: float(np.max(np.abs(c))) for name, c in curls.items()}
    rows, direct_work = [], 0.0
    for name, force in functions.items():
        loop_result = circle_work(force, center, radius)
        work = loop_result["work"]
        rows.append({"Force field": name, "max |curl| on the map": f"{max_curl[name]:.2e}",
                     "W = −∮F·dl": f"{work:.3e}", "−∬curl dA (Stokes)": f"{stokes_work(force, center, radius):.3e}",
                     "∮|F·dl| (path work)": f"{loop_result['path_work']:.1f}"})
        if name == "direct-force network":
            direct_work = work
    left, right = st.columns([3, 1])
    with left:
        ui.plot(curl_figure(X, Y, curls["direct-force network"], x_title=axis_title("x", UNITS),
                            y_title=axis_title("y", UNITS), curl_title=axis_title("curl F", UNITS),
                            limit=float(np.percentile(np.abs(curls["direct-force network"]), 98)), loop=loop,
                            data_xy=pair.xy.numpy(), title="Curl of the direct-force network, ∂F_y/∂x − ∂F_x/∂y"),
                key="curl_map", height=640 if lecture else 540)
    with right:
        st.metric("Loop work W, direct network", f"{direct_work:.3f}",
                  help="W = −∮F·dl, the work done against the field once round the loop counter-clockwise, in the "
                       "surface's energy units; zero for any F = −∇E. Negative: the field itself does work −W on a "
                       "particle carried round.")
        st.metric("Loop work W, energy network", f"{rows[1]['W = −∮F·dl']}")
        st.metric("Max |curl|, energy network", rows[1]["max |curl| on the map"])
        st.metric("Max |curl|, direct network", rows[2]["max |curl| on the map"])
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(f"Circle of radius {radius:.2f} around ({center_x:.2f}, {center_y:.2f}), counter-clockwise, 128 "
               "points (trapezoid rule); Stokes: Gauss-Legendre × trapezoid over the disc with the curl by autograd. "
               f"Curl maps on a {X.shape[1]} × {X.shape[0]} grid over the window; the colours saturate at the 98th "
               "percentile of |curl|. Grey dots: the training points.")
    radii = np.linspace(0.02, 0.5, 13 if lecture else 25)
    works = {name: (work, FIELDS[name]) for name, work in
             works_by_radius(n_points, train_steps, id(pair), center, tuple(radii), pair).items()}
    ui.plot(loop_work_figure(radii, works, radius_title=axis_title("Loop radius", UNITS),
                             work_title=axis_title("|W| around the loop", UNITS),
                             title="Loop work against radius, same centre (log scale)"),
            key="loop_work_radius", height=None if lecture else 420)
    floor = max(float(np.max(np.abs(works[name][0]))) for name in ("reference −∇E", "energy network −∇Ê"))
    st.caption(f"Largest |W| of the reference and the energy network over these {len(radii)} loops: {floor:.1e} "
               "(round-off). The direct network's work grows with the enclosed area (∝ r² for small loops, as "
               "Stokes' theorem says) until the loop reaches regions where its curl changes sign.")
    return direct_work


@st.fragment
def surface_dynamics_section(pair, n_points: int, train_steps: int, lecture: bool) -> float | None:
    """NVE of particles on Müller-Brown with both networks; returns the direct network's final RMS change."""
    row = st.columns(4)
    start_label = row[0].selectbox("Start near", list(STARTS), key="nve2d_start")
    kinetic_energy = row[1].select_slider("Kinetic energy at the start", [20.0, 50.0, 100.0], value=100.0,
                                          key="nve2d_ke")
    n_particles = row[2].select_slider("Particles", [4, 8, 16], value=8, key="nve2d_particles")
    n_steps = row[3].select_slider("Steps (Δt = 0.001)", [1000, 2000, 4000], value=1000 if lecture else 2000,
                                   key=f"nve2d_steps::{lecture}")  # the mode in the key: lecture mode resets it
    result = resources.shared_result("06/surface_dynamics", surface_dynamics_work, n_points, train_steps,
                                     STARTS[start_label], kinetic_energy, n_particles, n_steps, 1e-3, pair=pair,
                                     label=f"NVE of {n_particles} particles with both networks")
    if result is None:
        return None
    own, own_reference_change, direct = result
    own_escaped = own.escaped(SURFACE.x_range, SURFACE.y_range)
    direct_escaped = direct.escaped(SURFACE.x_range, SURFACE.y_range)
    with np.errstate(over="ignore", invalid="ignore"):
        own_reference_rms = np.sqrt((own_reference_change[:, ~own_escaped] ** 2).mean(1)) if (~own_escaped).any() \
            else np.full(len(own.time), np.nan)
    direct_rms = direct.rms_change(~direct_escaped)
    traces = [
        EnergyTrace("energy network: E_kin + Ê (its own energy)", own.time, own.rms_change(~own_escaped)[:, None],
                    COLORS["model"]),
        EnergyTrace("energy network: E_kin + E_ref", own.time, own_reference_rms[:, None], "#56B4E9"),
        EnergyTrace("direct network: E_kin + E_ref", direct.time, direct_rms[:, None], COLORS["counterexample"]),
    ]
    ui.plot(energy_change_figure(traces, time_title=axis_title("Time", UNITS),
                                 energy_title=axis_title("RMS of E_tot(t) − E_tot(0)", UNITS),
                                 title=f"NVE on Müller-Brown: {n_particles} particles, velocity Verlet"),
            key="nve2d", height=620 if lecture else 480)
    direct_end = float(direct_rms[-1]) if np.isfinite(direct_rms[-1]) else None
    metrics = st.columns(4)
    metrics[0].metric("Energy net, own energy: RMS change", f"{own.rms_change(~own_escaped)[-1]:.3f}",
                      help="E_kin + Ê at the end of the run, RMS over the particles")
    metrics[1].metric("Energy net, true energy: RMS change", f"{own_reference_rms[-1]:.2f}",
                      help="E_kin + E_ref at the end of the run, RMS over the particles")
    metrics[2].metric("Direct net, true energy: RMS change", "—" if direct_end is None else f"{direct_end:.2f}",
                      help="E_kin + E_ref at the end of the run, RMS over the particles that stayed on the surface")
    metrics[3].metric("Flung out: direct / energy net", f"{int(direct_escaped.sum())} / {int(own_escaped.sum())}",
                      help=f"Particles (of {n_particles}) that left the window by more than 1 unit")
    if direct_escaped.any():
        st.warning(f"The direct network pumped so much energy into {int(direct_escaped.sum())} of the {n_particles} "
                   "particles that they left the surface far beyond its walls (more than 1 unit outside the "
                   "window): they are left out of the RMS above. A conservative force can never do this: a particle "
                   "cannot climb higher than its total energy.", icon="🚀")
    with np.errstate(invalid="ignore"):
        own_drift = float(np.nanmean(own.drift[~own_escaped])) if (~own_escaped).any() else float("nan")
        direct_drift = float(np.nanmean(direct.drift[~direct_escaped])) if (~direct_escaped).any() else float("nan")
    st.caption(f"Mass 1, Δt = 0.001, {n_steps} steps, start within 0.05 of {start_label.split(' (')[0]} with "
               f"kinetic energy {kinetic_energy:g} in seeded random directions. Mean slope of E_tot against time "
               f"(particles that stayed): energy network {own_drift:+.4f}, direct network {direct_drift:+.3f} per "
               f"time unit. {own.steps_per_second:.0f} steps/s (energy network, forces by autograd) and "
               f"{direct.steps_per_second:.0f} steps/s (direct).")
    return direct_end


@st.fragment
def water_dynamics_section(lecture: bool) -> None:
    """NVE of water with the pretrained BP and direct-force models, after a click."""
    water_paths = {label: resources.MODELS_DIR / f"{name}.pt" for label, (name, _) in WATER_MODELS.items()}
    water_calculators = {label: resources.load_pretrained(name) for label, (name, _) in WATER_MODELS.items()}
    water_result: dict[str, tuple] = {}
    if not all(calculator is not None for calculator in water_calculators.values()):
        return  # an error line each, said by load_pretrained
    st.caption(" · ".join(resources.describe_model(calculator.model, f"{WATER_MODELS[label][0]}.pt")
                          for label, calculator in water_calculators.items()))
    row = st.columns(3)
    temperature = row[0].select_slider("Temperature (K)", [300, 600, 1000], value=600, key="water_temperature")
    water_steps = row[1].select_slider("Steps (Δt = 0.5 fs)", [400, 1000, 2000, 4000],
                                       value=400 if lecture else 1000, key=f"water_steps::{lecture}")
    seed = row[2].number_input("Velocity seed", 0, 99, 0, key="water_seed")
    settings = (temperature, water_steps, int(seed))
    run_clicked = st.button("Run NVE for water with both models", key="water_run", type="primary")
    if run_clicked:
        st.session_state["water_settings"] = settings
    if st.session_state.get("water_settings") != settings:
        st.caption(f"Runs {water_steps} steps with each model (a few seconds each on one core).")
        return
    with st.status("Velocity Verlet through ASE, float64…", expanded=False) as status:
        for label, (name, color) in WATER_MODELS.items():
            calculator = water_calculators[label]
            status.update(label=f"Running {name}: {water_steps} steps…")
            water_result[label] = water_nve(name, water_paths[label].stat().st_mtime, calculator.model,
                                            float(temperature), water_steps, 0.5, int(seed))
        status.update(label="NVE runs finished", state="complete")
    traces = [EnergyTrace(label, result[0], (result[1] - result[1][0])[:, None] * 1000,
                          WATER_MODELS[label][1]) for label, result in water_result.items()]
    ui.plot(energy_change_figure(traces, time_title=axis_title("Time", "fs"),
                                 energy_title=axis_title("E_tot(t) − E_tot(0)", "meV"),
                                 title=f"Water, NVE at {temperature} K start: total energy"),
            key="nve_water", height=560 if lecture else 460)
    rows = [{"Model": label, "drift (eV/ps)": f"{result[2]:+.2e}",
             "fluctuation around the trend (meV)": f"{1000 * result[3]:.3f}",
             "E_tot(end) − E_tot(0) (meV)": f"{1000 * (result[1][-1] - result[1][0]):+.3f}",
             "steps/s": f"{result[4]:.0f}"} for label, result in water_result.items()]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(f"ASE's VelocityVerlet, Δt = 0.5 fs, {water_steps} steps ({water_steps * 0.5 / 1000:.2f} ps), "
               f"Maxwell-Boltzmann velocities at {temperature} K (seed {seed}) without net translation or "
               "rotation, starting from ASE's water geometry; models converted to float64. Drift: slope of a "
               "straight line fitted to E_tot(t).")


# --- page -------------------------------------------------------------------------------------------------

ui.page_setup("Forces and conservation", "🌀")
lecture = ui.lecture_mode()
ui.render_lesson(SLUG, "intro")
ui.render_lesson(SLUG, "conservative")

# --- two networks ------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "quiver")
row = st.columns(2)
n_points = row[0].select_slider("Training points", [100, 200, 300, 600], value=300, key="force_points")
train_steps = row[1].select_slider("Training steps (each network)", [300, 600, 1200], value=600, key="force_steps")
pair = resources.shared_result("06/force_pair", force_pair_work, n_points, train_steps,
                               label="Training the energy network and the direct-force network on Müller-Brown")
direct_work = direct_end = None
if pair is not None:
    metrics = st.columns(3)
    metrics[0].metric("Force RMSE, energy network (held-out points)", f"{pair.test_force_rmse['energy']:.1f}")
    metrics[1].metric("Force RMSE, direct network (held-out points)", f"{pair.test_force_rmse['direct']:.1f}")
    metrics[2].metric("Training time, both", f"{pair.energy_fit.elapsed + pair.direct_fit.elapsed:.1f} s")
    direct_work = fields_and_loops_section(pair, n_points, train_steps, lecture)

    # --- dynamics on the surface ------------------------------------------------------------------------
    ui.render_lesson(SLUG, "dynamics-2d")
    direct_end = surface_dynamics_section(pair, n_points, train_steps, lecture)
else:
    ui.render_lesson(SLUG, "curl")
    ui.render_lesson(SLUG, "dynamics-2d")

# --- dynamics of water ------------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "dynamics-water")
water_dynamics_section(lecture)

ui.practice_section(SLUG, {"direct_loop_work": direct_work, "direct_rms_change": direct_end})
