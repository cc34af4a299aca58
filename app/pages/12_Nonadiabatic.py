"""Lesson 12 — Non-adiabatic dynamics: Tully's three two-state models (diabatic and adiabatic surfaces,
the coupling d12), fewest-switches surface hopping with its trajectories, the exact stationary scattering
solution, momentum scans FSSH vs exact with error bars, and why one NN-PES is not enough: a ground-state
network against a network of the 2 x 2 diabatic Hamiltonian. Atomic units throughout."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import ui
from nnpes_core.nonadiabatic import AU_TIME_FS, CHANNELS, exact_probabilities, run_fssh, tully_model
from nnpes_core.nonadiabatic.adiabatic import adiabatic_states
from nnpes_core.nonadiabatic.diabatisation import (
    NetworkTwoStateModel, adiabatic_data, align_diabatic_basis, born_oppenheimer_scattering, fit_diabatic_network,
    fit_ground_state_network,
)
from nnpes_core.nonadiabatic.scan import momentum_scan
from nnpes_core.threads import torch_threads
from nnpes_core.units import HARTREE
from nnpes_core.viz import COLORS
from nnpes_core.viz.nonadiabatic import (
    CHANNEL_STYLE, ProbabilitySeries, TrajectoryPath, diabatisation_figure, probability_figure, surfaces_figure,
    trajectories_figure,
)

SLUG = "12_nonadiabatic"
MODEL_NAMES = {1: "1 · simple avoided crossing", 2: "2 · dual avoided crossing", 3: "3 · extended coupling"}
DEFAULT_MOMENTUM = {1: 10.0, 2: 30.0, 3: 10.0}
SCAN_MOMENTA = {  # the preset FSSH points (ħ/bohr); lecture mode takes every other one
    1: (4.0, 7.0, 10.0, 13.0, 16.0, 20.0, 25.0, 30.0),
    2: (12.0, 16.0, 20.0, 25.0, 30.0, 40.0, 50.0, 70.0),
    3: (4.0, 7.0, 10.0, 13.0, 16.0, 20.0, 25.0, 30.0),
}
FULL_SCAN = {"momenta": 20, "trajectories": 1000}
NETWORK_MOMENTA = {1: (6.0, 10.0, 15.0, 20.0, 25.0, 30.0), 2: (15.0, 20.0, 25.0, 30.0, 40.0, 50.0),
                   3: (5.0, 10.0, 15.0, 20.0, 25.0, 30.0)}


# --- cached computations (each student's own choices; shared models per process) ------------------------

@st.cache_data(show_spinner="Surface hopping…", max_entries=32)
def fssh_run(number: int, momentum: float, n_trajectories: int, seed: int):
    return run_fssh(tully_model(number), momentum, n_trajectories, seed=seed, n_recorded=12, record_every=10)


@st.cache_data(show_spinner=False, max_entries=64)
def exact_at(number: int, momentum: float):
    return exact_probabilities(tully_model(number), momentum)


@st.cache_data(show_spinner=False, max_entries=32)
def exact_scan(number: int, momenta: tuple):
    return momentum_scan(tully_model(number), momenta, "exact")


@st.cache_data(show_spinner="FSSH at each momentum…", max_entries=16)
def fssh_scan(number: int, momenta: tuple, n_trajectories: int, seed: int):
    return momentum_scan(tully_model(number), momenta, "fssh", n_trajectories, seed=seed)


@st.cache_resource(show_spinner="Training the diabatic networks (L-BFGS, float64)…", max_entries=16)
def diabatic_fit(number: int, coupling_weight: float, iterations: int, n_points: int):
    with torch_threads(1):  # a tiny network: one thread is fastest
        return fit_diabatic_network(adiabatic_data(tully_model(number), n_points), coupling_weight=coupling_weight,
                                    iterations=iterations, seed=0)


@st.cache_resource(show_spinner="Training a network of the ground adiabat only…", max_entries=8)
def ground_network(number: int, epochs: int):
    with torch_threads(1):
        return fit_ground_state_network(adiabatic_data(tully_model(number), 201), epochs=epochs)


@st.cache_data(show_spinner=False, max_entries=16)
def ground_network_outcomes(number: int, epochs: int, momenta: tuple):
    model = tully_model(number)
    with torch_threads(1):
        return born_oppenheimer_scattering(ground_network(number, epochs), momenta, box=model.box, mass=model.mass)


@st.cache_data(show_spinner="Exact scattering on the learned Hamiltonians…", max_entries=16)
def network_probabilities(number: int, coupling_weight: float, iterations: int, n_points: int, momenta: tuple):
    fit = diabatic_fit(number, coupling_weight, iterations, n_points)
    model = NetworkTwoStateModel(fit.network, tully_model(number))
    return momentum_scan(model, momenta, "exact")


@st.cache_data(show_spinner="Surface hopping on the learned Hamiltonian…", max_entries=16)
def network_fssh(number: int, iterations: int, n_points: int, momentum: float, n_trajectories: int, seed: int):
    model = NetworkTwoStateModel(diabatic_fit(number, 1.0, iterations, n_points).network, tully_model(number))
    with torch_threads(1):
        return run_fssh(model, momentum, n_trajectories, seed=seed).probabilities


def full_scan_work(number: int, seed: int):
    """A long FSSH scan for the job pool: one momentum at a time, stops between momenta when asked."""
    model = tully_model(number)
    momenta = np.linspace(SCAN_MOMENTA[number][0], model.momentum_range[1], FULL_SCAN["momenta"])

    def work(progress):
        done = []
        for index, momentum in enumerate(momenta):
            if progress.stop_requested:
                break
            done.append(run_fssh(model, momentum, FULL_SCAN["trajectories"], seed=seed + index).probabilities)
            progress.update((index + 1) / len(momenta),
                            f"k = {momentum:.1f} ħ/bohr done ({index + 1} of {len(momenta)})")
        return done

    return work


def longer_fit_work(number: int, iterations: int):
    """The diabatic network fitted longer on more points, for the job pool (stop keeps the weights so far)."""
    def work(progress):
        def report(evaluation: int, loss: float):
            progress.update(min(evaluation / iterations, 1.0), f"L-BFGS evaluation {evaluation}: loss {loss:.2e}")
            return not progress.stop_requested

        with torch_threads(1):
            return fit_diabatic_network(adiabatic_data(tully_model(number), 201), coupling_weight=1.0,
                                        iterations=iterations, seed=0, callback=report)

    return work


def series(name: str, scan, markers: bool = False, dash: str = "solid", symbol: str = "circle") -> ProbabilitySeries:
    return ProbabilitySeries(name, scan.momenta, scan.probabilities, scan.stderr if markers else None, markers,
                             dash, symbol)


# --- page sections (a fragment: its widgets rerun only that section) --------------------------------

@st.fragment
def surface_hopping_section(number: int, x, adiabatic, page_seed: int, lecture: bool) -> int:
    """FSSH at the chosen momentum (ħ/bohr): trajectories on the adiabats x (bohr), the probabilities
    against the exact ones; returns the random seed (read by the scans further down)."""
    model = tully_model(number)
    low, high = model.momentum_range
    row = st.columns(3)
    momentum = row[0].slider("Incoming momentum k (ħ/bohr)", float(low), float(high), DEFAULT_MOMENTUM[number],
                             step=0.5, key=f"momentum::{number}")
    n_trajectories = row[1].select_slider("Trajectories", [50, 100, 200, 500, 1000, 2000],
                                          value=100 if lecture else 500, key=f"trajectories::{lecture}")
    seed = int(row[2].number_input("Random seed", 0, 9999, 0, key="seed"))
    if seed != page_seed:  # a fragment rerun after a new seed: the scans below use it too, so rerun the page
        st.rerun()
    run = fssh_run(number, momentum, n_trajectories, seed)
    exact = exact_at(number, momentum)
    paths = [TrajectoryPath(path.time * AU_TIME_FS, path.position, path.energy, path.state)
             for path in run.trajectories]
    ui.plot(trajectories_figure(x, adiabatic.energy_lower, adiabatic.energy_upper, paths,
                                title=f"{len(paths)} of {n_trajectories} FSSH trajectories at k = {momentum:g} "
                                      "ħ/bohr"),
            key="trajectories", height=720 if lecture else 620)
    p = run.probabilities
    rows = []
    for name in CHANNELS:
        error = p.stderr[name]
        difference = getattr(p, name) - getattr(exact, name)
        rows.append({"outcome": CHANNEL_STYLE[name][0], "FSSH": f"{getattr(p, name):.3f} ± {error:.3f}",
                     "exact": f"{getattr(exact, name):.4f}",
                     "FSSH − exact": f"{difference:+.3f}"
                                     + (f" ({difference / error:+.1f} σ)" if error > 0 else "")})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    metrics = st.columns(4)
    metrics[0].metric("FSSH transmission, upper", f"{p.transmission_upper:.3f} ± {p.stderr['transmission_upper']:.3f}")
    metrics[1].metric("Exact transmission, upper", f"{exact.transmission_upper:.4f}")
    metrics[2].metric("Hops (frustrated)", f"{run.hops} ({run.frustrated_hops})",
                      help="Successful hops over all trajectories; frustrated: the kinetic energy was too small")
    metrics[3].metric("FSSH run time", f"{run.seconds:.2f} s", help=f"{n_trajectories} trajectories at once (numpy)")
    st.caption(f"Start at x = {model.box[0]:g} bohr on the lower surface, c = (1, 0); Δt = {run.time_step:.2f} a.u. "
               f"({run.time_step * AU_TIME_FS:.3f} fs), 4 electronic sub-steps, velocity Verlet; a trajectory ends "
               f"when it leaves [{model.box[0]:g}, {model.box[1]:g}] bohr. ± is the binomial standard error "
               f"√(p(1−p)/N), N = {n_trajectories}. Exact: stationary scattering on a grid of "
               f"{exact.details['grid_points']} points (flux sum {exact.total:.6f}).")
    return seed


# --- page -----------------------------------------------------------------------------------------------

ui.page_setup("Non-adiabatic dynamics", "🔀")
lecture = ui.lecture_mode()
ui.render_lesson(SLUG, "intro")

# --- two surfaces and their coupling ---------------------------------------------------------------------
ui.render_lesson(SLUG, "tully-models")
number = st.radio("Tully's model", list(MODEL_NAMES), format_func=MODEL_NAMES.get, horizontal=True, key="model")
model = tully_model(number)
x = np.linspace(*model.box, 1201)
diabatic, adiabatic = model.diabatic(x), model.adiabatic(x)
ui.plot(surfaces_figure(x, diabatic.v11, diabatic.v22, diabatic.v12, adiabatic.energy_lower, adiabatic.energy_upper,
                        adiabatic.coupling, title=f"Model {MODEL_NAMES[number]}: surfaces and coupling"),
        key="surfaces", height=700 if lecture else 600)
smallest_gap = float(adiabatic.gap.min())
peak = int(np.argmax(np.abs(adiabatic.coupling)))
(left_lower, _), (_, right_upper) = model.asymptotic_energies()
threshold = float(np.sqrt(2 * model.mass * max(right_upper - left_lower, 0.0)))
metrics = st.columns(4)
metrics[0].metric("Smallest gap E₊ − E₋", f"{smallest_gap:.4f} Eₕ",
                  help=f"at x = {x[np.argmin(adiabatic.gap)]:.2f} bohr")
metrics[1].metric("Largest |d₁₂|", f"{abs(adiabatic.coupling[peak]):.3f} bohr⁻¹",
                  help=f"at x = {x[peak]:.2f} bohr; its sign is a convention")
metrics[2].metric("Upper channel opens on the right at k", f"{threshold:.1f} ħ/bohr",
                  help="Kinetic energy k²/2M must pay for E₊(right) − E₋(left)")
metrics[3].metric("Mass M", f"{model.mass:.0f} mₑ", help="Tully's choice: about a proton (1836 mₑ)")
st.caption(f"{len(x)} points between x = {model.box[0]:g} and {model.box[1]:g} bohr. Diabats dashed, adiabats solid; "
           "d₁₂ from the closed-form diagonalisation (dθ/dx of the mixing angle). Atomic units: "
           "1 Eₕ = 27.211 eV, "
           "1 bohr = 0.529 Å.")

# --- surface hopping -------------------------------------------------------------------------------------
ui.render_lesson(SLUG, "fssh")
low, high = model.momentum_range
seed = surface_hopping_section(number, x, adiabatic, int(st.session_state.get("seed", 0)), lecture)

# --- exact reference and the momentum scan ---------------------------------------------------------------
ui.render_lesson(SLUG, "exact")
ui.render_lesson(SLUG, "scan")
fine = tuple(np.round(np.linspace(max(low, 1.0), high, 40 if lecture else 80), 3))
preset = SCAN_MOMENTA[number][::2] if lecture else SCAN_MOMENTA[number]
preset_trajectories = 100 if lecture else 200
exact_curves = exact_scan(number, fine)
preset_scan = fssh_scan(number, preset, preset_trajectories, seed)
shown = [series("exact", exact_curves), series(f"FSSH, {preset_trajectories} trajectories", preset_scan, markers=True)]
full = ui.live_job(f"full_scan::{number}::{seed}",
                   f"▶️ Long run: {FULL_SCAN['momenta']} momenta × {FULL_SCAN['trajectories']} trajectories",
                   full_scan_work(number, seed), help="Runs in the server's job pool; Stop keeps the momenta done.")
if full is not None and full.result:
    points = full.result
    shown.append(ProbabilitySeries(f"FSSH, {FULL_SCAN['trajectories']} trajectories",
                                   np.array([q.momentum for q in points]),
                                   {name: np.array([getattr(q, name) for q in points]) for name in CHANNELS},
                                   {name: np.array([q.stderr[name] for q in points]) for name in CHANNELS},
                                   markers=True, symbol="diamond"))
ui.plot(probability_figure(shown, title=f"Model {number}: probabilities against momentum"),
        key="scan", height=680 if lecture else 560)
exact_at_preset = exact_scan(number, preset)
differences = np.array([preset_scan.probabilities[name] - exact_at_preset.probabilities[name] for name in CHANNELS])
errors = np.array([preset_scan.stderr[name] for name in CHANNELS])
sampled = errors > 0
metrics = st.columns(3)
metrics[0].metric("FSSH points within 2σ of exact",
                  f"{int(np.sum(np.abs(differences[sampled]) <= 2 * errors[sampled]))} / {int(sampled.sum())}",
                  help="Points with a non-zero standard error; about 95 % if FSSH were exact")
metrics[1].metric("Largest |FSSH − exact|", f"{np.abs(differences).max():.3f}")
metrics[2].metric("Exact curve", f"{len(fine)} momenta", help="Each a stationary scattering solution on its own grid")
st.caption(f"Markers: FSSH at {len(preset)} momenta with ±1 standard-error bars "
           f"(seeds {seed}…{seed + len(preset) - 1}); "
           "lines: the exact solution. Colours: the four outcomes.")

# --- why one NN-PES is not enough ------------------------------------------------------------------------
ui.render_lesson(SLUG, "one-surface")
# the networks have their own model choice: exploring FSSH above does not retrain them
net_number = st.radio("Model for the networks", list(MODEL_NAMES), format_func=MODEL_NAMES.get, horizontal=True,
                      key="network_model")
net_model = tully_model(net_number)
net_x = np.linspace(*net_model.box, 1201)
net_diabatic, net_adiabatic = net_model.diabatic(net_x), net_model.adiabatic(net_x)
net_low, net_high = net_model.momentum_range
net_curves = exact_scan(net_number, tuple(np.round(np.linspace(max(net_low, 1.0), net_high, 40 if lecture else 80),
                                                   3)))
network_momenta = NETWORK_MOMENTA[net_number]
bo = ground_network_outcomes(net_number, 200 if lecture else 400, network_momenta)
true_scan = exact_scan(net_number, network_momenta)
bo_series = ProbabilitySeries("ground-state network", np.array(network_momenta),
                              {name: np.array([getattr(q, name) for q in bo]) for name in CHANNELS},
                              markers=True, symbol="x")
ui.plot(probability_figure([series("exact", net_curves), bo_series],
                           channels=("transmission_lower", "transmission_upper", "reflection_lower"),
                           title="Ground-state network: always on the lower surface"),
        key="one_surface", height=560 if lecture else 460)
missed = float(np.max(true_scan.probabilities["transmission_upper"] + true_scan.probabilities["reflection_upper"]))
st.metric("Largest exact probability of ending on the upper surface that the single surface misses", f"{missed:.2f}")

ui.render_lesson(SLUG, "diabatic-network")
iterations, n_points = (150, 101) if lecture else (300, 201)
with_coupling = diabatic_fit(net_number, 1.0, iterations, n_points)
energies_only = diabatic_fit(net_number, 0.0, iterations, n_points)
learned, rotations = {}, []
for label, fit, color in (("γ = 1: energies, forces, couplings", with_coupling, COLORS["model"]),
                          ("γ = 0: energies, forces", energies_only, COLORS["counterexample"])):
    # a constant rotation (and the sign of V12) of the diabatic basis is physically free: align with Tully's
    learned_matrix = NetworkTwoStateModel(fit.network, net_model).diabatic(net_x)
    h, angle, flipped = align_diabatic_basis(learned_matrix, net_diabatic)
    a = adiabatic_states(h)
    rotations.append(f"{np.degrees(angle):+.0f}°" + (" and V₁₂ → −V₁₂" if flipped else ""))
    learned[label] = ({"v11": h.v11, "v22": h.v22, "v12": h.v12, "lower": a.energy_lower, "upper": a.energy_upper,
                       "coupling": a.coupling}, color)
reference = {"v11": net_diabatic.v11, "v22": net_diabatic.v22, "v12": net_diabatic.v12,
             "lower": net_adiabatic.energy_lower, "upper": net_adiabatic.energy_upper,
             "coupling": net_adiabatic.coupling}
ui.plot(diabatisation_figure(net_x, reference, [(label, arrays, color) for label, (arrays, color) in learned.items()],
                             title="What the diabatic networks learned (reference black)"),
        key="diabatisation", height=820 if lecture else 720)
rows = [{"network": label, "energy RMSE (Eₕ)": f"{fit.energy_rmse:.1e}",
         "d₁₂ RMSE (bohr⁻¹)": f"{fit.coupling_rmse:.3f}",
         "L-BFGS evaluations": len(fit.losses), "training time (s)": f"{fit.seconds:.1f}"}
        for label, fit in (("γ = 1", with_coupling), ("γ = 0", energies_only))]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
nn_scans = {weight: network_probabilities(net_number, weight, iterations, n_points, network_momenta)
            for weight in (1.0, 0.0)}
shown = [series("exact, Tully's model", net_curves),
         series("exact, network γ = 1", nn_scans[1.0], markers=True, symbol="circle-open"),
         series("exact, network γ = 0", nn_scans[0.0], markers=True, symbol="x")]
ui.plot(probability_figure([ProbabilitySeries(s.name, s.momenta, s.probabilities, None, s.markers, s.dash, s.symbol)
                            for s in shown], channels=("transmission_lower", "transmission_upper", "reflection_upper"),
                           title="Learned Hamiltonians against Tully's model"),
        key="network_scan", height=560 if lecture else 480)
worst = {weight: max(abs(scan.probabilities[name] - true_scan.probabilities[name]).max() for name in CHANNELS)
         for weight, scan in nn_scans.items()}
metrics = st.columns(2 if lecture else 3)
metrics[0].metric("Largest |ΔP|, network γ = 1", f"{worst[1.0]:.3f}",
                  help=f"over k = {', '.join(f'{k:g}' for k in network_momenta)} ħ/bohr")
metrics[1].metric("Largest |ΔP|, network γ = 0", f"{worst[0.0]:.3f}")
if not lecture:  # surface hopping on the network: a torch call per step, a few seconds
    on_network = network_fssh(net_number, iterations, n_points, DEFAULT_MOMENTUM[net_number], 300, seed)
    true_exact = exact_probabilities(net_model, DEFAULT_MOMENTUM[net_number])
    metrics[2].metric(f"FSSH on network γ = 1 at k = {DEFAULT_MOMENTUM[net_number]:g}: T upper",
                      f"{on_network.transmission_upper:.3f} ± {on_network.stderr['transmission_upper']:.3f}",
                      help=f"Exact on Tully's model: {true_exact.transmission_upper:.4f}")
st.caption(f"{n_points} training points between {net_model.box[0]:g} and {net_model.box[1]:g} bohr; "
           "network 1 → 24 → 24 → 3 "
           f"(SiLU), float64, {iterations} L-BFGS iterations, seed 0. Exact scattering on each learned Hamiltonian "
           "exactly as on Tully's. For the plot each learned matrix is rotated by the constant angle that best "
           f"matches Tully's diabats (γ = 1: {rotations[0]}; γ = 0: {rotations[1]}): a constant rotation changes "
           "neither the adiabats nor d₁₂.")
job = ui.live_job(f"longer_fit::{net_number}", "▶️ Longer fit: 201 points, 800 L-BFGS iterations (γ = 1)",
                  longer_fit_work(net_number, 800),
                  help="Runs in the server's job pool; Stop keeps the weights so far.")
if job is not None:
    fit = job.result
    better = NetworkTwoStateModel(fit.network, net_model)
    scan = momentum_scan(better, network_momenta, "exact")
    error = max(abs(scan.probabilities[name] - true_scan.probabilities[name]).max() for name in CHANNELS)
    st.success(f"Longer fit ({job.status}): energy RMSE {fit.energy_rmse:.1e} Eₕ, d₁₂ RMSE "
               f"{fit.coupling_rmse:.3f} bohr⁻¹, largest |ΔP| {error:.3f} over the same momenta "
               f"({len(fit.losses)} evaluations, {fit.seconds:.0f} s).")

ui.render_lesson(SLUG, "beyond")
ui.practice_section(SLUG, {"min_gap_ev": smallest_gap * HARTREE})
