"""Train the shipped H3 models on LEPS-labelled structures (lesson 10, "Reaction paths and rates").

    python assets/scripts/train_leps_model.py            # writes assets/models/leps_bp*.pt

Two Behler-Parrinello models with the same architecture, settings and number of training structures
(seeded, reproducible), which differ only in where their data lie:

- ``leps_bp_valleys.pt``: H + H2 structures in the reactant/product valley only (H2 stretched and
  compressed, the third atom 2-5 Å away in any direction) — "near the minima";
- ``leps_bp.pt``: two thirds of those plus structures along the reference minimum-energy path
  (random points between NEB images, every coordinate displaced by 0.08 Å).

Labels: ``LEPSCalculator(sato=0.18)`` (lesson 1's surface, barrier 0.229 eV). Afterwards both models
run the lesson's study (NEB with a climbing image, saddle Hessian, H + H2 asymptote) and the barrier
errors are printed and stored in the files' metadata; assets/models/LEPS.md records them.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from nnpes_core.data import split_dataset  # noqa: E402
from nnpes_core.models import save_model  # noqa: E402
from nnpes_core.potentials.leps_calculator import LEPSCalculator  # noqa: E402
from nnpes_core.reactions import path_structures, study_h_plus_h2, valley_structures  # noqa: E402
from nnpes_core.calculator import NNPESCalculator  # noqa: E402
from nnpes_core.training import default_config, train_new_model  # noqa: E402

SATO = 0.18
N_STRUCTURES = 360  # per model (train + validation)
PATH_FRACTION = 1 / 3  # of the path-augmented model's structures
MODEL_OPTIONS = dict(cutoff_radius=4.0, hidden=(32, 32))
EPOCHS = 600
SEED = 0


def training_sets(reference_path, calculator, seed: int = SEED) -> dict[str, list]:
    """{"valleys": ..., "path": ...}: two data sets of the same size (labelled with ``calculator``)."""
    n_path = round(PATH_FRACTION * N_STRUCTURES)
    valleys = valley_structures(N_STRUCTURES, calculator, seed=seed)
    along_path = path_structures(reference_path, n_path, calculator, seed=seed + 1)
    return {"valleys": valleys, "path": valleys[: N_STRUCTURES - n_path] + along_path}


def train(frames, epochs: int, seed: int = SEED):
    train_frames, val_frames = split_dataset(frames, (0.85, 0.15), seed=seed)
    config = default_config("bp", epochs=epochs, seed=seed, device="cpu", dtype="float64", threads=1)
    return train_new_model("bp", train_frames, val_frames, config, **MODEL_OPTIONS)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--out", default=str(ROOT / "assets" / "models"))
    parser.add_argument("--only", choices=["valleys", "path"], help="train only this one of the two models")
    args = parser.parse_args(argv)
    reference = LEPSCalculator(sato=SATO)
    study = study_h_plus_h2(reference, "LEPS")
    print(f"reference LEPS (k = {SATO}): barrier {study.barrier:.4f} eV, imaginary "
          f"{study.saddle.imaginary_wavenumber:.0f}i cm⁻¹", flush=True)
    sets = training_sets(study.path, reference)
    names = {"valleys": "leps_bp_valleys.pt", "path": "leps_bp.pt"}
    for key, frames in sets.items():
        if args.only and key != args.only:
            continue
        start = time.perf_counter()
        result = train(frames, args.epochs)
        model = result.model
        best = result.history[result.best_epoch - 1]
        calculator = NNPESCalculator(model, dtype=torch.float64)
        model_study = study_h_plus_h2(calculator, key)
        error = model_study.barrier - study.barrier
        print(f"{names[key]}: {len(frames)} structures ({key}), {result.epochs_run} epochs in "
              f"{time.perf_counter() - start:.0f} s; val E {best.val_energy_mae:.2f} meV/atom, F "
              f"{best.val_force_mae:.1f} meV/Å; barrier {model_study.barrier:.4f} eV (error {1e3 * error:+.1f} meV), "
              f"negative eigenvalues {model_study.saddle.n_negative}, imaginary "
              f"{model_study.saddle.imaginary_wavenumber:.0f}i cm⁻¹", flush=True)
        metadata = {
            "reference": f"LEPSCalculator(sato={SATO})", "data": key, "n_structures": len(frames),
            "made_by": "assets/scripts/train_leps_model.py", "date": date.today().isoformat(),
            "versions": f"python {platform.python_version()}, torch {torch.__version__}",
            "best_epoch": result.best_epoch, "val_energy_mae_mev_per_atom": best.val_energy_mae,
            "val_force_mae_mev_per_a": best.val_force_mae, "barrier_ev": model_study.barrier,
            "reference_barrier_ev": study.barrier,
        }
        save_model(model, Path(args.out) / names[key], metadata)


if __name__ == "__main__":
    main()
