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
"""
from __future__ import annotations

import argparse
import json
import os
import sys

EXIT_BAD_INPUT = 2


class CommandError(Exception):
    """A problem with what the user asked for: printed as one line, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    from nnpes_core.models.registry import ATOMISTIC, KINDS, model_kinds  # (imports torch: after main's setup)

    parser = argparse.ArgumentParser(prog="nnpes", description="NN-PES Lab command line")
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="sample geometries and label them with a reference method")
    data.add_argument("--method", default="b3lyp",
                      help="hf, fci, a DFT functional (b3lyp, pbe, ...), or morse / emt / lj")
    data.add_argument("--basis", default="6-31g*")
    data.add_argument("--molecule", default="H2O", help="a name from ase.collections.g2, e.g. H2O, CH4")
    data.add_argument("--n", type=int, default=100, help="number of structures")
    data.add_argument("--temperature", type=float, default=500.0, help="K")
    data.add_argument("--sampler", choices=["normal-modes", "md"], default="normal-modes")
    data.add_argument("--seed", type=int, default=0)
    data.add_argument("--out", required=True, help="extended-XYZ file to write")
    crystal = data.add_argument_group("periodic crystals (--reference emt)")
    crystal.add_argument("--reference", help="emt: periodic fcc supercells labelled with ASE's EMT "
                                             "(then --method and --molecule are not used)")
    crystal.add_argument("--element", default="Cu", help="fcc metal: Cu, Al (also Ag, Au, Ni, Pd, Pt)")
    crystal.add_argument("--supercell", type=int, default=2, help="repeats N of the 4-atom cubic cell (4 N³ atoms)")
    crystal.add_argument("--rattle", type=float, default=0.05,
                         help="Å: each structure's atoms get Gaussian displacements of width up to this")
    crystal.add_argument("--strain", type=float, default=0.03, help="largest strain, a fraction (0.03 = 3%%)")
    crystal.add_argument("--vacancies", action="store_true", help="every second structure has one vacancy")
    crystal.add_argument("--surfaces", action="store_true",
                         help="every third structure is a (111) or (100) slab with vacuum")

    train = commands.add_parser("train", help="train a model on extended-XYZ data")
    train.add_argument("--model", required=True, choices=model_kinds(ATOMISTIC),
                       help="; ".join(f"{kind}: {KINDS[kind].description}" for kind in model_kinds(ATOMISTIC)))
    train.add_argument("--train", required=True, help="training data (extended XYZ with energy and forces)")
    train.add_argument("--val", help="validation data; default: 10%% of --train, seeded")
    train.add_argument("--alpha", type=float, help="weight of the energy term (0 = forces only)")
    train.add_argument("--beta", type=float, help="weight of the force term")
    train.add_argument("--epochs", type=int)
    train.add_argument("--time-budget", type=float, help="seconds; stops cleanly and keeps the best model")
    train.add_argument("--batch-size", type=int)
    train.add_argument("--lr", type=float, help="initial learning rate")
    train.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda")
    train.add_argument("--dtype", choices=["float32", "float64"])
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--threads", type=int, help="CPU threads (default 1: fastest for small molecules)")
    train.add_argument("--out", required=True, help="model file to write (.pt)")

    evaluate = commands.add_parser("eval", help="errors of a model on a labelled data set")
    evaluate.add_argument("--model", required=True)
    evaluate.add_argument("--data", required=True)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")

    md = commands.add_parser("md", help="molecular dynamics (NVE or Langevin) with a model; prints speed and drift")
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

    vib = commands.add_parser("vib", help="optimise a structure and print its harmonic frequencies (cm^-1)")
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

    neb = commands.add_parser("neb", help="minimum-energy path (nudged elastic band): barrier, saddle, "
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

    crystal_cmd = commands.add_parser("crystal", help="a model of an fcc metal against EMT: equation of state, "
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

    fssh = commands.add_parser("fssh", help="surface hopping on one of Tully's models: outcome probabilities")
    fssh.add_argument("--model", required=True, help="Tully's model 1, 2 or 3")
    fssh.add_argument("--momentum", required=True, type=float, help="incoming momentum ħk, atomic units (ħ/bohr)")
    fssh.add_argument("--trajectories", type=int, default=500)
    fssh.add_argument("--seed", type=int, default=0)
    fssh.add_argument("--json", action="store_true", help="print one JSON object")

    exact = commands.add_parser("exact", help="exact quantum outcome probabilities on one of Tully's models")
    exact.add_argument("--model", required=True, help="Tully's model 1, 2 or 3")
    exact.add_argument("--momentum", required=True, type=float, help="incoming momentum ħk, atomic units (ħ/bohr)")
    exact.add_argument("--json", action="store_true", help="print one JSON object")

    al = commands.add_parser("al", help="pool-based active learning by committee: prints the learning curve")
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
    return parser


def _read(path: str, **checks):
    from nnpes_core.data import read_dataset

    return read_dataset(path, **checks)


def command_data(args) -> None:
    from nnpes_core.data import md_sampling, molecule, normal_mode_sampling, optimize, write_dataset
    from nnpes_core.potentials import WATER_LIKE_MORSE, reference_calculator

    if args.reference is not None:
        return command_crystal_data(args)
    if args.n < 1 or args.temperature <= 0:
        raise CommandError("--n must be at least 1 and --temperature positive")
    analytic = args.method.lower() in ("morse", "emt", "lj", "lennard-jones")
    options = {} if analytic else {"basis": args.basis}
    if args.method.lower() == "morse":
        options = {"pair_parameters": WATER_LIKE_MORSE}  # O-H, H-H, O-O bonds of a water-like molecule
    calculator = reference_calculator(args.method, **options)
    atoms = molecule(args.molecule)
    print(f"optimising {args.molecule} with {args.method}" + ("" if analytic else f"/{args.basis}"), flush=True)
    start = optimize(atoms, calculator)

    def progress(done, total):
        if done == total or done % max(1, total // 20) == 0:
            print(f"  labelled {done}/{total}", flush=True)

    sampler = normal_mode_sampling if args.sampler == "normal-modes" else md_sampling
    frames = sampler(start, calculator, args.n, args.temperature, seed=args.seed, progress=progress)
    path = write_dataset(args.out, frames)
    print(f"wrote {len(frames)} structures to {path}")


def file_sha256(path: str) -> str:
    import hashlib

    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def command_train(args) -> None:
    from nnpes_core.data import split_dataset
    from nnpes_core.training import default_config, train_new_model

    frames = _read(args.train)
    data = {"train": {"file": args.train, "sha256": file_sha256(args.train), "structures": len(frames)}}
    if args.val:
        val_frames = _read(args.val)
        data["val"] = {"file": args.val, "sha256": file_sha256(args.val), "structures": len(val_frames)}
    else:
        if len(frames) < 10:
            raise CommandError("need at least 10 structures to hold some out for validation (or pass --val)")
        frames, val_frames = split_dataset(frames, (0.9, 0.1), seed=args.seed)
        data["val"] = f"10% of the training file, split with seed {args.seed}"
    overrides = {"alpha": args.alpha, "beta": args.beta, "epochs": args.epochs, "batch_size": args.batch_size,
                 "learning_rate": args.lr, "dtype": args.dtype, "time_budget": args.time_budget,
                 "threads": args.threads}
    config = default_config(args.model, **{k: v for k, v in overrides.items() if v is not None})
    config.device, config.seed, config.checkpoint_path = args.device, args.seed, args.out
    if args.time_budget and args.epochs is None:
        config.epochs = 10**9  # the budget decides
    from nnpes_core.models import KINDS

    print(f"training {args.model} ({KINDS[args.model].description}) on {len(frames)} structures, "
          f"validating on {len(val_frames)}; alpha={config.alpha} beta={config.beta} "
          f"lr={config.learning_rate} batch={config.batch_size} {config.dtype}", flush=True)
    last_print = [0.0]

    def report(epoch):
        if epoch.elapsed - last_print[0] >= 2.0 or epoch.epoch == 1:
            last_print[0] = epoch.elapsed
            print(f"epoch {epoch.epoch:5d}  {epoch.elapsed:7.1f} s  loss {epoch.train_loss:.3e}  "
                  f"val E {epoch.val_energy_mae:8.2f} meV/atom  val F {epoch.val_force_mae:8.2f} meV/Å  "
                  f"lr {epoch.learning_rate:.1e}  {epoch.structures_per_second:7.0f} structures/s", flush=True)

    # the trainer writes the best model to --out as it goes, with its provenance (one file, atomic)
    result = train_new_model(args.model, frames, val_frames, config, callback=report, metadata={"data": data})
    if not result.best_epoch:
        raise CommandError("training stopped before the first epoch finished: no model was written")
    best = result.history[result.best_epoch - 1]
    print(f"stopped after {result.epochs_run} epochs, {result.elapsed:.1f} s ({result.stop_reason}) on "
          f"{result.device}; best epoch {result.best_epoch}: val E {best.val_energy_mae:.2f} meV/atom, "
          f"val F {best.val_force_mae:.2f} meV/Å; saved {args.out}")


def command_eval(args) -> None:
    from nnpes_core.data.batch import AtomicBatch
    from nnpes_core.models import load_model
    from nnpes_core.training import error_metrics

    model = load_model(args.model)
    frames = _read(args.data)
    for atoms in frames:
        model.check_elements(atoms.numbers)
    dtype = next(model.parameters()).dtype
    metrics = error_metrics(model, AtomicBatch.from_atoms(frames, model.cutoff_radius, dtype=dtype))
    if any(value != value for value in metrics.values()):  # NaN predictions
        raise CommandError("the model predicts NaN on this data")
    provenance = getattr(model, "metadata", {})
    metrics = {"model": args.model, "data": args.data, "kind": getattr(model, "kind", "?"), **metrics,
               "provenance": provenance}
    if args.json:
        print(json.dumps(metrics, default=str))
        return
    print(f"{metrics['n_structures']} structures, model {args.model} ({metrics['kind']})")
    if provenance.get("training"):
        trained_on = provenance.get("data", {}).get("train", {})
        best = provenance.get("best_validation") or {}
        print(f"trained {provenance.get('epochs_run', '?')} epochs ({provenance.get('stop_reason', '?')})"
              + (f" on {trained_on.get('structures')} structures of {trained_on.get('file')}" if trained_on else "")
              + (f"; best validation force MAE {best['force_mae_mev_per_a']:.2f} meV/Å" if best else ""))
    print(f"energy MAE  {metrics['energy_mae_mev']:10.3f} meV/structure  "
          f"{metrics['energy_mae_mev_per_atom']:10.3f} meV/atom")
    print(f"force  MAE  {metrics['force_mae_mev_per_a']:10.3f} meV/Å      "
          f"RMSE {metrics['force_rmse_mev_per_a']:10.3f} meV/Å")


def command_md(args) -> None:
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


def command_vib(args) -> None:
    import torch

    from nnpes_core.analysis.frequency_comparison import model_minimum
    from nnpes_core.analysis.isotopes import isotope_masses, isotopologue_analysis, parse_isotopes
    from nnpes_core.analysis.zero_point import zero_point_energy
    from nnpes_core.data import molecule
    from nnpes_core.threads import torch_threads

    atoms = _read(args.structure, require_energy=False, require_forces=False)[0] if args.structure \
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
            with torch_threads(1 if len(atoms) < SMALL_SYSTEM else None):
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


def command_neb(args) -> None:
    import dataclasses
    import math

    from nnpes_core.potentials.leps_calculator import LEPSCalculator
    from nnpes_core.reactions import analyse_saddle, check_endpoints, find_minimum_energy_path

    initial = _read(args.initial, require_energy=False, require_forces=False)[0]
    final = _read(args.final, require_energy=False, require_forces=False)[0]
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


def command_crystal_data(args) -> None:
    """nnpes data --reference emt: periodic supercells (cell and pbc in the extxyz), EMT-labelled."""
    from nnpes_core.data import write_dataset
    from nnpes_core.materials import FACETS, check_element, emt_dataset

    if args.reference.strip().lower() != "emt":
        raise CommandError(f"unknown --reference {args.reference!r}: only emt (periodic metals) is available")
    element = check_element(args.element)
    print(f"{args.n} periodic {element} structures ({4 * args.supercell**3} atoms per supercell), EMT", flush=True)

    def progress(done, total):
        if done == total or done % max(1, total // 10) == 0:
            print(f"  labelled {done}/{total}", flush=True)

    frames = emt_dataset(element, args.supercell, args.n, args.rattle, args.strain, vacancies=args.vacancies,
                         surfaces=FACETS if args.surfaces else (), seed=args.seed, progress=progress)
    path = write_dataset(args.out, frames)
    print(f"wrote {len(frames)} structures to {path}")


def command_crystal(args) -> None:
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
        start = _read(args.structure, require_energy=False, require_forces=False)[0]
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


def _crystal_md(calculator, element, start, args) -> dict:
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


def command_fssh(args) -> None:
    from nnpes_core.nonadiabatic import run_fssh

    model = _tully_model(args.model)
    if not args.momentum > 0 or args.trajectories < 1:
        raise CommandError("--momentum must be positive and --trajectories at least 1")
    run = run_fssh(model, args.momentum, args.trajectories, seed=args.seed)
    _print_probabilities(model, run.probabilities, f"FSSH, {args.trajectories} trajectories, seed {args.seed}",
                         args.json)


def command_exact(args) -> None:
    from nnpes_core.nonadiabatic import exact_probabilities

    model = _tully_model(args.model)
    if not args.momentum > 0:
        raise CommandError("--momentum must be positive")
    _print_probabilities(model, exact_probabilities(model, args.momentum), "Exact (stationary scattering)",
                         args.json)


def command_al(args) -> None:
    from nnpes_core.active_learning import ActiveLearningSettings, PoolSource, check_strategy, run_active_learning
    from nnpes_core.active_learning.pool import budget_fits
    from nnpes_core.models.registry import ATOMISTIC, kind_spec

    check_strategy(args.strategy)
    if kind_spec(args.model).world != ATOMISTIC:
        raise CommandError(f"--model {args.model} is a 2-D surface model; active learning on structures needs an "
                           "atomistic kind")
    pool, test = _read(args.pool), _read(args.test)
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


COMMANDS = {"data": command_data, "train": command_train, "eval": command_eval, "md": command_md,
            "fssh": command_fssh, "exact": command_exact}
COMMANDS["crystal"] = command_crystal
COMMANDS["neb"] = command_neb
COMMANDS["al"] = command_al
COMMANDS["vib"] = command_vib


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


if __name__ == "__main__":
    sys.exit(main())
