"""Make the copper data sets and models of lesson 13 (Materials), seeded, and write their provenance.

    nice -n 10 .venv/bin/python assets/scripts/make_materials_data.py [--only data|models] [--scale 1.0]

Data (ASE's EMT for fcc Cu, periodic 2x2x2 cubic supercells of 32 atoms, cell and pbc in the extxyz):

    cu_emt_train.extxyz          120 structures: bulk, one-vacancy and (111)/(100) slab supercells
    cu_emt_perfect_train.extxyz  120 structures: perfect (bulk) supercells only
    cu_emt_val.extxyz             30 structures like cu_emt_train (validation)
    cu_emt_test.extxyz            60 structures like cu_emt_train (test; errors per kind in MATERIALS.md)

All strained (a uniform stretch of up to ±4 % in length plus a shape change of up to ±2 %) and rattled
(Gaussian displacements of a width up to 0.1 Å).

Models (the crystal settings of nnpes_core.materials.training, fixed epochs, seed 0, one CPU thread):

    cu_bp.pt            Behler-Parrinello on cu_emt_train
    cu_equivariant.pt   equivariant message passing on cu_emt_train
    cu_bp_perfect.pt    Behler-Parrinello on cu_emt_perfect_train only (the transferability counter-example),
                        validated on the bulk structures of cu_emt_val

Fixed epoch counts (not wall-clock budgets) make the models the same on any machine; --scale multiplies
them (0.1 for a trial run). The script ends by writing assets/data/MATERIALS_PROVENANCE.md and
assets/models/MATERIALS.md with the measured test errors and the properties against EMT.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import ase  # noqa: E402
import torch  # noqa: E402
from ase.calculators.emt import EMT  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from nnpes_core.data import read_dataset, write_dataset  # noqa: E402
from nnpes_core.data.batch import AtomicBatch  # noqa: E402
from nnpes_core.materials import FACETS, crystal_properties, emt_dataset, property_errors  # noqa: E402
from nnpes_core.materials.training import MODEL_OPTIONS, crystal_calculator, train_crystal_model  # noqa: E402
from nnpes_core.models import load_model, save_model  # noqa: E402
from nnpes_core.training import error_metrics  # noqa: E402

DATA, MODELS = ROOT / "assets" / "data", ROOT / "assets" / "models"
ELEMENT, SUPERCELL, RATTLE, STRAIN = "Cu", 2, 0.1, 0.04
# name: (structures, vacancies and surfaces?, seed)
DATASETS = {
    "cu_emt_train": (120, True, 1),
    "cu_emt_perfect_train": (120, False, 3),
    "cu_emt_val": (30, True, 2),
    "cu_emt_test": (60, True, 4),
}
# model name: (kind, training set, epochs)
PLAN = {
    "cu_bp": ("bp", "cu_emt_train", 40),
    "cu_equivariant": ("equivariant", "cu_emt_train", 50),
    "cu_bp_perfect": ("bp", "cu_emt_perfect_train", 40),
}


def make_data() -> None:
    for name, (count, defects, seed) in DATASETS.items():
        frames = emt_dataset(ELEMENT, SUPERCELL, count, RATTLE, STRAIN, vacancies=defects,
                             surfaces=FACETS if defects else (), seed=seed)
        path = write_dataset(DATA / f"{name}.extxyz", frames)
        print(f"{path.name}: {len(frames)} structures, {path.stat().st_size / 1024:.0f} KiB", flush=True)


def train_models(scale: float, names: list[str]) -> None:
    val = read_dataset(DATA / "cu_emt_val.extxyz")
    for name in names:
        kind, data_name, epochs = PLAN[name]
        train = read_dataset(DATA / f"{data_name}.extxyz")
        val_frames = val if "perfect" not in data_name else [f for f in val if f.info.get("kind") == "bulk"]
        epochs = max(1, round(epochs * scale))
        start = time.perf_counter()
        result = train_crystal_model(kind, train, val_frames, epochs=epochs, seed=0, device="cpu")
        seconds = time.perf_counter() - start
        save_model(result.model, MODELS / f"{name}.pt",
                   {"trained_on": f"{data_name}.extxyz", "validated_on": "cu_emt_val.extxyz"
                    + (" (bulk structures)" if "perfect" in data_name else ""),
                    "reference": "ASE EMT (Jacobsen, Stoltze, Nørskov 1996)", "epochs": epochs,
                    "seconds": round(seconds, 1), "best_epoch": result.best_epoch,
                    "options": {k: list(v) if isinstance(v, tuple) else v for k, v in MODEL_OPTIONS[kind].items()}})
        print(f"{name}: {epochs} epochs in {seconds:.0f} s (best epoch {result.best_epoch})", flush=True)


def test_errors(name: str) -> dict[str, dict]:
    """Errors of a saved model on the test set, per kind of structure (bulk, vacancy, surfaces)."""
    model = load_model(MODELS / f"{name}.pt", dtype=torch.float64)
    test = read_dataset(DATA / "cu_emt_test.extxyz")
    errors = {}
    for kind in ("bulk", "vacancy", "surface-111", "surface-100"):
        frames = [f for f in test if f.info.get("kind") == kind]
        errors[kind] = error_metrics(model, AtomicBatch.from_atoms(frames, model.cutoff_radius))
    return errors


def _stamp() -> tuple[str, str]:
    machine = f"PyTorch {torch.__version__}, ASE {ase.__version__}, Python {platform.python_version()}"
    return datetime.date.today().isoformat(), machine


def write_reports() -> None:
    """assets/models/MATERIALS.md from the saved models (their metadata, test errors and properties)."""
    today, machine = _stamp()
    properties = {"EMT": crystal_properties(EMT(), ELEMENT)}
    for name in PLAN:
        properties[name] = crystal_properties(crystal_calculator(load_model(MODELS / f"{name}.pt")), ELEMENT)
    rows = property_errors(properties)
    lines = [
        "# Pretrained copper models (lesson 13, Materials)", "",
        f"Made by `assets/scripts/make_materials_data.py` on {today} ({machine}, one CPU thread). "
        "Regenerate with", "", "    nice -n 10 .venv/bin/python assets/scripts/make_materials_data.py", "",
        "Reference: ASE's EMT for Cu (K. W. Jacobsen, P. Stoltze, J. K. Nørskov, Surf. Sci. 366, 394 (1996)); "
        "data: see assets/data/MATERIALS_PROVENANCE.md. Settings: `nnpes_core.materials.training` "
        "(cutoff 4.2 Å, minibatches of 4 supercells, α = 10, β = 1, float32, cosine schedule), seed 0.", "",
        "| file | kind | trained on | epochs | time here | best epoch |", "|---|---|---|---|---|---|",
    ]
    for name, (kind, data_name, _) in PLAN.items():
        info = load_model(MODELS / f"{name}.pt").metadata
        seconds = f"{info['seconds']:.0f} s" if "seconds" in info else "not recorded"
        lines.append(f"| {name}.pt | {kind} | {data_name}.extxyz | {info['epochs']} | {seconds} | "
                     f"{info['best_epoch']} |")
    lines += ["", "Errors on the 60 test structures (`cu_emt_test.extxyz`), by kind of structure "
              "(energy MAE in meV/atom / force MAE in meV/Å):", "",
              "| file | bulk | vacancy | (111) slab | (100) slab |", "|---|---|---|---|---|"]
    for name in PLAN:
        errors = test_errors(name)
        cells = [f"{e['energy_mae_mev_per_atom']:.2f} / {e['force_mae_mev_per_a']:.1f}" for e in errors.values()]
        lines.append(f"| {name}.pt | " + " | ".join(cells) + " |")
    lines += ["", "Properties against EMT, each potential at its own lattice constant (vacancy: 108-atom "
              "supercell, relaxed with BFGS to 0.01 eV/Å; surfaces: unrelaxed 2x2 slabs of 5 layers):", "",
              "| property | EMT | " + " | ".join(PLAN) + " |", "|---|---|" + "---|" * len(PLAN)]
    for row in rows:
        cells = [f"{row[name]:.3f} ({row[name + ' error']:+.3f})" for name in PLAN]
        lines.append(f"| {row['property']} | {row['EMT']:.3f} | " + " | ".join(cells) + " |")
    lines += ["", "cu_bp_perfect never saw a vacancy or a surface: its equation of state is as good as the "
              "others', its defect energies are not. That is the point of lesson 13's transferability section."]
    (MODELS / "MATERIALS.md").write_text("\n".join(lines) + "\n")
    print((MODELS / "MATERIALS.md").read_text())


def write_provenance() -> None:
    today, machine = _stamp()
    data_lines = [
        "# Copper data sets (lesson 13, Materials): provenance", "",
        f"Made by `assets/scripts/make_materials_data.py` on {today} ({machine}); the same seeds give the "
        "same files. Equivalent command for the training set:", "",
        "    nnpes data --reference emt --element Cu --supercell 2 --n 120 --rattle 0.1 --strain 0.04 "
        "--vacancies --surfaces --seed 1 --out cu_emt_train.extxyz", "",
        "Reference: ASE's `EMT` calculator (effective-medium theory; K. W. Jacobsen, P. Stoltze, J. K. Nørskov, "
        f"Surf. Sci. 366, 394 (1996)), ASE {ase.__version__}. Energies in eV (EMT's zero is close to the perfect "
        "crystal at rest), forces in eV/Å, stress in eV/Å³. Every frame carries its cell (`Lattice=`), "
        '`pbc="T T T"`, and `kind` = bulk, vacancy, surface-111 or surface-100.', "",
        "Structures: the 2x2x2 cubic supercell of fcc Cu (32 atoms) at EMT's lattice constant 3.590 Å, "
        "strained by F = 1 + ε (ε: the same stretch on all three axes, uniform in ±4 % of the length, i.e. "
        "about ±12 % of the volume, plus a symmetric shape change of up to ±2 % per entry) and rattled with Gaussian displacements of a width drawn uniformly in [0, 0.1] Å. "
        "With defects, every second structure lacks one atom (31 atoms) and every third is instead a 2x2 "
        "slab of 5 (111) or (100) layers (20 atoms) with 6 Å of vacuum on each side, strained in plane only.", "",
        "| file | structures | seed | kinds | size |", "|---|---|---|---|---|",
    ]
    for name, (count, defects, seed) in DATASETS.items():
        frames = read_dataset(DATA / f"{name}.extxyz")
        kinds = {}
        for frame in frames:
            kinds[frame.info["kind"]] = kinds.get(frame.info["kind"], 0) + 1
        size = (DATA / f"{name}.extxyz").stat().st_size / 1024
        data_lines.append(f"| {name}.extxyz | {count} | {seed} | "
                          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + f" | {size:.0f} KiB |")
    (DATA / "MATERIALS_PROVENANCE.md").write_text("\n".join(data_lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["data", "models"], help="make only the data or only the models")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every epoch count")
    parser.add_argument("--models", nargs="+", choices=list(PLAN), default=list(PLAN), help="models to (re)train")
    args = parser.parse_args()
    torch.set_num_threads(1)  # this is a script, not a library: one thread is fastest for these sizes
    if args.only != "models":
        make_data()
        write_provenance()
    if args.only != "data":
        train_models(args.scale, args.models)
        write_reports()


if __name__ == "__main__":
    main()
