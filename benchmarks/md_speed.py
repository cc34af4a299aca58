"""MD speed and energy conservation of every model kind through the ASE calculator.

    python benchmarks/md_speed.py                 # shipped water models, 2 CPU threads, float64
    python benchmarks/md_speed.py --device cuda --steps 2000 --repeats 5

Velocity Verlet (NVE), water started at 300 K, 0.5 fs; steps/s is the median over repeats, the drift
is the slope of the total energy (eV/ps) and the fluctuation its spread around that line.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle threads sleep: robust on a shared machine
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from nnpes_core.calculator import load_calculator  # noqa: E402
from nnpes_core.data import molecule  # noqa: E402
from nnpes_core.dynamics import run_nve  # noqa: E402

MODELS = ROOT / "assets" / "models"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["cartesian", "direct", "bp", "equivariant"])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timestep", type=float, default=0.5, help="fs")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    # one thread: a water molecule's tensors are tiny, and waking a second thread for each small
    # operation costs more than it saves (measured: bp 732 steps/s on 1 thread, 291 on 2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    where = torch.cuda.get_device_name() if args.device.startswith("cuda") else f"CPU, {args.threads} threads"
    print(f"NVE water, 300 K start, {args.timestep} fs, {args.steps} steps x {args.repeats}; {where}, {args.dtype}")
    header = f"{'model':<12} {'steps/s':>9} {'drift eV/ps':>12} {'fluct. meV':>11}"
    print(header)
    print("-" * len(header))
    for kind in args.models:
        path = MODELS / f"water_{kind}.pt"
        if not path.exists():
            print(f"{kind:<12} (no {path.name}: run assets/scripts/train_pretrained.py)")
            continue
        speeds, drifts, fluctuations = [], [], []
        for repeat in range(args.repeats):
            atoms = molecule("H2O")
            atoms.calc = load_calculator(path, device=args.device, dtype=args.dtype)
            atoms.get_forces()  # warm-up outside the timing
            run = run_nve(atoms, steps=args.steps, timestep_fs=args.timestep, temperature=300.0, seed=repeat)
            speeds.append(run.steps_per_second)
            drifts.append(run.drift_ev_per_ps)
            fluctuations.append(run.energy_fluctuation)
        print(f"{kind:<12} {statistics.median(speeds):>9.0f} {statistics.median(drifts):>12.2e} "
              f"{1e3 * statistics.median(fluctuations):>11.4f}", flush=True)


if __name__ == "__main__":
    main()
