"""``nnpes data``, ``nnpes train``, ``nnpes eval``: reference data, a trained model, its errors (lessons 1-4).

    nnpes data  --method b3lyp --basis 6-31g* --molecule H2O --n 1000 --temperature 500 --out d.extxyz
    nnpes data  --reference emt --element Cu --supercell 2 --n 100 --rattle 0.1 --strain 0.04 --vacancies --out cu.extxyz
    nnpes train --model equivariant --train T.extxyz --val V.extxyz --time-budget 60 --out model.pt
    nnpes eval  --model model.pt --data test.extxyz [--json]

``data`` samples geometries around a minimum (normal modes or MD) and labels them with a reference
(PySCF, or an analytic potential); with ``--reference emt`` it makes periodic fcc supercells labelled by
ASE's EMT instead (lesson 13). ``train`` runs the one trainer (``nnpes_core.training``) and writes the
best model with the SHA-256 of its data; ``eval`` prints energy and force errors.
"""
from __future__ import annotations

import argparse
import json

from nnpes_core.cli.common import CommandError, file_sha256, read_structures


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``nnpes`` parser."""
    from nnpes_core.models.registry import ATOMISTIC, KINDS, model_kinds  # (imports torch: after main's setup)

    data = subparsers.add_parser("data", help="sample geometries and label them with a reference method")
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

    train = subparsers.add_parser("train", help="train a model on extended-XYZ data")
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

    evaluate = subparsers.add_parser("eval", help="errors of a model on a labelled data set")
    evaluate.add_argument("--model", required=True)
    evaluate.add_argument("--data", required=True)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")


def command_data(args: argparse.Namespace) -> None:
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


def command_crystal_data(args: argparse.Namespace) -> None:
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


def command_train(args: argparse.Namespace) -> None:
    from nnpes_core.data import split_dataset
    from nnpes_core.training import default_config, train_new_model

    frames = read_structures(args.train)
    data = {"train": {"file": args.train, "sha256": file_sha256(args.train), "structures": len(frames)}}
    if args.val:
        val_frames = read_structures(args.val)
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


def command_eval(args: argparse.Namespace) -> None:
    from nnpes_core.data.batch import AtomicBatch
    from nnpes_core.models import load_model
    from nnpes_core.training import error_metrics

    model = load_model(args.model)
    frames = read_structures(args.data)
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
