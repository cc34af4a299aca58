"""``nnpes vib``: harmonic frequencies (cm⁻¹) at a minimum of a model or a reference; isotopes (lessons 7, 11).

    nnpes vib (--model model.pt | --method b3lyp --basis 6-31g*) --structure S.extxyz [--isotope H=2] [--json]

A model's Hessian comes from autograd in float64, a reference's from finite differences of gradients;
``--isotope`` changes masses on the same surface (Born-Oppenheimer: the Hessian does not change).
"""
from __future__ import annotations

import argparse
import json

from nnpes_core.cli.common import CommandError, read_structures


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``nnpes`` parser."""
    vib = subparsers.add_parser("vib", help="optimise a structure and print its harmonic frequencies (cm^-1)")
    surface = vib.add_mutually_exclusive_group(required=True)
    surface.add_argument("--model", help="a trained model (.pt): Hessian by autograd in float64")
    surface.add_argument("--method", help="a PySCF reference (hf, b3lyp, ...): Hessian by finite differences")
    vib.add_argument("--basis", default="6-31g*", help="basis set for --method")
    start = vib.add_mutually_exclusive_group(required=True)
    start.add_argument("--structure", help="start from the first structure of this file")
    start.add_argument("--molecule", help="start from a molecule of ase.collections.g2, e.g. NH3")
    vib.add_argument("--isotope", help="other masses on the same surface: H=2 (every H), O=18, 1=2 (atom 1, "
                                       "0-based), comma-separated")
    vib.add_argument("--fmax", type=float, default=1e-4, help="eV/Å, force threshold of the optimisation")
    vib.add_argument("--json", action="store_true", help="print one JSON object")


def command_vib(args: argparse.Namespace) -> None:
    import torch

    from nnpes_core.analysis.frequency_comparison import model_minimum
    from nnpes_core.analysis.isotopes import isotope_masses, isotopologue_analysis, parse_isotopes
    from nnpes_core.analysis.zero_point import zero_point_energy
    from nnpes_core.data import molecule
    from nnpes_core.calculator import threads_for_system
    from nnpes_core.threads import torch_threads

    atoms = read_structures(args.structure, require_energy=False, require_forces=False)[0] if args.structure \
        else molecule(args.molecule)
    atoms.calc = None
    if len(atoms) < 2:
        raise CommandError("a single atom has no vibrations: give a molecule")
    substitutions = parse_isotopes(args.isotope) if args.isotope else {}
    isotope_masses(atoms, substitutions)  # every check before the (slow) optimisation
    if args.fmax <= 0:
        raise CommandError("--fmax must be positive")
    try:
        if args.model:
            from nnpes_core.models import load_model

            model = load_model(args.model)
            model.check_elements(atoms.numbers)
            source = f"model {args.model}"
            with torch_threads(threads_for_system(len(atoms))):
                found = model_minimum(model, atoms, torch.float64, fmax=args.fmax)
            minimum, energy, hessian = found.atoms, found.energy, found.hessian
        else:
            from nnpes_core.data.reference_hessian import compute_reference_hessian
            from nnpes_core.potentials import PySCFCalculator

            source = f"PySCF {args.method}/{args.basis}"
            calculator = PySCFCalculator(args.method, args.basis)  # checks the method first
            if not args.json:
                print(f"optimising with {source}, then 6N = {6 * len(atoms)} gradients for the Hessian", flush=True)
            reference = compute_reference_hessian(atoms, calculator, fmax=args.fmax)
            minimum, energy, hessian = reference.atoms, reference.energy, reference.hessian
    except RuntimeError as error:  # BFGS did not converge, SCF did not converge
        raise CommandError(str(error)) from None
    masses = isotope_masses(minimum, substitutions)
    analysis = isotopologue_analysis(hessian, minimum, masses)
    result = {"frequencies_cm1": [round(float(w), 2) for w in analysis.wavenumbers],
              "zero_point_energy_eV": zero_point_energy(analysis.wavenumbers), "energy_eV": energy,
              "source": source, "isotopes": args.isotope or "", "symbols": minimum.get_chemical_symbols(),
              "masses_amu": [float(m) for m in masses], "positions_angstrom": minimum.positions.tolist()}
    if args.json:
        print(json.dumps(result))
        return
    print(f"{minimum.get_chemical_formula()} at the minimum of {source}: E = {energy:.6f} eV")
    print("masses (amu): " + ", ".join(f"{s} {m:.4f}" for s, m in zip(result["symbols"], masses)))
    print("harmonic wavenumbers (cm⁻¹): " + "  ".join(f"{w:.1f}" for w in analysis.wavenumbers)
          + ("   (negative: imaginary, not a minimum)" if analysis.wavenumbers.min() < 0 else ""))
    print(f"zero-point energy: {result['zero_point_energy_eV']:.4f} eV")
