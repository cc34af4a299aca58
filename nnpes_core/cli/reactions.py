"""``nnpes neb``: a minimum-energy path by the nudged elastic band, its barrier and saddle (lesson 10).

    nnpes neb --calculator leps --initial A.extxyz --final B.extxyz --images 9 --climb [--json]

The calculator is the LEPS surface of H + H2, a 2-D surface (one particle at x, y) or a trained model;
the highest image is checked for exactly one negative Hessian eigenvalue (its imaginary frequency).
"""
from __future__ import annotations

import argparse
import json

from nnpes_core.cli.common import CommandError, read_structures


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``nnpes`` parser."""
    neb = subparsers.add_parser("neb", help="minimum-energy path (nudged elastic band): barrier, saddle, "
                                          "imaginary frequency")
    neb.add_argument("--calculator", required=True,
                     help="leps (H + H2, three H atoms), muller-brown or double-well (one particle at x, y), "
                          "or a model file (.pt)")
    neb.add_argument("--initial", required=True, help="first structure of this extended-XYZ file")
    neb.add_argument("--final", required=True, help="first structure of this extended-XYZ file")
    neb.add_argument("--images", type=int, default=9, help="images including the two endpoints (at least 3)")
    neb.add_argument("--climb", action="store_true", help="climbing image: the highest image finds the saddle")
    neb.add_argument("--sato", type=float, default=0.18, help="Sato's parameter k for --calculator leps")
    neb.add_argument("--fmax", type=float, help="convergence: largest force on the band (energy/length)")
    neb.add_argument("--spring", type=float, help="spring constant k (energy/length²)")
    neb.add_argument("--json", action="store_true",
                     help='print one JSON object {"barrier_ev", "imaginary_cm1", "energies_ev", ...}')


def _neb_calculator(name: str, sato: float):
    """(calculator, settings, is a 2-D surface) for ``nnpes neb --calculator``."""
    from nnpes_core.calculator import load_calculator
    from nnpes_core.potentials.leps_calculator import LEPSCalculator
    from nnpes_core.potentials.particle import ParticleCalculator
    from nnpes_core.reactions import H3_SETTINGS, MULLER_BROWN_SETTINGS

    key = name.strip().lower()
    if key == "leps":
        return LEPSCalculator(sato=sato), H3_SETTINGS, False
    if key in ("muller-brown", "double-well"):
        return ParticleCalculator(key), MULLER_BROWN_SETTINGS, True
    if not name.endswith(".pt"):
        raise CommandError(f"unknown calculator {name!r}: use leps, muller-brown, double-well or a model file (.pt)")
    return load_calculator(name, dtype="float64"), H3_SETTINGS, False


def command_neb(args: argparse.Namespace) -> None:
    import dataclasses
    import math

    from nnpes_core.potentials.leps_calculator import LEPSCalculator
    from nnpes_core.reactions import analyse_saddle, check_endpoints, find_minimum_energy_path

    initial = read_structures(args.initial, require_energy=False, require_forces=False)[0]
    final = read_structures(args.final, require_energy=False, require_forces=False)[0]
    check_endpoints(initial, final, args.images)
    calculator, settings, particle = _neb_calculator(args.calculator, args.sato)
    if isinstance(calculator, LEPSCalculator):
        calculator.check(initial)
    elif particle and len(initial) != 1:
        raise CommandError(f"--calculator {args.calculator} moves one particle (x, y); the endpoints hold "
                           f"{len(initial)} atoms")
    elif hasattr(calculator, "model"):
        calculator.model.check_elements(initial.numbers)
    overrides = {"n_images": args.images, "climb": args.climb, "fmax": args.fmax, "spring": args.spring}
    settings = dataclasses.replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    path = find_minimum_energy_path(initial, final, calculator, settings)
    saddle = analyse_saddle(path.saddle, calculator, reactant_energy=float(path.energies[0]))
    imaginary = saddle.imaginary_wavenumber if saddle.n_negative == 1 else float("nan")
    unit = "a.u." if particle else "eV"
    if args.json:
        print(json.dumps({
            "barrier_ev": path.barrier, "saddle_energy_ev": float(path.energies[path.highest]),
            "imaginary_cm1": None if math.isnan(imaginary) else imaginary, "energies_ev": path.energies.tolist(),
            "reverse_barrier_ev": path.reverse_barrier, "negative_eigenvalues": saddle.n_negative,
            "highest_image": path.highest, "converged": path.converged, "climb": args.climb,
            "energy_unit": unit, "calculator": args.calculator}))
        return
    state = "converged" if path.converged else "NOT converged"
    print(f"NEB with {args.images} images{' and a climbing image' if args.climb else ''}: {state} after "
          f"{path.steps} steps (largest force {saddle.largest_force:.3g} {unit}/length at the highest image)")
    print(f"barrier      {path.barrier:12.5f} {unit}  (highest image {path.highest} minus the initial structure)")
    print(f"saddle energy{float(path.energies[path.highest]):12.5f} {unit}")
    if saddle.n_negative == 1:
        formal = " (formal: lengths and energies taken as Å and eV)" if particle else ""
        print(f"imaginary frequency {imaginary:.1f}i cm⁻¹{formal}")
    else:
        print(f"the highest image has {saddle.n_negative} negative Hessian eigenvalues, not 1: not a "
              "first-order saddle" + ("" if args.climb else " (try --climb)"))
