"""Active learning on the shipped water data: uncertainty vs random selection, the same labels budget,
median of several seeds, and the labels each strategy needs to reach a target test force MAE.

The pool is the 1000 training structures (PySCF B3LYP/6-31G*, labels revealed only when picked), the test
set the 300 test structures. Each round retrains the committee from scratch for a fixed number of epochs
per member (not a time budget), so the numbers do not depend on how busy the machine is.

    python benchmarks/active_learning.py                                   # the full run (the shipped result)
    python benchmarks/active_learning.py --rounds 2 --committee 2 --epochs 30 --seeds 0   # a quick check
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle threads sleep: robust on a shared machine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from nnpes_core.active_learning import ActiveLearningSettings, PoolSource  # noqa: E402
from nnpes_core.active_learning.comparison import StrategyComparison, compare_strategies  # noqa: E402
from nnpes_core.data import read_dataset  # noqa: E402

DATA = ROOT / "assets" / "data"


def parser(description: str = __doc__) -> argparse.ArgumentParser:
    """The settings of a comparison (shared with assets/scripts/make_active_learning_results.py)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="bp")
    parser.add_argument("--start", type=int, default=10, help="labelled structures to begin with")
    parser.add_argument("--add", type=int, default=10, help="labels per round")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--committee", type=int, default=3, help="members")
    parser.add_argument("--epochs", type=int, default=150, help="per member and round")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--targets", nargs="+", type=float, default=[10.0, 20.0, 30.0], help="meV/Å")
    return parser


def run(args) -> StrategyComparison:
    pool = read_dataset(DATA / "water_b3lyp_631gs_train.extxyz")
    test = read_dataset(DATA / "water_b3lyp_631gs_test.extxyz")
    settings = ActiveLearningSettings(kind=args.model, n_start=args.start, n_add=args.add, rounds=args.rounds,
                                      committee_size=args.committee, epochs=args.epochs)
    print(f"water B3LYP/6-31G*: pool {len(pool)}, test {len(test)}; {args.model} committee of {args.committee}, "
          f"{args.start} + {args.rounds} x {args.add} labels, {args.epochs} epochs per member and round, "
          f"seeds {args.seeds}", flush=True)
    started = time.perf_counter()
    comparison = compare_strategies(lambda: PoolSource(pool), test, settings, args.seeds,
                                    progress=lambda done, total, text: print(f"  run {done + 1}/{total}: {text} "
                                                                             f"({time.perf_counter() - started:.0f} s)",
                                                                             flush=True))
    comparison.provenance["seconds"] = round(time.perf_counter() - started, 1)
    return comparison


def print_tables(comparison: StrategyComparison, targets) -> None:
    print()
    labels = comparison.labels(comparison.strategies[0])
    print("median test force MAE (meV/Å) over seeds, by labels")
    print(f"{'labels':>7}  " + "  ".join(f"{name:>12}" for name in comparison.strategies))
    medians = {name: comparison.median(name)[1] for name in comparison.strategies}
    for row, count in enumerate(labels):
        print(f"{count:7d}  " + "  ".join(f"{medians[name][row]:12.1f}" for name in comparison.strategies))
    print()
    header = f"{'strategy':<12} {'seeds':>5} {'final MAE (median, range)':>28} " + " ".join(
        f"{f'labels to {t:g}':>13}" for t in targets)
    print(header)
    print("-" * len(header))
    for name in comparison.strategies:
        row = comparison.table(targets[0])[comparison.strategies.index(name)]
        reach = [comparison.labels_to_reach(name, t) for t in targets]
        print(f"{name:<12} {row['seeds']:>5} {row['final_median']:>10.1f} ({row['final_min']:.1f}-{row['final_max']:.1f})"
              f"{'':>6} " + " ".join(f"{(str(r) if r is not None else '> ' + str(row['labels'])):>13}" for r in reach))
    print(f"\n{comparison.provenance['seconds']:.0f} s in all")


if __name__ == "__main__":
    arguments = parser().parse_args()
    print_tables(run(arguments), arguments.targets)
