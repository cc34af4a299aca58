"""Train the small ammonia and methane models shipped in assets/models/ ({nh3,ch4}_bp.pt) and write their
test errors to assets/models/MOLECULES.md.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python assets/scripts/train_molecule_models.py [--scale 1.0]

Each is a Behler-Parrinello model from ``train_new_model`` with the default configuration of its kind (the
settings of `nnpes train`: float32, one CPU thread), seed 0, and a wall-clock budget (120 s by default;
--scale multiplies it). Data: assets/data/{nh3,ch4}_b3lyp_631gs_{train,val}.extxyz (PySCF B3LYP/6-31G*,
see assets/data/MOLECULES_PROVENANCE.md). Errors are measured on the test set (300-1500 K, like the
training data), on the hotter 2500 K set (extrapolation), and as harmonic wavenumbers at the model's own
minimum against the reference Hessian. A wall-clock budget makes the number of epochs depend on the
machine: the epochs reached are recorded with each model.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from nnpes_core.analysis.frequency_comparison import frequency_table, model_minimum  # noqa: E402
from nnpes_core.analysis.vibrations import harmonic_analysis  # noqa: E402
from nnpes_core.cli import file_sha256  # noqa: E402
from nnpes_core.data import read_dataset  # noqa: E402
from nnpes_core.data.batch import AtomicBatch  # noqa: E402
from nnpes_core.data.reference_hessian import read_reference_hessian  # noqa: E402
from nnpes_core.threads import torch_threads  # noqa: E402
from nnpes_core.training import default_config, error_metrics, train_new_model  # noqa: E402

DATA, MODELS = ROOT / "assets" / "data", ROOT / "assets" / "models"
MOLECULES = {"nh3": "ammonia", "ch4": "methane"}
KIND, SECONDS, SEED = "bp", 120.0, 0


def errors(model, frames) -> dict:
    batch = AtomicBatch.from_atoms(frames, model.cutoff_radius, dtype=next(model.parameters()).dtype)
    return error_metrics(model, batch)


def frequency_errors(model, stem: str) -> tuple[float, float]:
    """(mean, largest) |model - reference| harmonic wavenumber in cm^-1, model at its own minimum."""
    reference = read_reference_hessian(DATA / f"{stem}_b3lyp_631gs_hessian.json")
    expected = harmonic_analysis(reference.hessian, reference.atoms.get_masses(), reference.atoms.positions)
    with torch_threads(1):
        found = model_minimum(model, reference.atoms.copy(), torch.float64, fmax=1e-4)
    differences = np.abs([row["difference (cm⁻¹)"] for row in frequency_table(expected, found.analysis)])
    return float(differences.mean()), float(differences.max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the time budget")
    parser.add_argument("--only", nargs="*", choices=list(MOLECULES))
    args = parser.parse_args()
    MODELS.mkdir(parents=True, exist_ok=True)
    rows = []
    for stem, name in MOLECULES.items():
        if args.only and stem not in args.only:
            continue
        train, val, test, hot = (read_dataset(DATA / f"{stem}_b3lyp_631gs_{part}.extxyz")
                                 for part in ("train", "val", "test", "hot"))
        seconds = SECONDS * args.scale
        config = default_config(KIND, time_budget=seconds, epochs=10**9, seed=SEED)
        path = MODELS / f"{stem}_bp.pt"
        config.checkpoint_path = str(path)  # the trainer writes the best model there, with provenance
        data = {part: {"file": f"assets/data/{stem}_b3lyp_631gs_{part}.extxyz", "structures": len(frames),
                       "sha256": file_sha256(DATA / f"{stem}_b3lyp_631gs_{part}.extxyz")}
                for part, frames in (("train", train), ("val", val))}
        print(f"{name}: training {KIND} on {len(train)} structures for {seconds:.0f} s "
              f"({config.threads} thread, {config.dtype})", flush=True)
        result = train_new_model(KIND, train, val, config, metadata={"data": data})
        test_metrics, hot_metrics = errors(result.model, test), errors(result.model, hot)
        mean_cm1, max_cm1 = frequency_errors(result.model, stem)
        rows.append((stem, name, seconds, result.epochs_run, test_metrics, hot_metrics, mean_cm1, max_cm1))
        print(f"{name}: {result.epochs_run} epochs; test E {test_metrics['energy_mae_mev_per_atom']:.3f} meV/atom, "
              f"F {test_metrics['force_mae_mev_per_a']:.2f} meV/Å; 2500 K E "
              f"{hot_metrics['energy_mae_mev_per_atom']:.3f} meV/atom, F {hot_metrics['force_mae_mev_per_a']:.2f} "
              f"meV/Å; wavenumbers {mean_cm1:.1f} cm⁻¹ mean, {max_cm1:.1f} max -> {path}", flush=True)
    if args.only:
        return
    lines = [
        "# Pretrained ammonia and methane models", "",
        f"Made by `assets/scripts/train_molecule_models.py` on {datetime.date.today().isoformat()} (PyTorch "
        f"{torch.__version__}, Python {platform.python_version()}, one CPU thread, `nice -n 10` on a shared "
        "machine). Regenerate with", "",
        "    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python assets/scripts/train_molecule_models.py", "",
        f"Behler-Parrinello models (`{KIND}`) from `train_new_model` with the default configuration (float32), "
        f"seed {SEED}, a wall-clock budget of {SECONDS:.0f} s each: the number of epochs reached depends on the "
        "machine and its load. Training data: `assets/data/{nh3,ch4}_b3lyp_631gs_train.extxyz` (600 structures, "
        "validation `_val`, 100), PySCF B3LYP/6-31G* (assets/data/MOLECULES_PROVENANCE.md). Errors on the test "
        "set (200 structures, 300-1500 K like the training data) and on the hot set (200 structures at "
        "2500 K, outside the training range); harmonic wavenumbers at the model's own minimum against the "
        "reference Hessian (`{nh3,ch4}_b3lyp_631gs_hessian.json`).", "",
        "| file | training | epochs | test E MAE (meV/atom) | test F MAE (meV/Å) | test F RMSE (meV/Å) "
        "| 2500 K E MAE (meV/atom) | 2500 K F MAE (meV/Å) | wavenumbers: mean / max error (cm⁻¹) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for stem, name, seconds, epochs, test_m, hot_m, mean_cm1, max_cm1 in rows:
        lines.append(f"| {stem}_bp.pt ({name}) | {seconds:.0f} s | {epochs} | {test_m['energy_mae_mev_per_atom']:.3f} "
                     f"| {test_m['force_mae_mev_per_a']:.2f} | {test_m['force_rmse_mev_per_a']:.2f} "
                     f"| {hot_m['energy_mae_mev_per_atom']:.3f} | {hot_m['force_mae_mev_per_a']:.2f} "
                     f"| {mean_cm1:.1f} / {max_cm1:.1f} |")
    lines += ["", "Used by lesson 11 (Vibrational spectra) and `nnpes vib`."]
    (MODELS / "MOLECULES.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
