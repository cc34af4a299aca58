"""``nnpes al``: pool-based active learning by a committee of models; prints the learning curve (lesson 11).

    nnpes al --pool P.extxyz --test T.extxyz --model bp --start 10 --add 10 --rounds 5 --strategy uncertainty
             --committee 4 --time-budget 20 --seed 0 [--json]

Each round labels the pool structures where the committee's forces disagree most (or random ones, the
baseline) and retrains; the test set only scores the curve.
"""
from __future__ import annotations

import argparse
import json

from nnpes_core.cli.common import CommandError, read_structures


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``nnpes`` parser."""
    from nnpes_core.models.registry import ATOMISTIC, model_kinds  # (imports torch: after main's setup)

    al = subparsers.add_parser("al", help="pool-based active learning by committee: prints the learning curve")
    al.add_argument("--pool", required=True, help="labelled candidates (extended XYZ); labels are revealed "
                    "only for the structures picked")
    al.add_argument("--test", required=True, help="labelled test structures (only for the learning curve)")
    al.add_argument("--model", default="bp", help=f"model kind of the members: {', '.join(model_kinds(ATOMISTIC))}")
    al.add_argument("--start", type=int, default=10, help="labelled structures to begin with (random, seeded)")
    al.add_argument("--add", type=int, default=10, help="labels added per round")
    al.add_argument("--rounds", type=int, default=5)
    al.add_argument("--strategy", default="uncertainty", help="uncertainty (largest committee force spread) "
                    "or random")
    al.add_argument("--committee", type=int, default=4, help="members (differing in seed and bootstrap subset)")
    al.add_argument("--time-budget", type=float, help="seconds of training per round, shared by the members")
    al.add_argument("--epochs", type=int, help="epochs per member and round (default 300, or no limit with "
                    "--time-budget)")
    al.add_argument("--seed", type=int, default=0)
    al.add_argument("--json", action="store_true", help="print one JSON object")


def command_al(args: argparse.Namespace) -> None:
    from nnpes_core.active_learning import ActiveLearningSettings, PoolSource, check_strategy, run_active_learning
    from nnpes_core.active_learning.pool import budget_fits
    from nnpes_core.models.registry import ATOMISTIC, kind_spec

    check_strategy(args.strategy)
    if kind_spec(args.model).world != ATOMISTIC:
        raise CommandError(f"--model {args.model} is a 2-D surface model; active learning on structures needs an "
                           "atomistic kind")
    pool, test = read_structures(args.pool), read_structures(args.test)
    epochs = args.epochs if args.epochs is not None else (10**9 if args.time_budget is not None else 300)
    settings = ActiveLearningSettings(kind=args.model, n_start=args.start, n_add=args.add, rounds=args.rounds,
                                      strategy=args.strategy, committee_size=args.committee,
                                      time_budget=args.time_budget, epochs=epochs, seed=args.seed)
    settings.validate()
    source = PoolSource(pool)
    budget_fits(source, args.start, args.add, args.rounds)
    if not args.json:
        print(f"active learning: {args.model} committee of {args.committee}, pool of {len(pool)} structures "
              f"({args.pool}), {args.start} to start, {args.add} per round, {args.rounds} rounds, "
              f"strategy {args.strategy}; test: {len(test)} structures", flush=True)
        print(f"{'labels':>7}  {'force MAE (meV/Å)':>18}  {'energy MAE (meV/atom)':>22}  {'max spread (eV/Å)':>18}",
              flush=True)

    class Printer:  # prints each round as soon as it is recorded (the jobs.Progress interface)
        stop_requested, shown = False, 0

        def update(self, fraction=None, message=None, curve=(), **partial):
            for entry in curve[self.shown:] if not args.json else ():
                spread = entry["max_spread"]
                print(f"{entry['labels']:7d}  {entry['test']['force_mae']:18.2f}  "
                      f"{entry['test']['energy_mae_per_atom']:22.3f}  "
                      f"{'—' if spread != spread else f'{spread:.4f}':>18}", flush=True)
            self.shown = max(self.shown, len(curve))

    run = run_active_learning(source, test, settings, Printer())
    if any(value != value for value in run.curve()):
        raise CommandError("the committee predicts NaN on the test structures")
    result = {"labels": run.labels, "force_mae_mev_per_a": run.curve("force_mae"),
              "energy_mae_mev_per_atom": run.curve("energy_mae_per_atom"),
              "max_spread_ev_per_a": [None if s != s else s for s in run.max_spread],
              "model": args.model, "strategy": args.strategy, "committee": args.committee, "seed": args.seed,
              "pool": args.pool, "test": args.test, "seconds": round(run.seconds, 2)}
    if args.json:
        print(json.dumps(result))
        return
    print(f"{run.labels[-1]} labels: test force MAE {result['force_mae_mev_per_a'][-1]:.2f} meV/Å "
          f"({run.seconds:.1f} s, {run.stop_reason})")
