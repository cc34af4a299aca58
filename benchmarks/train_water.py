"""Accuracy at equal training time: train `bp` and `equivariant` on the shipped water data
(PySCF B3LYP/6-31G*) with wall-clock budgets and print test-set errors.

    python benchmarks/train_water.py                      # 60 s and 300 s, 1 CPU thread (the default)
    python benchmarks/train_water.py --threads 2          # both cores
    python benchmarks/train_water.py --budgets 60 --models equivariant --repeats 3
    python benchmarks/train_water.py --device cuda        # on a GPU

Only the data is passed (with nothing else, the defaults of `nnpes train` are what is measured),
unless --batch-size / --lr / --dtype are given.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle threads sleep: robust on a shared machine
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from nnpes_core.data import read_dataset  # noqa: E402
from nnpes_core.data.batch import AtomicBatch  # noqa: E402
from nnpes_core.training import default_config, error_metrics, resolve_device, train_new_model  # noqa: E402

DATA = ROOT / "assets" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["bp", "equivariant"])
    parser.add_argument("--budgets", nargs="+", type=float, default=[60.0, 300.0], help="seconds")
    parser.add_argument("--repeats", type=int, default=1, help="seeds per setting; the median is printed")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads; 1 is the fastest for water (tiny tensors), see README")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--dtype", choices=["float32", "float64"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    train = read_dataset(DATA / "water_b3lyp_631gs_train.extxyz")
    val = read_dataset(DATA / "water_b3lyp_631gs_val.extxyz")
    test = read_dataset(DATA / "water_b3lyp_631gs_test.extxyz")
    device = resolve_device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {args.threads} threads"
    print(f"water B3LYP/6-31G*: {len(train)} train, {len(val)} val, {len(test)} test structures; {name}")
    header = (f"{'model':<12} {'budget/s':>8} {'epochs':>7} {'dtype':>8} {'batch':>6} "
              f"{'E MAE meV/atom':>15} {'F MAE meV/Å':>12} {'F RMSE meV/Å':>13}")
    print(header)
    print("-" * len(header))
    for kind in args.models:
        for budget in args.budgets:
            rows = []
            for seed in range(args.repeats):
                overrides = {k: v for k, v in dict(batch_size=args.batch_size, learning_rate=args.lr,
                                                   dtype=args.dtype).items() if v is not None}
                config = default_config(kind, time_budget=budget, epochs=10**9, device=str(device),
                                        seed=seed, threads=args.threads, **overrides)
                result = train_new_model(kind, train, val, config)
                batch = AtomicBatch.from_atoms(test, result.model.cutoff_radius, dtype=getattr(torch, config.dtype),
                                               device=device)
                metrics = error_metrics(result.model, batch)
                rows.append((result.epochs_run, metrics["energy_mae_mev_per_atom"], metrics["force_mae_mev_per_a"],
                             metrics["force_rmse_mev_per_a"]))
            epochs, energy, force, force_rmse = (statistics.median(column) for column in zip(*rows))
            print(f"{kind:<12} {budget:>8.0f} {epochs:>7.0f} {config.dtype:>8} {config.batch_size:>6} "
                  f"{energy:>15.3f} {force:>12.2f} {force_rmse:>13.2f}", flush=True)


if __name__ == "__main__":
    main()
