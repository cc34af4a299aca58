"""Reference slices of the water surface for lesson 5 (PES slices): PySCF B3LYP/6-31G*, as JSON.

Computes, at the B3LYP/6-31G* minimum of water (the same calculator as the shipped training data):

- two 1-D scans: one O-H bond stretched (other O-H and the angle held) and the H-O-H angle bent;
- two 2-D slices on 15 x 15 grids: both O-H bonds, and one O-H bond with the angle;

and writes assets/data/water_reference_slices.json (read back by ``nnpes_core.analysis.slices.load_slices``)
plus its section in assets/data/PROVENANCE.md. Everything is deterministic (fixed grids, no random
numbers); results come from or go to the PySCF disk cache, so an interrupted run resumes quickly.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python assets/scripts/make_reference_slices.py

About 550 energy + gradient calculations: roughly 4 min on one free core (0.4 s each).
"""
from __future__ import annotations

import argparse
import datetime
import platform
import re
import sys
import time
from pathlib import Path

import ase
import numpy as np
import pyscf

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from nnpes_core.analysis.slices import compute_reference_slice, load_slices, save_slices  # noqa: E402
from nnpes_core.data import molecule, optimize  # noqa: E402
from nnpes_core.potentials import PySCFCalculator  # noqa: E402
from nnpes_core.potentials.quantum import CODE_VERSION  # noqa: E402

OUT = ROOT / "assets" / "data" / "water_reference_slices.json"
PROVENANCE = ROOT / "assets" / "data" / "PROVENANCE.md"
SECTION = "## water_reference_slices.json"
STRETCH, OTHER_STRETCH, BEND = ("distance", 0, 1), ("distance", 0, 2), ("angle", 1, 0, 2)  # O=0, H=1, H=2


def plan(n_grid: int) -> dict:
    """name -> (coordinates, values): the default slices of the lesson."""
    bonds = np.linspace(0.75, 1.35, n_grid)  # Å; the training data span about 0.83-1.11 Å
    angles = np.linspace(65.0, 165.0, n_grid)  # degrees; the training data span about 80-126°
    return {
        "stretch": ([STRETCH], [np.round(np.arange(0.65, 1.75 + 1e-9, 0.025), 4)]),
        "bend": ([BEND], [np.round(np.arange(50.0, 180.0 + 1e-9, 2.5), 4)]),
        "stretch_stretch": ([STRETCH, OTHER_STRETCH], [bonds, bonds]),
        "stretch_bend": ([STRETCH, BEND], [bonds, angles]),
    }


def log(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


def provenance_section(metadata: dict, slices: dict, command: str) -> str:
    rows = []
    for name, s in slices.items():
        grid = " × ".join(str(len(v)) for v in s.values)
        ranges = "; ".join(f"{c[0]} {tuple(i + 1 for i in c[1:])}: {v[0]:g} to {v[-1]:g}"
                           for c, v in zip(s.coordinates, s.values))
        rows.append(f"| {name} | {grid} | {ranges} | {s.energy.min():.4f} | {s.energy.max():.4f} |")
    return "\n".join([
        SECTION,
        "",
        f"Made by `assets/scripts/make_reference_slices.py` on {metadata['date']} with PySCF "
        f"{metadata['pyscf']}, ASE {metadata['ase']}, Python {metadata['python']} (`PySCFCalculator` code "
        f"version {CODE_VERSION}) in {metadata['seconds'] / 60:.1f} min ({metadata['n_points']} points; results "
        "already in the PySCF disk cache are reused). Regenerate with",
        "",
        f"    {command}",
        "",
        "- Reference: PySCF B3LYP/6-31G*, the same settings as the water training data above (SCF `conv_tol` "
        "1e-10 Eh, grid level 3). Energies in eV.",
        f"- Base geometry: the B3LYP/6-31G* minimum (BFGS to fmax 1e-4 eV/Å from ASE's H2O): r_OH = "
        f"{metadata['r_oh']:.4f} Å, angle HOH = {metadata['angle']:.2f}°, E = {metadata['minimum_energy_eV']:.6f} eV. "
        "Atoms O (1), H (2), H (3).",
        "- Each slice varies one or two internal coordinates and holds the others at the minimum; a distance "
        "is set by moving the H atom along the O-H bond, an angle by rotating atom 3 about O "
        "(`nnpes_core.data.set_coordinate`). Energies are stored in row-major order, the last coordinate "
        "fastest (`nnpes_core.analysis.slices.slice_frames` rebuilds the geometries). Deterministic: no "
        "random numbers.",
        "- Read with `nnpes_core.analysis.slices.load_slices`; shown on the page *PES slices* (lesson 5).",
        "",
        "| slice | grid | coordinates (atoms 1-based; Å or degrees) | E min (eV) | E max (eV) |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ])


def write_provenance(section: str) -> None:
    """Add (or replace) this file's section at the end of PROVENANCE.md, leaving the rest as it is."""
    text = PROVENANCE.read_text() if PROVENANCE.exists() else "# Provenance of the shipped reference data\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    PROVENANCE.write_text(text.rstrip("\n") + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=15, help="points per axis of the 2-D slices")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--cache-dir", default="auto", help='PySCF result cache; "none" to switch it off')
    args = parser.parse_args()
    cache_dir = None if args.cache_dir.lower() == "none" else args.cache_dir
    command = "OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python assets/scripts/make_reference_slices.py"
    if sys.argv[1:]:
        command += " " + " ".join(sys.argv[1:])

    start = time.perf_counter()
    calculator = PySCFCalculator("b3lyp", "6-31g*", cache_dir=cache_dir)
    minimum = optimize(molecule("H2O"), calculator, fmax=1e-4)
    minimum_energy = minimum.get_potential_energy()
    minimum.calc = None
    log(f"minimum: r_OH = {minimum.get_distance(0, 1):.4f} Å, angle = {minimum.get_angle(1, 0, 2):.2f}°, "
        f"E = {minimum_energy:.6f} eV")

    slices, n_points = {}, 0
    for name, (coordinates, values) in plan(args.grid).items():
        total = int(np.prod([len(v) for v in values]))
        section_start = time.perf_counter()

        def progress(done, total, name=name, section_start=section_start):
            if done % 25 == 0 or done == total:
                rate = (time.perf_counter() - section_start) / done
                log(f"{name}: {done}/{total} ({rate:.2f} s per point)")

        slices[name] = compute_reference_slice(name, minimum, calculator, coordinates, values, progress)
        n_points += total

    seconds = time.perf_counter() - start
    metadata = {
        "description": "water B3LYP/6-31G* energies on 1-D scans and 2-D slices of internal coordinates around "
                       "the minimum, for lesson 5 (PES slices); energies in eV in slice_frames order",
        "reference": "PySCF B3LYP/6-31G*", "script": "assets/scripts/make_reference_slices.py",
        "date": datetime.date.today().isoformat(), "pyscf": pyscf.__version__, "ase": ase.__version__,
        "python": platform.python_version(), "code_version": CODE_VERSION, "seconds": round(seconds, 1),
        "n_points": n_points, "minimum_energy_eV": minimum_energy,
        "r_oh": minimum.get_distance(0, 1), "angle": minimum.get_angle(1, 0, 2),
    }
    path = save_slices(args.out, minimum, list(slices.values()), metadata)
    load_slices(path)  # read back: the file is valid
    write_provenance(provenance_section(metadata, slices, command))
    log(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB) and the section in {PROVENANCE.name}; "
        f"{seconds / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
