"""Many water trajectories advanced as one batch (nnpes_core.dynamics.run_ensemble): throughput in
molecule-steps per second against the number of trajectories in the batch, and the gain over one
trajectory alone. NVE velocity Verlet, float64, 0.5 fs, 300 K start; a CUDA column when a GPU is present.

    python benchmarks/md_ensemble.py                          # bp and equivariant, CPU (and CUDA)
    python benchmarks/md_ensemble.py --models bp --sizes 1 8 64 256 --steps 300 --repeats 3

Each number is the median over repeats of (trajectories x steps) / wall time of the integration loop
(the first force call and the Verlet-list build are outside it). Also measured: the ASE calculator path
for one trajectory (ASE's VelocityVerlet), for comparison.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle threads sleep: robust on a shared machine
import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from nnpes_core.calculator import ATOMS_PER_THREAD, NNPESCalculator  # noqa: E402
from nnpes_core.data import molecule  # noqa: E402
from nnpes_core.dynamics import run_ensemble, run_md  # noqa: E402
from nnpes_core.models import load_model  # noqa: E402

MODELS = ROOT / "assets" / "models"


def ensemble_rate(model, n_trajectories: int, steps: int, device: str) -> tuple[float, float]:
    """Molecule-steps per second of one batched run, and the median over its trajectories of the largest
    |E_tot(t) - E_tot(0)| (meV): conservation measured per trajectory."""
    run = run_ensemble(model, [molecule("H2O")] * n_trajectories, steps, 0.5, "nve", temperature=300.0, seed=0,
                       record_every=max(1, steps // 20), record_trajectory=False, device=device)
    if any(run.failure):
        raise RuntimeError(f"a trajectory failed: {run.failure}")
    change = np.abs(run.total_energy - run.total_energy[0]).max(axis=0)  # [n_traj] eV
    return run.molecule_steps_per_second, 1e3 * float(np.median(change))


def ase_rate(model, steps: int) -> float:
    atoms = molecule("H2O")
    atoms.calc = NNPESCalculator(model, dtype=torch.float64)
    return run_md(atoms, steps, 0.5, "nve", 300.0, record_every=steps, record_trajectory=False).steps_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["bp", "equivariant", "direct"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1, 4, 16, 64, 256])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    where = ", ".join(["CPU"] + ([torch.cuda.get_device_name()] if len(devices) > 1 else []))
    print(f"NVE water, 0.5 fs, {args.steps} steps, median of {args.repeats}; {where}; CPU threads by system size "
          f"(1 below {ATOMS_PER_THREAD} atoms, at most "
          f"{torch.get_num_threads()}); load average {os.getloadavg()[0]:.1f}", flush=True)
    columns = "".join(f" {device + ' mol-steps/s':>20} {'gain':>6}" for device in devices)
    header = f"{'model':<12} {'trajectories':>12}{columns} {'max|ΔE| meV':>12}"
    print(header)
    print("-" * len(header))
    for kind in args.models:
        path = MODELS / f"water_{kind}.pt"
        if not path.exists():
            print(f"{kind:<12} (no {path.name})")
            continue
        model = load_model(path, dtype=torch.float64)
        single = statistics.median(ase_rate(model, args.steps) for _ in range(args.repeats))
        print(f"{kind:<12} {'1 (ASE)':>12} {single:>20.0f} {'':>6}", flush=True)
        base: dict[str, float] = {}
        for size in args.sizes:
            cells, drift = "", float("nan")
            for device in devices:
                results = [ensemble_rate(model, size, args.steps, device) for _ in range(args.repeats)]
                rate = statistics.median(r[0] for r in results)
                drift = statistics.median(r[1] for r in results) if device == "cpu" else drift
                base.setdefault(device, rate)
                cells += f" {rate:>20.0f} {rate / base[device]:>5.1f}x"
            print(f"{kind:<12} {size:>12}{cells} {drift:>12.2f}", flush=True)
    print("gain: molecule-steps/s over the batch of 1 on the same device (the first size given); max|ΔE|: median "
          "over the trajectories of the largest |E_tot(t) - E_tot(0)| (CPU run)")


if __name__ == "__main__":
    main()
