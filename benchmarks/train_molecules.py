"""Accuracy at equal training time on several molecules: train `bp` and `equivariant` with the defaults
of `nnpes train` (only the data and a wall-clock budget are passed) and print test-set force errors,
on the test set (the training temperatures) and on a hotter set (2500 K: extrapolation).

    python benchmarks/train_molecules.py                                  # everything found, 60 s and 300 s, seeds 0-2
    python benchmarks/train_molecules.py --quick                          # smoke run: water, bp, 3 s and 6 s
    python benchmarks/train_molecules.py --epochs 150 --seeds 0 --jobs 2 # equal epochs instead of equal time
    python benchmarks/train_molecules.py --molecules water --seeds 0 --recipe old new --jobs 2
                                                                          # the old recipe next to the defaults

Every training runs in a fresh Python process with one thread (``--jobs`` of them at a time), so runs
do not share caches or thread pools. The machine load (os.getloadavg, 1 min) is printed before and
after every run: on a shared machine the epochs reached in a budget depend on it.

Data: assets/data/{stem}_b3lyp_631gs_{train,val,test,hot}.extxyz (PySCF B3LYP/6-31G*); a molecule whose
files are missing is skipped, a missing hot set prints "-". The table gives the median over the seeds
and, per seed, whether the longer budget ended at least as well as the shorter one (monotone).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
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
# Training recipes: "new" = the defaults of `nnpes train`; "old" = the defaults before issue 9 (the kept
# epoch picked by the squared validation loss, no weight average)
RECIPES = {"new": {}, "old": {"selection": "loss", "ema_decay": None}}


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
    by_epochs = task.get("by_epochs", False)  # budget = a number of epochs (the schedule spans them), not seconds
    config = default_config(task["kind"], time_budget=None if by_epochs else task["budget"],
                            epochs=int(task["budget"]) if by_epochs else 10**9, device=task["device"],
                            seed=task["seed"], threads=task["threads"],
                            **{**RECIPES[task["recipe"]], **task["overrides"]})
    result = train_new_model(task["kind"], frames["train"], frames["val"], config)
    row = {key: task.get(key) for key in ("molecule", "kind", "recipe", "budget", "seed", "by_epochs")}
    row.update(epochs=result.epochs_run, best_epoch=result.best_epoch, seconds=round(result.elapsed, 1))
    for part in ("test", "hot"):
        if part in frames:
            batch = AtomicBatch.from_atoms(frames[part], result.model.cutoff_radius,
                                           dtype=getattr(torch, config.dtype), device=config.device)
            metrics = error_metrics(result.model, batch)
            row[f"{part}_force_mae"] = metrics["force_mae_mev_per_a"]
            row[f"{part}_energy_mae"] = metrics["energy_mae_mev_per_atom"]
    return row


def run_in_subprocess(task: dict) -> dict:
    """``run_one`` in a fresh Python process (one thread); the machine load before and after."""
    before = os.getloadavg()[0]
    env = {**os.environ, "OMP_NUM_THREADS": str(task["threads"]), "MKL_NUM_THREADS": str(task["threads"])}
    payload = json.dumps({**task, "files": {part: str(path) for part, path in task["files"].items()}})
    done = subprocess.run([sys.executable, __file__, "--run-one", payload], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"run {task['molecule']} {task['kind']} {task['budget']} s failed:\n{done.stderr[-2000:]}")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row.update(load_before=before, load_after=os.getloadavg()[0])
    return row


def median(rows: list[dict], key: str) -> float | None:
    values = [row[key] for row in rows if row.get(key) is not None]
    return statistics.median(values) if values else None


def order_key(row: dict) -> tuple:
    molecule = list(MOLECULES).index(row["molecule"]) if row["molecule"] in MOLECULES else 99
    return molecule, row["kind"], list(RECIPES).index(row["recipe"]), row["seed"], row["budget"]


def budget_label(row: dict) -> str:
    return f"{row['budget']:.0f} ep" if row.get("by_epochs") else f"{row['budget']:.0f} s"


def results_table(rows: list[dict]) -> str:
    """One line per run (test and hot-set errors), then per model and seed whether the longer budget
    ended at least as well as every shorter one (test force MAE)."""
    header = (f"{'molecule':<9} {'model':<12} {'recipe':<6} {'seed':>4} {'budget':>8} {'epochs':>7} {'kept':>6} "
              f"{'seconds':>7} {'test F MAE meV/Å':>17} {'hot F MAE meV/Å':>16} {'E MAE meV/atom':>15} "
              f"{'load before-after':>18}")
    lines = [header, "-" * len(header)]
    for row in sorted(rows, key=order_key):
        hot = row.get("hot_force_mae")
        lines.append(f"{row['molecule']:<9} {row['kind']:<12} {row['recipe']:<6} {row['seed']:>4} "
                     f"{budget_label(row):>8} {row['epochs']:>7} {row['best_epoch']:>6} {row['seconds']:>7.0f} "
                     f"{row['test_force_mae']:>17.2f} "
                     f"{'-' if hot is None else f'{hot:.2f}':>16} {row['test_energy_mae']:>15.3f} "
                     f"{row['load_before']:>8.2f}-{row['load_after']:<9.2f}")
    lines.append("")
    runs: dict[tuple, dict[float, float]] = {}
    for row in rows:
        key = (row["molecule"], row["kind"], row["recipe"], row["seed"])
        runs.setdefault(key, {})[row["budget"]] = row["test_force_mae"]
    for key in sorted(runs, key=lambda k: order_key(dict(zip(("molecule", "kind", "recipe", "seed"), k), budget=0))):
        errors = [runs[key][budget] for budget in sorted(runs[key])]
        if len(errors) > 1:
            monotone = all(later <= earlier for earlier, later in zip(errors, errors[1:]))
            lines.append(f"{key[0]} {key[1]} ({key[2]} recipe, seed {key[3]}): longer {'training' if rows[0].get('by_epochs') else 'budget'} not worse: "
                         f"{'yes' if monotone else 'NO'} ({' -> '.join(f'{e:.2f}' for e in errors)} meV/Å)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--molecules", nargs="+", help=f"default: those of {', '.join(MOLECULES)} whose files exist")
    parser.add_argument("--models", nargs="+", default=["bp", "equivariant"])
    parser.add_argument("--budgets", nargs="+", type=float, default=[60.0, 300.0], help="seconds")
    parser.add_argument("--epochs", nargs="+", type=int,
                        help="train for these numbers of epochs instead of --budgets (equal epochs, not equal time)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--recipe", nargs="+", choices=list(RECIPES), default=["new"],
                        help="new: the defaults; old: squared-loss selection, no weight average")
    parser.add_argument("--quick", action="store_true", help="a smoke run: water, bp, 3 s and 6 s, seed 0")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "assets" / "data")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per run (1 is the fastest, see README)")
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (each its own process)")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--dtype", choices=["float32", "float64"])
    parser.add_argument("--json", type=Path, help="also write every run's numbers here")
    parser.add_argument("--run-one", help=argparse.SUPPRESS)  # internal: one run, its row as JSON on stdout
    args = parser.parse_args(argv)
    if args.run_one:
        print(json.dumps(run_one(json.loads(args.run_one))))
        return
    if args.quick:
        args.molecules, args.models, args.budgets, args.seeds = ["water"], ["bp"], [3.0, 6.0], [0]

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
        budgets = args.epochs or args.budgets
        tasks += [dict(molecule=molecule, kind=kind, recipe=recipe, budget=float(budget), seed=seed, files=files,
                       device=args.device, threads=args.threads, overrides=overrides, by_epochs=bool(args.epochs))
                  for kind in args.models for recipe in args.recipe for seed in args.seeds for budget in budgets]
    # the longest runs first, so that two at a time end together
    tasks.sort(key=lambda task: -task["budget"])
    print(f"{len(tasks)} runs" + ("" if args.epochs else
          f", {sum(t['budget'] for t in tasks) / 60 / max(args.jobs, 1):.0f} min of training") + "; "
          f"{args.threads} thread(s) per run, {args.jobs} at a time, device {args.device}; "
          f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)", flush=True)

    rows = []
    with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        for row in pool.map(run_in_subprocess, tasks):
            rows.append(row)
            hot = f", hot {row['hot_force_mae']:.2f}" if "hot_force_mae" in row else ""
            print(f"  {row['molecule']} {row['kind']} {row['recipe']} {budget_label(row)} seed {row['seed']}: "
                  f"{row['epochs']} epochs (kept {row['best_epoch']}) in {row['seconds']:.0f} s, test F MAE {row['test_force_mae']:.2f} meV/Å"
                  f"{hot}; load {row['load_before']:.2f} -> {row['load_after']:.2f}", flush=True)
            if args.json:
                args.json.write_text(json.dumps(rows, indent=1))
    print()
    print(results_table(rows))
    print(f"\nload at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    print(f"Reference: a small MACE on water, 2-core CPU: {MACE_WATER[60.0][0]}-{MACE_WATER[60.0][1]} meV/Å "
          f"at 60 s, {MACE_WATER[300.0][0]}-{MACE_WATER[300.0][1]} at 300 s.")


if __name__ == "__main__":
    main()
