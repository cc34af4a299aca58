"""``nnpes md``: molecular dynamics with a trained model, NVE or Langevin (lesson 8; the spectrum: lesson 11).

    nnpes md --model model.pt --molecule H2O --temperature 300 --steps 2000 [--thermostat langevin]
             [--traj out.extxyz] [--spectrum vdos.csv] [--structure start.extxyz]

Prints the speed (steps/s) and, in NVE, the total-energy drift (eV/ps); optionally writes the trajectory
and the vibrational density of states from the velocity autocorrelation.
"""
from __future__ import annotations

import argparse

from nnpes_core.cli.common import CommandError


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``nnpes`` parser."""
    md = subparsers.add_parser("md", help="molecular dynamics (NVE or Langevin) with a model; prints speed and drift")
    md.add_argument("--model", required=True)
    source = md.add_mutually_exclusive_group()
    source.add_argument("--molecule", default="H2O")
    source.add_argument("--structure", help="start from the first structure of this file (extended XYZ, ...)")
    md.add_argument("--thermostat", choices=["nve", "langevin"], default="nve",
                    help="nve: velocity Verlet; langevin: ASE's Langevin at --temperature")
    md.add_argument("--temperature", type=float, default=300.0, help="K: initial velocities, and the bath")
    md.add_argument("--friction", type=float, default=0.01, help="Langevin friction, 1/fs")
    md.add_argument("--steps", type=int, default=2000)
    md.add_argument("--timestep", type=float, default=0.5, help="fs")
    md.add_argument("--seed", type=int, default=0)
    md.add_argument("--traj", "--trajectory", dest="trajectory", metavar="FILE.extxyz",
                    help="write the trajectory as extended XYZ (energy, forces, momenta per frame)")
    md.add_argument("--spectrum", metavar="FILE.csv",
                    help="write the vibrational density of states (cm^-1, intensity) from the velocities")
    md.add_argument("--threads", type=int, help="CPU threads (default: by system size, 1 for small molecules)")


def command_md(args: argparse.Namespace) -> None:
    from nnpes_core.analysis.spectra import spectrum_csv, vibrational_spectrum
    from nnpes_core.calculator import load_calculator
    from nnpes_core.data import molecule
    from nnpes_core.dynamics import check_settings, run_md

    check_settings(args.steps, args.timestep, args.thermostat, args.temperature, args.friction)
    if args.threads is not None and args.threads < 1:
        raise CommandError("--threads must be at least 1")
    if args.structure:
        import ase.io
        import numpy as np

        try:
            atoms = ase.io.read(args.structure, index=0)
        except FileNotFoundError:
            raise CommandError(f"{args.structure}: file not found") from None
        except Exception as error:  # ASE's readers raise many kinds: all mean "cannot read this"
            raise CommandError(f"{args.structure}: cannot read a structure ({' '.join(str(error).split())[:160]})") \
                from None
        if not np.all(np.isfinite(atoms.positions)):
            raise CommandError(f"{args.structure}: positions contain NaN or infinity")
        atoms.calc = None
    else:
        atoms = molecule(args.molecule)
    # one thread for small molecules, more for large cells, only inside each force call
    atoms.calc = load_calculator(args.model, dtype="float64", threads=args.threads or "auto")
    atoms.calc.model.check_elements(atoms.numbers)
    run = run_md(atoms, args.steps, args.timestep, args.thermostat, args.temperature, args.friction, args.seed,
                 record_trajectory=bool(args.trajectory or args.spectrum))
    if args.trajectory and run.positions is not None:
        run.write_extxyz(args.trajectory)
    if run.failure:
        raise CommandError(f"{run.failure}; try a smaller --timestep")
    if args.spectrum:
        spectrum = vibrational_spectrum(run.velocities, args.timestep, run.masses)
        with open(args.spectrum, "w") as handle:
            handle.write(spectrum_csv(spectrum))
    summary = f"{args.steps} steps of {args.timestep} fs: {run.steps_per_second:.0f} steps/s, "
    if args.thermostat == "nve":
        summary += (f"total-energy drift {run.drift_ev_per_ps:.2e} eV/ps, "
                    f"fluctuation {1e3 * run.energy_fluctuation:.3f} meV")
    else:
        summary += f"mean temperature {run.temperature.mean():.0f} K (bath {args.temperature:g} K)"
    if args.spectrum:
        summary += f"; spectrum resolution {spectrum.resolution_cm:.1f} cm^-1 -> {args.spectrum}"
    print(summary)
