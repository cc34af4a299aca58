"""``nnpes crystal``: a model of an fcc metal against EMT, the reference it learned from (lesson 13).

    nnpes crystal --model cu_bp.pt [--temperature 600] [--json]

Equation of state (lattice constant, bulk modulus), vacancy and surface energies of the model next to
EMT's; with ``--temperature`` also Langevin MD and the radial distribution g(r). The periodic training
data comes from ``nnpes data --reference emt`` (``nnpes_core.cli.data_and_models``).
"""
from __future__ import annotations

import argparse
import json

from nnpes_core.cli.common import CommandError, read_structures


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``nnpes`` parser."""
    crystal_cmd = subparsers.add_parser("crystal", help="a model of an fcc metal against EMT: equation of state, "
                                                      "vacancy and surface energies; optionally MD and g(r)")
    crystal_cmd.add_argument("--model", required=True)
    crystal_cmd.add_argument("--element", help="fcc metal (default: the model's one element)")
    crystal_cmd.add_argument("--repeat", type=int, default=3, help="vacancy supercell: repeats of the cubic cell")
    crystal_cmd.add_argument("--no-relax", action="store_true", help="unrelaxed vacancy only")
    crystal_cmd.add_argument("--structure", help="periodic extended-XYZ crystal to start MD from (first frame)")
    crystal_cmd.add_argument("--temperature", type=float, help="K: also run Langevin MD with the model and print g(r)")
    crystal_cmd.add_argument("--steps", type=int, default=500)
    crystal_cmd.add_argument("--seed", type=int, default=0)
    crystal_cmd.add_argument("--json", action="store_true", help="print one JSON object")


def command_crystal(args: argparse.Namespace) -> None:
    """nnpes crystal: the model's equation of state, vacancy and surface energies next to EMT's."""
    from ase.calculators.emt import EMT
    from ase.data import chemical_symbols

    from nnpes_core.calculator import load_calculator
    from nnpes_core.materials import check_element, check_periodic, crystal_properties, property_errors
    from nnpes_core.materials.training import CRYSTAL_SKIN

    calculator = load_calculator(args.model, dtype="float64", skin=CRYSTAL_SKIN)
    elements = getattr(calculator.model, "elements", [])
    if args.element is None and len(elements) != 1:
        raise CommandError("the model knows several elements: choose one with --element")
    element = check_element(args.element or chemical_symbols[elements[0]])
    calculator.model.check_elements([chemical_symbols.index(element)])
    start = None
    if args.structure:
        start = read_structures(args.structure, require_energy=False, require_forces=False)[0]
        check_periodic(start, f"structure in {args.structure}")
        calculator.model.check_elements(start.numbers)
    if args.temperature is not None and (args.temperature <= 0 or args.steps < 1):
        raise CommandError("--temperature and --steps must be positive")
    relax = not args.no_relax
    rows = property_errors({"EMT": crystal_properties(EMT(), element, args.repeat, relax),
                            "model": crystal_properties(calculator, element, args.repeat, relax)})
    output = {"model": args.model, "element": element, "properties": rows}
    if args.temperature is not None:
        output["md"] = _crystal_md(calculator, element, start, args)
    if args.json:
        print(json.dumps(output))
        return
    print(f"{element}: model {args.model} against ASE's EMT")
    print(f"{'property':34s} {'EMT':>10s} {'model':>10s} {'error':>10s}")
    for row in rows:
        print(f"{row['property']:34s} {row['EMT']:10.4f} {row['model']:10.4f} {row['model error']:+10.4f}")
    if "md" in output:
        md = output["md"]
        print(f"Langevin MD at {md['temperature_K']:.0f} K, {md['steps']} steps of {md['timestep_fs']} fs "
              f"({md['n_atoms']} atoms, {md['ms_per_step']:.1f} ms/step): mean T {md['mean_temperature_K']:.0f} K, "
              f"g(r) first peak at {md['first_peak_A']:.3f} Å, coordination {md['coordination']:.2f}")


def _crystal_md(calculator, element, start, args: argparse.Namespace) -> dict:
    import numpy as np

    from nnpes_core.materials import (
        coordination_number, fcc_supercell, first_minimum_after_peak, langevin_md, radial_distribution,
    )

    atoms = start if start is not None else fcc_supercell(element, args.repeat)
    run = langevin_md(atoms, calculator, args.temperature, steps=args.steps, seed=args.seed,
                      equilibration_steps=min(100, args.steps // 2))
    frames = run.frames or [atoms]
    r, g = radial_distribution(frames, r_max=6.0)
    r_cut = first_minimum_after_peak(r, g)
    density = len(atoms) / atoms.get_volume()
    return {"temperature_K": args.temperature, "steps": run.steps, "timestep_fs": 2.0, "n_atoms": len(atoms),
            "ms_per_step": 1e3 * run.seconds_per_step, "mean_temperature_K": float(np.mean(run.temperature)),
            "first_peak_A": float(r[np.argmax(g)]), "coordination": coordination_number(r, g, density, r_cut)}
