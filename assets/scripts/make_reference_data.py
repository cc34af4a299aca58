"""Regenerate the shipped reference data in assets/data (seeded, prints progress).

1. H2 potential energy curves: FCI ground + first two excited singlets, RHF beside them and the nuclear
   repulsion, in STO-3G, 6-31G and cc-pVDZ, 60 distances 0.3-4.0 Å -> h2_fci_curves.json.
2. Water labelled by PySCF B3LYP/6-31G*: optimise, harmonic normal modes, classical normal-mode
   (Boltzmann) sampling at several temperatures in equal shares, seeded 1000/200/300 split
   -> water_b3lyp_631gs_{train,val,test}.extxyz.
3. PROVENANCE.md describing both, with code versions and the command that made them.

Run single-threaded (small PySCF jobs are fastest that way; about 12 minutes on one core):
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python assets/scripts/make_reference_data.py
Results are cached on disk (see PySCFCalculator), so an interrupted run resumes quickly.
"""
from __future__ import annotations

import argparse
import datetime
import platform
import sys
import time
from pathlib import Path

import ase
import numpy as np
import pyscf
import scipy

from nnpes_core.data import (
    dataset_summary, molecule, normal_mode_sampling, normal_modes, optimize, split_dataset, write_dataset,
)
from nnpes_core.potentials import PySCFCalculator, fit_minimum, h2_curve, save_curves
from nnpes_core.potentials.quantum import CODE_VERSION
from nnpes_core.units import HARTREE

ROOT = Path(__file__).resolve().parents[2]


