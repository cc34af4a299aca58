"""Accuracy at equal training time on several molecules: train `bp` and `equivariant` with the defaults
of `nnpes train` (only the data and a wall-clock budget are passed) and print test-set force errors,
on the test set (the training temperatures) and on a hotter set (2500 K: extrapolation).

    python benchmarks/train_molecules.py                                  # everything found, 60 s and 300 s, seeds 0-2
    python benchmarks/train_molecules.py --molecules water --budgets 15 75 --seeds 0   # a short check
    python benchmarks/train_molecules.py --jobs 2                         # two runs at a time (one thread each)

Data: assets/data/{stem}_b3lyp_631gs_{train,val,test,hot}.extxyz (PySCF B3LYP/6-31G*); a molecule whose
files are missing is skipped, a missing hot set prints "-". The table gives the median over the seeds
and, per seed, whether the longer budget ended at least as well as the shorter one (monotone).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle threads sleep: robust on a shared machine
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from nnpes_core.data import read_dataset  # noqa: E402
from nnpes_core.data.batch import AtomicBatch  # noqa: E402
from nnpes_core.training import default_config, error_metrics, train_new_model  # noqa: E402

# name -> file stem in the data folder
MOLECULES = {"water": "water_b3lyp_631gs", "nh3": "nh3_b3lyp_631gs", "ch4": "ch4_b3lyp_631gs"}
# A small MACE model on this project's 2-core CPU, water (given with the task): test force MAE, meV/Å
MACE_WATER = {60.0: (7.0, 7.6), 300.0: (2.2, 4.1)}


def data_files(data_dir: Path, molecule: str) -> dict[str, Path] | None:
    """The molecule's train/val/test (and, if present, hot) files, or None when a needed one is missing."""
    stem = MOLECULES.get(molecule, molecule)
    files = {part: data_dir / f"{stem}_{part}.extxyz" for part in ("train", "val", "test", "hot")}
    if not all(files[part].exists() for part in ("train", "val", "test")):
        return None
    if not files["hot"].exists():
        del files["hot"]
    return files


def run_one(task: dict) -> dict:
    """Train one model for one budget and seed; its test (and hot) errors in meV/Å and meV/atom."""
    torch.set_num_threads(task["threads"])
    frames = {part: read_dataset(path) for part, path in task["files"].items()}
    config = default_config(task["kind"], time_budget=task["budget"], epochs=10**9, device=task["device"],
                            seed=task["seed"], threads=task["threads"], **task["overrides"])
    result = train_new_model(task["kind"], frames["train"], frames["val"], config)
    row = {key: task[key] for key in ("molecule", "kind", "budget", "seed")}
    row.update(epochs=result.epochs_run, best_epoch=result.best_epoch, seconds=round(result.elapsed, 1))
    for part in ("test", "hot"):
        if part in frames:
            batch = AtomicBatch.from_atoms(frames[part], result.model.cutoff_radius,
                                           dtype=getattr(torch, config.dtype), device=config.device)
            metrics = error_metrics(result.model, batch)
            row[f"{part}_force_mae"] = metrics["force_mae_mev_per_a"]
            row[f"{part}_energy_mae"] = metrics["energy_mae_mev_per_atom"]
    return row


def median(rows: list[dict], key: str) -> float | None:
    values = [row[key] for row in rows if row.get(key) is not None]
    return statistics.median(values) if values else None


