"""The ``nnpes`` command: make reference data, train, evaluate and run MD without the browser.

    nnpes data  --method b3lyp --basis 6-31g* --molecule H2O --n 1000 --temperature 500 --out d.extxyz
    nnpes train --model equivariant --train T.extxyz --val V.extxyz --time-budget 60 --out model.pt
    nnpes eval  --model model.pt --data test.extxyz [--json]
    nnpes md    --model model.pt --molecule H2O --temperature 300 --steps 2000 [--thermostat langevin]
                [--traj out.extxyz] [--spectrum vdos.csv] [--structure start.extxyz]
    nnpes neb   --calculator leps --initial A.extxyz --final B.extxyz --images 9 --climb [--json]
    nnpes data  --reference emt --element Cu --supercell 2 --n 100 --rattle 0.1 --strain 0.04 --vacancies --out cu.extxyz
    nnpes crystal --model cu_bp.pt [--temperature 600]     (EOS, vacancy, surfaces vs EMT; MD and g(r))
    nnpes fssh  --model 1 --momentum 10 --trajectories 500 --seed 0 [--json]   (Tully's models, atomic units)
    nnpes exact --model 1 --momentum 10 [--json]
    nnpes al    --pool P.extxyz --test T.extxyz --model bp --start 10 --add 10 --rounds 5 --strategy uncertainty
                --committee 4 --time-budget 20 --seed 0 [--json]   (pool-based active learning)
    nnpes vib   (--model model.pt | --method b3lyp --basis 6-31g*) --structure S.extxyz [--isotope H=2] [--json]

Bad input (a missing or malformed file, data without forces, elements the model does not know, NaN)
ends with one line on stderr and exit code 2, never a traceback.

One module per lesson area, each with ``add_parsers(subparsers)`` and its ``command_*`` functions:
``data_and_models`` (data, train, eval), ``dynamics`` (md), ``vibrations`` (vib), ``reactions`` (neb),
``materials`` (crystal), ``nonadiabatic`` (fssh, exact), ``active_learning`` (al); ``common`` holds the
exit code, :class:`CommandError` and file reading. A new command: its parser block in ``add_parsers``,
its function in the same module, and one entry in :data:`COMMANDS` below. Heavy imports (torch, ASE,
PySCF) stay inside the functions, so that importing this package is cheap.
"""
from __future__ import annotations

import argparse
import os
import sys

from nnpes_core.cli import (
    active_learning, data_and_models, dynamics, materials, nonadiabatic, reactions, vibrations,
)
from nnpes_core.cli.active_learning import command_al
from nnpes_core.cli.common import EXIT_BAD_INPUT, CommandError, file_sha256, read_structures
from nnpes_core.cli.data_and_models import command_crystal_data, command_data, command_eval, command_train
from nnpes_core.cli.dynamics import command_md
from nnpes_core.cli.materials import command_crystal
from nnpes_core.cli.nonadiabatic import command_exact, command_fssh
from nnpes_core.cli.reactions import command_neb
from nnpes_core.cli.vibrations import command_vib

__all__ = [
    "COMMANDS", "EXIT_BAD_INPUT", "CommandError", "file_sha256", "main", "read_structures",
    "command_al", "command_crystal", "command_crystal_data", "command_data", "command_eval", "command_exact",
    "command_fssh", "command_md", "command_neb", "command_train", "command_vib",
]

# the order of ``nnpes --help``
AREAS = (data_and_models, dynamics, vibrations, reactions, materials, nonadiabatic, active_learning)

COMMANDS = {"data": command_data, "train": command_train, "eval": command_eval, "md": command_md,
            "vib": command_vib, "neb": command_neb, "crystal": command_crystal, "fssh": command_fssh,
            "exact": command_exact, "al": command_al}


def _parser() -> argparse.ArgumentParser:
    """The ``nnpes`` parser: one subcommand per entry of COMMANDS (building it imports torch)."""
    parser = argparse.ArgumentParser(prog="nnpes", description="NN-PES Lab command line")
    commands = parser.add_subparsers(dest="command", required=True)
    for area in AREAS:
        area.add_parsers(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    # before torch loads (the heavy imports are inside the commands): few BLAS threads for small
    # PySCF jobs, and OpenMP threads that sleep rather than spin when the machine is busy
    for name, value in (("OMP_NUM_THREADS", "2"), ("OPENBLAS_NUM_THREADS", "1"), ("OMP_WAIT_POLICY", "PASSIVE")):
        os.environ.setdefault(name, value)
    args = _parser().parse_args(argv)
    from nnpes_core.data import DatasetError
    from nnpes_core.models import ModelFileError, UnknownElementError

    try:
        COMMANDS[args.command](args)
    except (CommandError, DatasetError, ModelFileError, UnknownElementError, ValueError, FileNotFoundError) as error:
        print(f"nnpes {args.command}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"nnpes {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0

