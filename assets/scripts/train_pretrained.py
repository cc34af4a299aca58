"""Train the demo models shipped in assets/models/ (so every page is useful on first load).

    OMP_NUM_THREADS=2 .venv/bin/python assets/scripts/train_pretrained.py [--scale 1.0]

All models are trained on the shipped water data (PySCF B3LYP/6-31G*, assets/data/) with the default
settings of `nnpes train` and fixed seeds and wall-clock budgets; the test-set errors are written to
assets/models/README.md. --scale multiplies every budget (0.1 for a quick trial run).
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from nnpes_core.data import read_dataset  # noqa: E402
from nnpes_core.data.batch import AtomicBatch  # noqa: E402
from nnpes_core.models import Committee, save_model  # noqa: E402
from nnpes_core.training import default_config, error_metrics, train_new_model  # noqa: E402

DATA, MODELS = ROOT / "assets" / "data", ROOT / "assets" / "models"
# name: (kind, seconds of training)
PLAN = {"water_bp": ("bp", 120), "water_equivariant": ("equivariant", 180),
        "water_cartesian": ("cartesian", 60), "water_direct": ("direct", 60)}
COMMITTEE_MEMBERS, COMMITTEE_SECONDS = 4, 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every time budget")
    parser.add_argument("--only", nargs="*", help="names to (re)train, e.g. water_bp")
    args = parser.parse_args()
    train, val, test = (read_dataset(DATA / f"water_b3lyp_631gs_{part}.extxyz") for part in ("train", "val", "test"))
    MODELS.mkdir(parents=True, exist_ok=True)
    rows = []

    def report(name, model, seconds, epochs, note=""):
        batch = AtomicBatch.from_atoms(test, model.cutoff_radius, dtype=next(model.parameters()).dtype)
        metrics = error_metrics(model, batch)
        rows.append((name, seconds, epochs, metrics, note))
        print(f"{name:<20} {seconds:6.0f} s {epochs:6d} epochs  E {metrics['energy_mae_mev_per_atom']:.3f} "
              f"meV/atom  F {metrics['force_mae_mev_per_a']:.2f} meV/Å", flush=True)

    for name, (kind, seconds) in PLAN.items():
        if args.only and name not in args.only:
            continue
        config = default_config(kind, time_budget=seconds * args.scale, epochs=10**9, seed=0)
        result = train_new_model(kind, train, val, config)
        save_model(result.model, MODELS / f"{name}.pt", {"trained_on": "water_b3lyp_631gs_train.extxyz",
                                                         "seconds": seconds * args.scale,
                                                         "epochs": result.epochs_run})
        report(name, result.model, seconds * args.scale, result.epochs_run)

    if not args.only or "water_committee" in args.only:
        # members differ in their initial weights and in a bootstrap half of the training data, so that
        # their spread grows where data are scarce (high-temperature, distorted geometries)
        members, epochs = [], 0
        rng = np.random.default_rng(0)
        for seed in range(COMMITTEE_MEMBERS):
            subset = [train[i] for i in rng.choice(len(train), size=len(train) // 2, replace=False)]
            config = default_config("bp", time_budget=COMMITTEE_SECONDS * args.scale, epochs=10**9, seed=seed)
            result = train_new_model("bp", subset, val, config)
            members.append(result.model)
            epochs += result.epochs_run
        committee = Committee(members)
        save_model(committee, MODELS / "water_committee.pt", {"members": COMMITTEE_MEMBERS,
                                                             "trained_on": "bootstrap halves of the training set"})
        report("water_committee", committee, COMMITTEE_MEMBERS * COMMITTEE_SECONDS * args.scale, epochs,
               f"{COMMITTEE_MEMBERS} bp members, each on a random half of the training set")

    if args.only:
        return
    lines = [
        "# Pretrained demo models", "",
        "Made by `assets/scripts/train_pretrained.py` on "
        f"{datetime.date.today().isoformat()} (PyTorch {torch.__version__}, Python {platform.python_version()}, "
        f"{torch.get_num_threads()} CPU threads). Regenerate with", "",
        "    OMP_NUM_THREADS=2 .venv/bin/python assets/scripts/train_pretrained.py", "",
        "Training data: `assets/data/water_b3lyp_631gs_train.extxyz` (validation: `..._val`), PySCF "
        "B3LYP/6-31G* (see assets/data/PROVENANCE.md). Default settings of `nnpes train` (float32), seed 0, "
        "wall-clock budgets as listed. Errors on the 300 test structures:", "",
        "| file | training | epochs | energy MAE (meV/atom) | force MAE (meV/Å) | force RMSE (meV/Å) | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, seconds, epochs, m, note in rows:
        lines.append(f"| {name}.pt | {seconds:.0f} s | {epochs} | {m['energy_mae_mev_per_atom']:.3f} | "
                     f"{m['force_mae_mev_per_a']:.2f} | {m['force_rmse_mev_per_a']:.2f} | {note} |")
    lines += ["", "The cartesian model is the naive counter-example (not invariant) and the direct model the "
              "non-conservative one: their low test errors here are on data in the training orientation; "
              "lessons 2, 4 and 6 show where they fail."]
    (MODELS / "README.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
