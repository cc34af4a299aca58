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
from nnpes_core.analysis import md_spectra
from nnpes_core.analysis.frequency_comparison import frequency_table, match_modes, model_minimum
from nnpes_core.analysis.isotopes import ISOTOPE_MASSES, isotopologue_table, reduced_mass_ratio
from nnpes_core.analysis.mode_names import degenerate_groups, mode_name
from nnpes_core.analysis.spectral_lines import verlet_wavenumber
from nnpes_core.analysis.vibrations import harmonic_analysis, mode_animation_frames
from nnpes_core.analysis.zero_point import mode_energy, zero_point_energy
from nnpes_core.data.reference_hessian import read_reference_hessian
from nnpes_core.units import BOLTZMANN, KJ_PER_MOL
from nnpes_core.viz.derivatives import frequency_error_figure
from nnpes_core.viz.dynamics import FrequencyMarks, SpectrumTrace, spectrum_figure
from nnpes_core.viz.style import COLORS, PALETTE
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
MD_TEMPERATURES_K = [50, 100, 300, 600, 1000, 1500, 2000]
# the lecture preset: about 7 s of dynamics on 2 CPU cores for water
MD_PRESET = {"mdspec_temperatures": [100, 300, 1000], "mdspec_trajectories": 6, "mdspec_length": 1.0,
             "mdspec_timestep": 0.5}
MD_DEFAULTS = {"mdspec_temperatures": [100, 300, 1000, 2000], "mdspec_trajectories": 8, "mdspec_length": 2.0,
               "mdspec_timestep": 0.5}


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


def md_spectra_work(model, minimum, settings: dict):
    """The job: all trajectories of all temperatures as one NVE batch (a TemperatureSeries)."""
    def work(progress):
        report = lambda done, total: progress.update(done / total, f"step {done} of {total}")  # noqa: E731
        series = md_spectra.run_temperature_series(
            model, minimum, settings["temperatures"], settings["trajectories"], 1000.0 * settings["length_ps"],
            settings["timestep"], progress=report, should_stop=lambda: progress.stop_requested)
        return {"series": series, "minimum": minimum, "settings": settings}
    return work


def spectrum_marks(minimum, timestep_fs: float) -> list[FrequencyMarks]:
    harmonic = [band.harmonic_cm for band in md_spectra.bands(minimum)]
    return [FrequencyMarks("model harmonic (Hessian)", harmonic, COLORS["reference"], "dot"),
            FrequencyMarks(f"Verlet line at Δt = {timestep_fs:g} fs",
                           list(verlet_wavenumber(np.array(harmonic), timestep_fs)), COLORS["model"])]


LINE_COLUMNS = {column: st.column_config.NumberColumn(format="%.1f") for column in (
    "harmonic (cm⁻¹)", "Verlet line (cm⁻¹)", "appears at (cm⁻¹)", "MD peak (cm⁻¹)", "FWHM (cm⁻¹)",
    "resolution 1/(cT) (cm⁻¹)")}
LINE_COLUMNS["T (K)"] = st.column_config.NumberColumn(format="%.0f")
LINE_COLUMNS["anharmonic shift (cm⁻¹)"] = st.column_config.NumberColumn(
    format="%+.1f", help="MD peak − Verlet line: what the surface's anharmonicity does at this temperature")


# --- page sections (each a fragment: its widgets rerun only that section) --------------------------

@st.fragment
def normal_mode_viewer(reference, reference_analysis, vibrations, labels: list[str], molecule_name: str,
                       lecture: bool) -> None:
    """The chosen normal mode animated (the model's at its own minimum, else the reference's)."""
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


@st.fragment
def zero_point_section(reference_analysis, names: list[str], molecule_name: str, lecture: bool) -> None:
    """Quantum mode energies against k_B T over temperature, with the chosen temperature (K) marked."""
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


