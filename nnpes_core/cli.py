"""The ``nnpes`` command: make reference data, train, evaluate and run MD without the browser.

    nnpes data  --method b3lyp --basis 6-31g* --molecule H2O --n 1000 --temperature 500 --out d.extxyz
    nnpes train --model equivariant --train T.extxyz --val V.extxyz --time-budget 60 --out model.pt
    nnpes eval  --model model.pt --data test.extxyz [--json]
    nnpes md    --model model.pt --molecule H2O --temperature 300 --steps 2000 [--thermostat langevin]
                [--traj out.extxyz] [--spectrum vdos.csv] [--structure start.extxyz]

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

    train = commands.add_parser("train", help="train a model on extended-XYZ data")
    train.add_argument("--model", required=True, choices=["cartesian", "direct", "bp", "equivariant"])
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
    return parser


def _read(path: str, **checks):
    from nnpes_core.data import read_dataset

    return read_dataset(path, **checks)


def command_data(args) -> None:
    from nnpes_core.data import md_sampling, molecule, normal_mode_sampling, optimize, write_dataset
    from nnpes_core.potentials import WATER_LIKE_MORSE, reference_calculator

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


def command_train(args) -> None:
    from nnpes_core.data import split_dataset
    from nnpes_core.models import DESCRIPTIONS, save_model
    from nnpes_core.training import default_config, train_new_model

    frames = _read(args.train)
    if args.val:
        val_frames = _read(args.val)
    else:
        if len(frames) < 10:
            raise CommandError("need at least 10 structures to hold some out for validation (or pass --val)")
        frames, val_frames = split_dataset(frames, (0.9, 0.1), seed=args.seed)
    overrides = {"alpha": args.alpha, "beta": args.beta, "epochs": args.epochs, "batch_size": args.batch_size,
                 "learning_rate": args.lr, "dtype": args.dtype, "time_budget": args.time_budget,
                 "threads": args.threads}
    config = default_config(args.model, **{k: v for k, v in overrides.items() if v is not None})
    config.device, config.seed, config.checkpoint_path = args.device, args.seed, args.out
    if args.time_budget and args.epochs is None:
        config.epochs = 10**9  # the budget decides
    print(f"training {args.model} ({DESCRIPTIONS[args.model]}) on {len(frames)} structures, "
          f"validating on {len(val_frames)}; alpha={config.alpha} beta={config.beta} "
          f"lr={config.learning_rate} batch={config.batch_size} {config.dtype}", flush=True)
    last_print = [0.0]

    def report(epoch):
        if epoch.elapsed - last_print[0] >= 2.0 or epoch.epoch == 1:
            last_print[0] = epoch.elapsed
            print(f"epoch {epoch.epoch:5d}  {epoch.elapsed:7.1f} s  loss {epoch.train_loss:.3e}  "
                  f"val E {epoch.val_energy_mae:8.2f} meV/atom  val F {epoch.val_force_mae:8.2f} meV/Å  "
                  f"lr {epoch.learning_rate:.1e}  {epoch.structures_per_second:7.0f} structures/s", flush=True)

    result = train_new_model(args.model, frames, val_frames, config, callback=report)
    save_model(result.model, args.out, {"best_epoch": result.best_epoch, "stop_reason": result.stop_reason,
                                        "training_structures": len(frames)})
    best = result.history[result.best_epoch - 1] if result.best_epoch else result.history[-1]
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
    metrics = {"model": args.model, "data": args.data, "kind": getattr(model, "kind", "?"), **metrics}
    if args.json:
        print(json.dumps(metrics))
        return
    print(f"{metrics['n_structures']} structures, model {args.model} ({metrics['kind']})")
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


COMMANDS = {"data": command_data, "train": command_train, "eval": command_eval, "md": command_md}


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
