"""Regenerate the ammonia (NH3) and methane (CH4) reference data in assets/data (seeded, prints progress).

The water recipe (make_reference_data.py + make_water_hessian.py) for two more molecules, so that the
course is not only about triatomics:

1. the PySCF B3LYP/6-31G* minimum (BFGS from ASE's geometry to fmax 1e-4 eV/Å) and its Hessian by
   central differences of the analytic forces (step 0.005 Å, 6N gradients)
   -> {name}_b3lyp_631gs_hessian.json (read with nnpes_core.data.reference_hessian);
2. classical normal-mode (harmonic Boltzmann) sampling around that minimum at several temperatures in
   equal shares, labelled with the same reference, split with a seed
   -> {name}_b3lyp_631gs_{train,val,test}.extxyz;
3. a hotter test set at one temperature above the training range (extrapolation)
   -> {name}_b3lyp_631gs_hot.extxyz;
4. MOLECULES_PROVENANCE.md: code versions, settings, counts, wavenumbers, and the command.

Run single-threaded and nicely (about 0.5-1 s per gradient on one core, 2 x ~1150 gradients):
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python assets/scripts/make_molecule_data.py
Results are cached on disk (see PySCFCalculator), so an interrupted run resumes where it stopped.
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

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from nnpes_core.analysis.vibrations import harmonic_analysis  # noqa: E402
from nnpes_core.data import (  # noqa: E402
    dataset_summary, molecule, normal_mode_sampling, normal_modes, split_dataset, write_dataset,
)
from nnpes_core.data.reference_hessian import compute_reference_hessian, write_reference_hessian  # noqa: E402
from nnpes_core.potentials import PySCFCalculator  # noqa: E402
from nnpes_core.potentials.quantum import CODE_VERSION  # noqa: E402
from nnpes_core.units import HARTREE  # noqa: E402

# Formula (ASE g2 name) -> file stem and a name for the text.
MOLECULES = {"NH3": ("nh3", "ammonia"), "CH4": ("ch4", "methane")}
REFERENCE_TEXT = ("PySCF RKS B3LYP/6-31G*, analytic forces (grid response), SCF conv_tol 1e-10 Eh, "
                  "grid level 3")


def log(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


def seconds_per_gradient(formula: str) -> float:
    """Wall time of one uncached B3LYP/6-31G* energy + gradient (after a warm-up call)."""
    atoms = molecule(formula)
    atoms.calc = PySCFCalculator("b3lyp", "6-31g*", cache_dir=None)
    atoms.get_forces()
    atoms.rattle(0.01, seed=1)
    start = time.perf_counter()
    atoms.get_forces()
    return time.perf_counter() - start


def sample(minimum, calculator, modes, temperatures, counts, seeds, label: str) -> list:
    """Normal-mode samples at each temperature (count and seed given per temperature), with progress."""
    frames, start, total = [], time.perf_counter(), sum(counts)
    for temperature, count, seed in zip(temperatures, counts, seeds):
        def progress(done, n, temperature=temperature):
            if done % 25 == 0 or done == n:
                finished = len(frames) + done
                eta = (time.perf_counter() - start) / finished * (total - finished)
                log(f"{label} T = {temperature:.0f} K: {done}/{n} (all: {finished}/{total}, ETA {eta / 60:.1f} min)")
        frames += normal_mode_sampling(minimum, calculator, count, temperature, seed=seed, modes=modes,
                                       progress=progress)
    return frames


def make_molecule(formula: str, args, cache_dir, seed: int) -> dict:
    stem, name = MOLECULES[formula]
    calculator = PySCFCalculator("b3lyp", "6-31g*", cache_dir=cache_dir)
    seconds = seconds_per_gradient(formula)
    n_calls = sum(args.sizes) + args.hot_size + 6 * len(molecule(formula)) + 30
    log(f"{name}: one B3LYP/6-31G* energy+gradient takes {seconds:.2f} s -> about {n_calls * seconds / 60:.0f} min "
        "(less for results already in the cache)")

    reference = compute_reference_hessian(molecule(formula), calculator, fmax=1e-4, delta=5e-3,
                                          progress=lambda message: log(f"{name}: {message}"))
    minimum = reference.atoms
    analysis = harmonic_analysis(reference.hessian, minimum.get_masses(), minimum.positions)
    wavenumbers = [round(float(w), 2) for w in analysis.wavenumbers]
    reference.metadata.update({
        "method": "b3lyp", "basis": "6-31g*", "reference": REFERENCE_TEXT, "molecule": name,
        "start": f"ase.build.molecule('{formula}')", "made_by": "assets/scripts/make_molecule_data.py",
        "date": datetime.date.today().isoformat(), "wavenumbers_cm-1": wavenumbers,
        "versions": f"Python {platform.python_version()}, PySCF {pyscf.__version__}, ASE {ase.__version__}, "
                    f"NumPy {np.__version__}, PySCFCalculator code version {CODE_VERSION}",
    })
    hessian_path = write_reference_hessian(args.out_dir / f"{stem}_b3lyp_631gs_hessian.json", reference)
    log(f"{name}: E = {reference.energy:.6f} eV, wavenumbers {wavenumbers} cm^-1 -> {hessian_path.name}")

    # The sampler's modes: the same displaced geometries as the Hessian above, so all from the cache.
    minimum.calc = calculator
    modes = normal_modes(minimum, calculator, delta=5e-3)
    # (it drops the 6 softest eigenvalues instead of projecting rigid motions out: tiny differences)
    log(f"{name}: sampler's wavenumbers {np.round(modes.wavenumbers, 1).tolist()} cm^-1")

    n_total = sum(args.sizes)
    counts = [n_total // len(args.temperatures)] * len(args.temperatures)
    counts[-1] += n_total - sum(counts)
    seeds = [seed + i for i in range(len(args.temperatures))]
    frames = sample(minimum, calculator, modes, args.temperatures, counts, seeds, name)
    paths = {}
    for part_name, part in zip(("train", "val", "test"), split_dataset(frames, args.sizes, seed=seed)):
        paths[part_name] = write_dataset(args.out_dir / f"{stem}_b3lyp_631gs_{part_name}.extxyz", part)
        log(f"wrote {paths[part_name].name}: {len(part)} structures, {paths[part_name].stat().st_size / 1024:.0f} KB")

    hot_seed = seed + len(args.temperatures)
    hot = sample(minimum, calculator, modes, [args.hot_temperature], [args.hot_size], [hot_seed], f"{name} (hot)")
    paths["hot"] = write_dataset(args.out_dir / f"{stem}_b3lyp_631gs_hot.extxyz", hot)
    log(f"wrote {paths['hot'].name}: {len(hot)} structures, {paths['hot'].stat().st_size / 1024:.0f} KB")
    return dict(formula=formula, stem=stem, name=name, reference=reference, wavenumbers=wavenumbers,
                counts=counts, seeds=seeds, hot_seed=hot_seed, seconds_per_gradient=seconds, n_calls=n_calls,
                summary=dataset_summary(frames), hot_summary=dataset_summary(hot), paths=paths)


def geometry_text(formula: str, atoms) -> str:
    """Bond lengths and angles of the minimum, e.g. r_NH = 1.0189 Å, angle HNH = 105.9°."""
    centre = atoms.get_chemical_symbols()[0]
    distances = [atoms.get_distance(0, i) for i in range(1, len(atoms))]
    angles = [atoms.get_angle(i, 0, j) for i in range(1, len(atoms)) for j in range(i + 1, len(atoms))]
    return (f"r_{centre}H = {np.mean(distances):.4f} Å (spread {np.ptp(distances):.1e} Å), "
            f"angle H{centre}H = {np.mean(angles):.2f}° (spread {np.ptp(angles):.1e}°)")


def molecule_section(result: dict, args) -> list[str]:
    reference, stem, summary, hot = result["reference"], result["stem"], result["summary"], result["hot_summary"]
    temperatures = ", ".join(f"{t:.0f} K ({n} structures, seed {s})"
                             for t, n, s in zip(args.temperatures, result["counts"], result["seeds"]))
    meta = reference.metadata
    return [
        f"## {result['name']} ({result['formula']}): {stem}_b3lyp_631gs_*",
        "",
        f"- Reference: {REFERENCE_TEXT}; one energy + gradient took {result['seconds_per_gradient']:.2f} s "
        "on one core here.",
        f"- Minimum (BFGS from `ase.build.molecule('{result['formula']}')` to fmax 1e-4 eV/Å, "
        f"{meta['optimisation_calls']} calls): {geometry_text(result['formula'], reference.atoms)}, "
        f"E = {reference.energy:.6f} eV ({reference.energy / HARTREE:.8f} Eh).",
        f"- `{stem}_b3lyp_631gs_hessian.json`: the minimum and its Hessian by central differences of the "
        f"analytic forces, step 0.005 Å ({meta['hessian_calls']} gradients).",
        f"- Harmonic wavenumbers (cm⁻¹): {', '.join(f'{w:.1f}' for w in result['wavenumbers'])}",
        "- Sampling: classical normal-mode (harmonic Boltzmann) sampling around the minimum, each normal "
        f"coordinate Gaussian with variance k_B T / ω²; temperatures {temperatures}. Each frame's comment line "
        "keeps its `temperature_K`.",
        f"- Split: {' / '.join(map(str, args.sizes))} (train / val / test), random with seed {args.seed} "
        "(`nnpes_core.data.split_dataset`).",
        f"- `{stem}_b3lyp_631gs_hot.extxyz`: {hot['n_structures']} structures at {args.hot_temperature:.0f} K "
        f"(seed {result['hot_seed']}), beyond the training temperatures: a test of extrapolation.",
        f"- Contents: {summary['n_structures']} structures (train + val + test), energies "
        f"{summary['energy_min_eV']:.3f} to {summary['energy_max_eV']:.3f} eV, force RMS "
        f"{summary['force_rms_eV_per_A']:.3f} eV/Å, largest force {summary['force_max_eV_per_A']:.3f} eV/Å; hot set "
        f"energies up to {hot['energy_max_eV']:.3f} eV, largest force {hot['force_max_eV_per_A']:.3f} eV/Å.",
        "",
        "| file | structures |",
        "|---|---|",
        *[f"| {path.name} | {n} |" for path, n in zip(
            [result["paths"][k] for k in ("train", "val", "test", "hot")], [*args.sizes, hot["n_structures"]])],
        "",
    ]


def write_provenance(path: Path, results: list[dict], args, command: str, wall_minutes: float) -> None:
    lines = [
        "# Provenance of the ammonia and methane reference data",
        "",
        f"Made by `assets/scripts/make_molecule_data.py` on {datetime.date.today().isoformat()} with Python "
        f"{platform.python_version()}, PySCF {pyscf.__version__}, ASE {ase.__version__}, NumPy {np.__version__}, "
        f"SciPy {scipy.__version__} (`PySCFCalculator` code version {CODE_VERSION}). Regenerate with",
        "",
        f"    {command}",
        "",
        f"This run took {wall_minutes:.0f} min (results already in the PySCF disk cache are reused; from scratch "
        "about " + " + ".join(f"{r['n_calls'] * r['seconds_per_gradient'] / 60:.0f}" for r in results)
        + " min on one core, timed once per molecule on a shared machine whose load varied during the run). "
        "Energies in eV, forces in eV/Å, lengths in Å, wavenumbers in cm⁻¹ "
        f"(1 Eh = {HARTREE:.6f} eV). The recipe is the one of the water data (PROVENANCE.md).",
        "",
    ]
    for result in results:
        lines += molecule_section(result, args)
    path.write_text("\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--molecules", nargs="+", default=list(MOLECULES), choices=list(MOLECULES))
    parser.add_argument("--out-dir", type=Path, default=ROOT / "assets" / "data")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--temperatures", type=float, nargs="+", default=[300.0, 700.0, 1100.0, 1500.0])
    parser.add_argument("--sizes", type=int, nargs=3, default=[600, 100, 200], help="train val test")
    parser.add_argument("--hot-temperature", type=float, default=2500.0)
    parser.add_argument("--hot-size", type=int, default=200)
    parser.add_argument("--cache-dir", default="auto", help='PySCF result cache; "none" to switch it off')
    args = parser.parse_args()
    cache_dir = None if args.cache_dir.lower() == "none" else args.cache_dir
    args.out_dir.mkdir(parents=True, exist_ok=True)
    command = ("OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python "
               "assets/scripts/make_molecule_data.py")
    if sys.argv[1:]:
        command += " " + " ".join(sys.argv[1:])

    start = time.perf_counter()
    log(f"PySCF {pyscf.__version__}, ASE {ase.__version__}; writing to {args.out_dir}")
    results = []
    for index, formula in enumerate(args.molecules):
        # Seeds per molecule: seed, seed+1, ... for the temperatures, the next one for the hot set.
        results.append(make_molecule(formula, args, cache_dir, args.seed))
        wall_minutes = (time.perf_counter() - start) / 60
        write_provenance(args.out_dir / "MOLECULES_PROVENANCE.md", results, args, command, wall_minutes)
        log(f"{results[-1]['name']} done after {wall_minutes:.1f} min; provenance updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