@st.fragment
def sampling_section(series, minimum, kept: list[int], lecture: bool) -> None:
    """One temperature of the MD run again, cut to the first window_fs (fs) and saved every stride (fs):
    the spectrum against the whole run's, with the resolution and Nyquist limit."""
    longest = 50.0 * np.floor(series.length_fs / 50.0)  # the window slider's range, fs
    strides = [s for s in (0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
               if s >= series.timestep_fs and abs(s / series.timestep_fs - round(s / series.timestep_fs)) < 1e-9]
    for key, allowed in (("mdspec_shown", lambda v: v in kept), ("mdspec_window", lambda v: v <= longest),
                         ("mdspec_stride", lambda v: v in strides)):
        if key in st.session_state and not allowed(st.session_state[key]):  # left from an earlier run
            del st.session_state[key]
    row = st.columns(3)
    shown = row[0].selectbox("Temperature", kept, format_func=lambda i: f"{series.temperatures[i]:.0f} K",
                             key="mdspec_shown")
    half = max(50.0, 50.0 * np.floor(longest / 100.0))  # start at half the run: lines twice as wide
    window_fs = row[1].slider("Window: the first … fs", 50.0, longest, half, step=50.0, key="mdspec_window")
    # lecture mode starts beyond the Nyquist limit of the stretches: the aliased lines at once
    stride = row[2].select_slider("Saving stride (fs)", strides, value=5.0 if lecture and 5.0 in strides
                                  else strides[0], key="mdspec_stride")
    try:
        full = md_spectra.series_spectrum(series, shown)
        thinned = md_spectra.series_spectrum(series, shown, length_fs=window_fs, stride_fs=stride)
    except ValueError as error:
        ui.show_error(error, "Spectrum")
    else:
        marks = spectrum_marks(minimum, series.timestep_fs)
        verlet = np.array(marks[1].wavenumbers)
        folded = md_spectra.alias_wavenumber(verlet, stride)
        aliased = np.abs(folded - verlet) > 1e-6
        if aliased.any():
            marks.append(FrequencyMarks("where the lines above Nyquist fold to", list(folded[aliased]),
                                        COLORS["counterexample"], "dash"))
        ui.plot(spectrum_figure([SpectrumTrace(f"whole run, every {series.timestep_fs:g} fs", full.wavenumbers,
                                               full.intensity, PALETTE[5]),
                                 SpectrumTrace(f"first {window_fs:g} fs, every {stride:g} fs", thinned.wavenumbers,
                                               thinned.intensity, PALETTE[2])],
                                marks, nyquist_cm=thinned.nyquist_cm,
                                title=f"The same trajectories at {series.temperatures[shown]:.0f} K: window and stride"),
                height=460 if not lecture else 620, key="mdspec_sampling")
        columns = st.columns(3)
        columns[0].metric("Resolution 1/(cT) (cm⁻¹)", f"{thinned.resolution_cm:.1f}")
        columns[1].metric("Nyquist limit 1/(2cΔt) (cm⁻¹)", f"{thinned.nyquist_cm:,.0f}")
        columns[2].metric("Frames per trajectory", f"{int(round(window_fs / stride)) + 1}")
        lines = [line for line in md_spectra.band_lines(series, minimum, window_fs, stride)
                 if line.temperature_K == series.temperatures[shown]]
        st.dataframe(pd.DataFrame(md_spectra.line_table(lines)), hide_index=True, column_config=LINE_COLUMNS,
                     key="mdspec_sampling_lines")


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
        normal_mode_viewer(reference, reference_analysis, vibrations, labels, molecule_name, lecture)
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
    zero_point_section(reference_analysis, names, molecule_name, lecture)

# Spectra from molecular dynamics -------------------------------------------------------------------------
ui.render_lesson(SLUG, "md-spectra")
md_result = None
if vibrations is None:
    st.info("The spectra from dynamics need the pretrained model of this molecule (see above).")
else:
    preset = st.button(f"🎓 Lecture preset: {molecule_name} at 100, 300 and 1000 K, 6 × 1 ps each",
                       key="mdspec_preset",
                       help="Sets the controls below and starts the run: about 10 s for water on two CPU cores "
                            "(ammonia and methane, with more atoms per molecule, take longer).")
    for key, value in (MD_PRESET if lecture else MD_DEFAULTS).items():
        st.session_state.setdefault(key, value)
    if preset:
        st.session_state.update(MD_PRESET)
    row = st.columns([3, 1, 1, 1])
    chosen = row[0].multiselect("Temperatures (K)", MD_TEMPERATURES_K, key="mdspec_temperatures")
    n_trajectories = row[1].select_slider("Trajectories per T", [2, 4, 6, 8, 12, 16], key="mdspec_trajectories")
    length_ps = row[2].select_slider("Length (ps)", [0.5, 1.0, 2.0, 4.0], key="mdspec_length")
    timestep = row[3].select_slider("Time step Δt (fs)", [0.25, 0.5, 1.0], key="mdspec_timestep")
    settings = dict(molecule=molecule_name, temperatures=sorted(float(t) for t in chosen),
                    trajectories=int(n_trajectories), length_ps=float(length_ps), timestep=float(timestep))
    st.caption(f"{len(chosen) * n_trajectories} NVE trajectories of {molecule_name} on {model_name} in one batch "
               f"(float64): thermal starts (normal-mode positions, Maxwell-Boltzmann velocities, no net rotation) "
               f"around the model's minimum, velocities saved every step.")
    job = ui.live_job("md-spectra", "▶️ Run the trajectories", md_spectra_work(model, vibrations, settings),
                      start=preset and bool(chosen), disabled=not chosen, button_type="primary")
    md_result = job.result if job is not None else None
    if md_result is not None and md_result["settings"]["molecule"] != molecule_name:
        st.info(f"The last run was of {md_result['settings']['molecule']}: run again for {molecule_name}.")
        md_result = None

if md_result is not None:
    series, minimum = md_result["series"], md_result["minimum"]
    kept = [index for index, runs in enumerate(series.velocities) if runs]
    columns = st.columns(3)
    n_started = series.n_trajectories * len(series.temperatures)
    columns[0].metric("Simulated", f"{series.length_fs / 1000:.3g} ps × {n_started}",
                      help=f"{series.seconds:.1f} s of wall time for the whole batch")
    columns[1].metric("Blew up (left out)", f"{sum(series.failed)}",
                      help=", ".join(f"{t:.0f} K: {f}" for t, f in zip(series.temperatures, series.failed)))
    columns[2].metric("Largest energy drift", f"{1e3 * series.max_drift_ev_per_ps:.3g} meV/ps")
    for temperature, failed in zip(series.temperatures, series.failed):
        if failed:
            st.warning(f"{failed} of {series.n_trajectories} trajectories at {temperature:.0f} K blew up (the total "
                       "energy jumped by over 1 eV): they reached geometries the model was not trained on, and are "
                       "left out.", icon="💥")
    if series.length_fs < 100.0:  # stopped at once: too short to transform (and to cut shorter)
        st.info("Stopped before 100 fs: too short for a spectrum. Run again.")
        kept = []
    if kept:
        spectra = {i: md_spectra.series_spectrum(series, i) for i in kept}
        traces = [SpectrumTrace(f"{series.temperatures[i]:.0f} K", spectrum.wavenumbers, spectrum.intensity,
                                PALETTE[k % len(PALETTE)]) for k, (i, spectrum) in enumerate(spectra.items())]
        ui.plot(spectrum_figure(traces, spectrum_marks(minimum, series.timestep_fs),
                                title=f"VDOS of {molecule_name} at each temperature (averaged over the trajectories)"),
                height=460 if not lecture else 620, key="mdspec_vdos")
        st.dataframe(pd.DataFrame(md_spectra.line_table(md_spectra.band_lines(series, minimum))), hide_index=True,
                     column_config=LINE_COLUMNS, key="mdspec_lines")
        st.caption("Each band's line from its own spectrum: the velocities projected on its normal mode(s) at the "
                   "minimum. Peak = tallest point within 300 cm⁻¹ of the Verlet line; FWHM by linear interpolation; "
                   "it cannot be narrower than the resolution 1/(cT) of a Hann-windowed run.")
elif vibrations is not None and st.session_state.get("job::md-spectra") is None:  # nothing started yet
    st.info("Press **Run the trajectories** (or the lecture preset): the spectra and the table of lines appear here.")

ui.render_lesson(SLUG, "sampling")
if md_result is not None and kept:
    sampling_section(series, minimum, kept, lecture)
elif vibrations is not None:
    st.info("Run the trajectories above: here the same run is cut shorter and thinned out.")
ui.render_lesson(SLUG, "classical-limits")

ui.practice_section(SLUG, {"zpe_difference": zpe_difference})
