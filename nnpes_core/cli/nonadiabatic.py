"""``nnpes fssh``, ``nnpes exact``: transmission and reflection on Tully's models (lesson 12; atomic units).

    nnpes fssh  --model 1 --momentum 10 --trajectories 500 --seed 0 [--json]
    nnpes exact --model 1 --momentum 10 [--json]

Both print the same four outcome probabilities, so surface hopping can be read against the exact
(stationary scattering) answer; FSSH adds the binomial standard error of each.
"""
from __future__ import annotations

import argparse
import json

from nnpes_core.cli.common import CommandError


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``nnpes`` parser."""
    fssh = subparsers.add_parser("fssh", help="surface hopping on one of Tully's models: outcome probabilities")
    fssh.add_argument("--model", required=True, help="Tully's model 1, 2 or 3")
    fssh.add_argument("--momentum", required=True, type=float, help="incoming momentum ħk, atomic units (ħ/bohr)")
    fssh.add_argument("--trajectories", type=int, default=500)
    fssh.add_argument("--seed", type=int, default=0)
    fssh.add_argument("--json", action="store_true", help="print one JSON object")

    exact = subparsers.add_parser("exact", help="exact quantum outcome probabilities on one of Tully's models")
    exact.add_argument("--model", required=True, help="Tully's model 1, 2 or 3")
    exact.add_argument("--momentum", required=True, type=float, help="incoming momentum ħk, atomic units (ħ/bohr)")
    exact.add_argument("--json", action="store_true", help="print one JSON object")


def _tully_model(text: str):
    from nnpes_core.nonadiabatic import tully_model

    try:
        number = int(text)
    except ValueError:
        raise CommandError(f"unknown model {text!r}: Tully's models are 1, 2 and 3") from None
    return tully_model(number)


def _print_probabilities(model, probabilities, heading: str, as_json: bool) -> None:
    from nnpes_core.nonadiabatic import CHANNELS

    if as_json:
        print(json.dumps({**probabilities.as_dict(), "model": model.number, "momentum_unit": "hbar/bohr"}))
        return
    print(f"{heading}, Tully model {model.number} ({model.name}), k = {probabilities.momentum:g} ħ/bohr (a.u.)")
    for name in CHANNELS:
        error = probabilities.stderr[name]
        print(f"  {name.replace('_', ' '):20s} {getattr(probabilities, name):.4f}" + (f" ± {error:.4f}" if error else ""))


def command_fssh(args: argparse.Namespace) -> None:
    from nnpes_core.nonadiabatic import run_fssh

    model = _tully_model(args.model)
    if not args.momentum > 0 or args.trajectories < 1:
        raise CommandError("--momentum must be positive and --trajectories at least 1")
    run = run_fssh(model, args.momentum, args.trajectories, seed=args.seed)
    _print_probabilities(model, run.probabilities, f"FSSH, {args.trajectories} trajectories, seed {args.seed}",
                         args.json)


def command_exact(args: argparse.Namespace) -> None:
    from nnpes_core.nonadiabatic import exact_probabilities

    model = _tully_model(args.model)
    if not args.momentum > 0:
        raise CommandError("--momentum must be positive")
    _print_probabilities(model, exact_probabilities(model, args.momentum), "Exact (stationary scattering)",
                         args.json)