def summary_table(rows: list[dict], budgets: list[float]) -> str:
    """Medians over seeds per molecule, model and budget, and the monotonicity check per seed."""
    lines = [f"{'molecule':<9} {'model':<12} {'budget/s':>8} {'seeds':>5} {'epochs':>7} {'E MAE meV/atom':>15} "
             f"{'F MAE meV/Å':>12} {'(min-max)':>13} {'hot F MAE':>10}"]
    lines.append("-" * len(lines[0]))
    groups = sorted({(row["molecule"], row["kind"]) for row in rows}, key=lambda g: (list(MOLECULES).index(g[0])
                                                                                     if g[0] in MOLECULES else 99, g[1]))
    for molecule, kind in groups:
        for budget in budgets:
            done = [row for row in rows if (row["molecule"], row["kind"], row["budget"]) == (molecule, kind, budget)]
            if not done:
                continue
            forces = [row["test_force_mae"] for row in done]
            hot = median(done, "hot_force_mae")
            lines.append(f"{molecule:<9} {kind:<12} {budget:>8.0f} {len(done):>5} {median(done, 'epochs'):>7.0f} "
                         f"{median(done, 'test_energy_mae'):>15.3f} {statistics.median(forces):>12.2f} "
                         f"{f'({min(forces):.2f}-{max(forces):.2f})':>13} {'-' if hot is None else f'{hot:.2f}':>10}")
        # monotone: for every seed, each longer budget ends at least as well as every shorter one
        by_seed: dict[int, dict[float, float]] = {}
        for row in rows:
            if (row["molecule"], row["kind"]) == (molecule, kind):
                by_seed.setdefault(row["seed"], {})[row["budget"]] = row["test_force_mae"]
        checks = []
        for seed, errors in sorted(by_seed.items()):
            ordered = [errors[b] for b in sorted(errors)]
            if len(ordered) > 1:
                checks.append(f"seed {seed}: {'yes' if all(b <= a for a, b in zip(ordered, ordered[1:])) else 'NO'}")
        if checks:
            lines.append(f"{'':<9} {kind:<12} longer budget not worse (test F MAE) - {', '.join(checks)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--molecules", nargs="+", help=f"default: those of {', '.join(MOLECULES)} whose files exist")
    parser.add_argument("--models", nargs="+", default=["bp", "equivariant"])
    parser.add_argument("--budgets", nargs="+", type=float, default=[60.0, 300.0], help="seconds")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "assets" / "data")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per run (1 is the fastest, see README)")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (each its own process)")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--dtype", choices=["float32", "float64"])
    parser.add_argument("--json", type=Path, help="also write every run's numbers here")
    args = parser.parse_args(argv)

    overrides = {key: value for key, value in dict(batch_size=args.batch_size, learning_rate=args.lr,
                                                   dtype=args.dtype).items() if value is not None}
    tasks = []
    for molecule in args.molecules or list(MOLECULES):
        files = data_files(args.data_dir, molecule)
        if files is None:
            print(f"{molecule}: no data in {args.data_dir}, skipped")
            continue
        sizes = {part: len(read_dataset(path)) for part, path in files.items()}
        print(f"{molecule}: " + ", ".join(f"{n} {part}" for part, n in sizes.items()))
        tasks += [dict(molecule=molecule, kind=kind, budget=budget, seed=seed, files=files, device=args.device,
                       threads=args.threads, overrides=overrides)
                  for kind in args.models for budget in args.budgets for seed in args.seeds]
    print(f"{len(tasks)} runs, {sum(t['budget'] for t in tasks) / 60 / max(args.jobs, 1):.0f} min of training; "
          f"{args.threads} thread(s) per run, {args.jobs} at a time, device {args.device}", flush=True)

    rows = []
    with ProcessPoolExecutor(max_workers=args.jobs) if args.jobs > 1 else _InProcess() as pool:
        for row in pool.map(run_one, tasks):
            rows.append(row)
            hot = f", hot {row['hot_force_mae']:.2f}" if "hot_force_mae" in row else ""
            print(f"  {row['molecule']} {row['kind']} {row['budget']:.0f} s seed {row['seed']}: {row['epochs']} epochs "
                  f"(best {row['best_epoch']}), test F MAE {row['test_force_mae']:.2f} meV/Å{hot}", flush=True)
    print()
    print(summary_table(rows, sorted(args.budgets)))
    print(f"\nReference: a small MACE on water, 2-core CPU: {MACE_WATER[60.0][0]}-{MACE_WATER[60.0][1]} meV/Å "
          f"at 60 s, {MACE_WATER[300.0][0]}-{MACE_WATER[300.0][1]} at 300 s (the goal: half of that).")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


class _InProcess:
    """``pool.map`` without a pool (one run at a time, in this process)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, function, items):
        return map(function, items)


if __name__ == "__main__":
    main()