def log(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


def make_h2_curves(out_dir: Path, cache_dir) -> dict:
    distances = np.linspace(0.3, 4.0, 60)
    curves, notes = {}, {}
    for basis in ("sto-3g", "6-31g", "cc-pvdz"):
        start = time.perf_counter()
        curve = h2_curve(distances, basis=basis, method="fci", nroots=3, cache_dir=cache_dir)
        hydrogen = PySCFCalculator("hf", basis, spin=1, cache_dir=cache_dir)  # one electron: HF is exact
        atom_energy = hydrogen.get_potential_energy(ase.Atoms("H"))
        fit = fit_minimum(curve.distances, curve.energies[:, 0], dissociation_limit=2 * atom_energy)
        curve.metadata = {"hydrogen_atom_energy_eV": atom_energy, "r_e_angstrom": fit.bond_length,
                          "E_min_eV": fit.energy, "D_e_eV": fit.well_depth}
        curves[basis] = curve
        notes[basis] = fit
        log(f"H2 FCI/{basis}: r_e = {fit.bond_length:.4f} Å, E_min = {fit.energy / HARTREE:.6f} Eh, "
            f"D_e = {fit.well_depth:.3f} eV from 2 E(H) = {2 * atom_energy / HARTREE:.6f} Eh "
            f"({time.perf_counter() - start:.1f} s)")
    save_curves(out_dir / "h2_fci_curves.json", curves, metadata={
        "description": "H2 FCI ground + 2 excited singlet curves, RHF and nuclear repulsion; energies in eV "
                       "(and Hartree); energies_eV[i][k] is root k at distances_angstrom[i]",
        "code": f"PySCF {pyscf.__version__}, nnpes_core PySCFCalculator code version {CODE_VERSION}",
    })
    return notes


def time_one_gradient(calculator_args: dict) -> float:
    water = molecule("H2O")
    water.calc = PySCFCalculator(**calculator_args, cache_dir=None)
    water.get_forces()  # warm-up: imports, basis parsing, grids
    water.rattle(0.01, seed=1)
    start = time.perf_counter()
    water.get_forces()
    return time.perf_counter() - start


def make_water_dataset(out_dir: Path, cache_dir, seed: int, temperatures: list[float], sizes: list[int]) -> dict:
    calculator_args = dict(method="b3lyp", basis="6-31g*")
    n_total = sum(sizes)
    seconds = time_one_gradient(calculator_args)
    n_calls = n_total + 18 + 30  # samples + Hessian (6 N) + optimisation steps (roughly)
    log(f"one B3LYP/6-31G* energy+gradient of water: {seconds:.2f} s -> about {n_calls * seconds / 60:.0f} min "
        f"for {n_total} structures (less for any already in the cache)")

    calculator = PySCFCalculator(**calculator_args, cache_dir=cache_dir)
    minimum = optimize(molecule("H2O"), calculator, fmax=1e-4)
    log(f"optimised: r_OH = {minimum.get_distance(0, 1):.4f} Å, "
        f"angle HOH = {minimum.get_angle(1, 0, 2):.2f} deg, "
        f"E = {minimum.get_potential_energy():.6f} eV")
    modes = normal_modes(minimum, calculator)
    log(f"harmonic wavenumbers: {np.round(modes.wavenumbers, 1).tolist()} cm^-1")

    per_temperature = [n_total // len(temperatures)] * len(temperatures)
    per_temperature[-1] += n_total - sum(per_temperature)
    frames, start = [], time.perf_counter()
    for index, (temperature, count) in enumerate(zip(temperatures, per_temperature)):
        def progress(done, total, temperature=temperature):
            if done % 25 == 0 or done == total:
                finished = len(frames) + done
                eta = (time.perf_counter() - start) / finished * (n_total - finished)
                log(f"T = {temperature:.0f} K: {done}/{total} (all: {finished}/{n_total}, ETA {eta / 60:.1f} min)")
        frames += normal_mode_sampling(minimum, calculator, count, temperature, seed=seed + index,
                                       modes=modes, progress=progress)

    paths = {}
    for name, part in zip(("train", "val", "test"), split_dataset(frames, sizes, seed=seed)):
        paths[name] = write_dataset(out_dir / f"water_b3lyp_631gs_{name}.extxyz", part)
        log(f"wrote {paths[name]}: {len(part)} structures, {paths[name].stat().st_size / 1024:.0f} KB")
    return dict(minimum=minimum, modes=modes, summary=dataset_summary(frames), paths=paths,
                per_temperature=per_temperature, seconds_per_gradient=seconds)


def write_provenance(out_dir: Path, h2: dict, water: dict, args, command: str, wall_minutes: float) -> None:
    minimum, summary, modes = water["minimum"], water["summary"], water["modes"]
    temperatures = ", ".join(f"{t:.0f} K ({n} structures)" for t, n in zip(args.temperatures, water["per_temperature"]))
    seeds = ", ".join(str(args.seed + i) for i in range(len(args.temperatures)))
    wavenumbers = ", ".join(f"{w:.0f}" for w in modes.wavenumbers)
    scratch_minutes = (sum(args.sizes) + 50) * water["seconds_per_gradient"] / 60
    h2_rows = "\n".join(f"| {basis} | {fit.bond_length:.4f} | {fit.energy / HARTREE:.6f} | {fit.well_depth:.3f} |"
                        for basis, fit in h2.items())
    lines = [
        "# Provenance of the shipped reference data",
        "",
        f"Made by `assets/scripts/make_reference_data.py` on {datetime.date.today().isoformat()} with Python "
        f"{platform.python_version()}, PySCF {pyscf.__version__}, ASE {ase.__version__}, NumPy {np.__version__}, "
        f"SciPy {scipy.__version__} (`PySCFCalculator` code version {CODE_VERSION}). Regenerate with",
        "",
        f"    {command}",
        "",
        f"From scratch this takes about {scratch_minutes:.0f} min on one core (one B3LYP/6-31G* energy + gradient of "
        f"water: {water['seconds_per_gradient']:.2f} s); results already in the PySCF disk cache are reused "
        f"(this run: {wall_minutes:.0f} min). Energies in eV, forces in eV/Å, lengths in Å "
        f"(1 Eh = {HARTREE:.6f} eV).",
        "",
        "## water_b3lyp_631gs_{train,val,test}.extxyz",
        "",
        "- Reference: PySCF restricted Kohn-Sham with `xc=\"b3lyp\"` (PySCF's B3LYP is libxc's, with VWN-RPA "
        "as in Gaussian), basis 6-31G*, SCF `conv_tol` 1e-10 Eh, grid level 3, analytic forces including the "
        "grid response.",
        f"- Minimum (BFGS to fmax 1e-4 eV/Å): r_OH = {minimum.get_distance(0, 1):.4f} Å, "
        f"angle HOH = {minimum.get_angle(1, 0, 2):.2f}°, E = {minimum.get_potential_energy():.6f} eV. "
        f"Harmonic wavenumbers {wavenumbers} cm⁻¹ (finite-difference Hessian of the analytic forces, step 0.005 Å).",
        "- Sampling: classical normal-mode (harmonic Boltzmann) sampling around the minimum, each normal "
        f"coordinate Gaussian with variance k_B T / ω²; temperatures {temperatures}; sampler seeds {seeds} in "
        "that order. Each frame's comment line keeps its `temperature_K`.",
        f"- Split: {' / '.join(map(str, args.sizes))} (train / val / test), random with seed {args.seed} "
        "(`nnpes_core.data.split_dataset`).",
        f"- Contents: {summary['n_structures']} structures; energies {summary['energy_min_eV']:.3f} to "
        f"{summary['energy_max_eV']:.3f} eV; force RMS {summary['force_rms_eV_per_A']:.3f} eV/Å, largest force "
        f"{summary['force_max_eV_per_A']:.3f} eV/Å.",
        "",
        "## h2_fci_curves.json",
        "",
        "- H2 at 60 distances from 0.3 to 4.0 Å, evenly spaced, in the STO-3G, 6-31G and cc-pVDZ bases. FCI "
        "(`pyscf.fci.direct_spin0` with a spin penalty, so every root is a singlet) for the ground state and the "
        "first two excited singlets; the RHF energy and the nuclear repulsion E_nuc at each distance; every "
        "energy in eV and in Hartree. `nnpes_core.potentials.load_curves` reads it back.",
        "- Fitted minimum of the ground state (cubic spline); D_e measured from twice the H-atom energy in the "
        "same basis:",
        "",
        "| basis | r_e (Å) | E_min (Eh) | D_e (eV) |",
        "|---|---|---|---|",
        h2_rows,
        "",
    ]
    (out_dir / "PROVENANCE.md").write_text("\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "assets" / "data")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--temperatures", type=float, nargs="+", default=[300.0, 600.0, 900.0, 1200.0])
    parser.add_argument("--sizes", type=int, nargs=3, default=[1000, 200, 300], help="train val test")
    parser.add_argument("--cache-dir", default="auto", help='PySCF result cache; "none" to switch it off')
    args = parser.parse_args()
    cache_dir = None if args.cache_dir.lower() == "none" else args.cache_dir
    args.out_dir.mkdir(parents=True, exist_ok=True)
    command = "OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python assets/scripts/make_reference_data.py"
    if sys.argv[1:]:
        command += " " + " ".join(sys.argv[1:])

    start = time.perf_counter()
    log(f"PySCF {pyscf.__version__}, ASE {ase.__version__}; writing to {args.out_dir}")
    h2 = make_h2_curves(args.out_dir, cache_dir)
    water = make_water_dataset(args.out_dir, cache_dir, args.seed, args.temperatures, args.sizes)
    wall_minutes = (time.perf_counter() - start) / 60
    write_provenance(args.out_dir, h2, water, args, command, wall_minutes)
    log(f"done in {wall_minutes:.1f} min; provenance in {args.out_dir / 'PROVENANCE.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
