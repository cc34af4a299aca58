"""Train the shipped H3 models on LEPS-labelled structures (lesson 10, "Reaction paths and rates").

    python assets/scripts/train_leps_model.py            # writes assets/models/leps_bp*.pt

Two Behler-Parrinello models with the same architecture, settings and number of training structures
(seeded, reproducible; nnpes_core.reactions.h3_training), which differ only in where their data lie:

- ``leps_bp_valleys.pt``: H + H2 structures in the reactant/product valley only (H2 stretched and
  compressed, the third atom 2-5 Å away in any direction) — "near the minima";
- ``leps_bp.pt``: 240 such structures plus 120 near the reference minimum-energy path
  (points between NEB images, displaced by 0.08 Å, drawn mostly where the path is high).

Labels: ``LEPSCalculator(sato=0.18)`` (lesson 1's surface, barrier 0.229 eV). Afterwards both models
run the lesson's study (NEB with a climbing image, saddle Hessian, H + H2 asymptote); the barrier
errors are printed and stored in the files' metadata, and assets/models/LEPS.md records them.
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

from nnpes_core.calculator import NNPESCalculator  # noqa: E402
from nnpes_core.models import save_model  # noqa: E402
from nnpes_core.potentials.leps_calculator import LEPSCalculator  # noqa: E402
from nnpes_core.reactions import study_h_plus_h2  # noqa: E402
from nnpes_core.reactions.h3_training import h3_training_config, h3_training_set, train_h3_model  # noqa: E402

SATO = 0.18
N_STRUCTURES = 360  # per model (train + validation)
PATH_FRACTIONS = {"leps_bp_valleys.pt": 0.0, "leps_bp.pt": 1 / 3}
SEED = 0


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=600)
    parser.add_argument("--out", default=str(ROOT / "assets" / "models"))
    parser.add_argument("--only", choices=list(PATH_FRACTIONS), help="train only this one of the two models")
    args = parser.parse_args(argv)
    reference = LEPSCalculator(sato=SATO)
    study = study_h_plus_h2(reference, "LEPS")
    print(f"reference LEPS (k = {SATO}): barrier {study.barrier:.4f} eV, imaginary "
          f"{study.saddle.imaginary_wavenumber:.0f}i cm⁻¹", flush=True)
    for name, fraction in PATH_FRACTIONS.items():
        if args.only and name != args.only:
            continue
        start = time.perf_counter()
        frames = h3_training_set(study.path, reference, N_STRUCTURES, fraction, seed=SEED)
        result = train_h3_model(frames, h3_training_config(epochs=args.epochs, seed=SEED))
        best = result.history[result.best_epoch - 1]
        model_study = study_h_plus_h2(NNPESCalculator(result.model, dtype=torch.float64), name)
        error = model_study.barrier - study.barrier
        print(f"{name}: {len(frames)} structures ({fraction:.0%} along the path), {result.epochs_run} epochs in "
              f"{time.perf_counter() - start:.0f} s; val E {best.val_energy_mae:.2f} meV/atom, F "
              f"{best.val_force_mae:.1f} meV/Å; barrier {model_study.barrier:.4f} eV (error {1e3 * error:+.1f} meV), "
              f"negative eigenvalues {model_study.saddle.n_negative}, imaginary "
              f"{model_study.saddle.imaginary_wavenumber:.0f}i cm⁻¹", flush=True)
        metadata = {
            "reference": f"LEPSCalculator(sato={SATO})", "path_fraction": fraction, "n_structures": len(frames),
            "made_by": "assets/scripts/train_leps_model.py", "date": date.today().isoformat(),
            "versions": f"python {platform.python_version()}, torch {torch.__version__}",
            "best_epoch": result.best_epoch, "val_energy_mae_mev_per_atom": best.val_energy_mae,
            "val_force_mae_mev_per_a": best.val_force_mae, "barrier_ev": model_study.barrier,
            "reference_barrier_ev": study.barrier, "imaginary_cm1": model_study.saddle.imaginary_wavenumber,
        }
        save_model(result.model, Path(args.out) / name, metadata)


if __name__ == "__main__":
    main()
