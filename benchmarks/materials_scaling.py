"""Cost of energy + forces against the number of atoms for periodic fcc copper: O(N), measured.

    python benchmarks/materials_scaling.py                       # shipped cu_bp / cu_equivariant, 1 thread
    python benchmarks/materials_scaling.py --max-atoms 2048 --threads 2
    python benchmarks/materials_scaling.py --device cuda --md

Cubic supercells of 4 k³ atoms (32 ... 10,976) at EMT's lattice constant, rattled by 0.05 Å. Each point
is the median of ``--repeats`` evaluations of neighbour list + energy + forces (after a warm-up); the
slope p of time ∝ N^p is fitted from 100 atoms on. "CPU ms" is the processor time of this process per
evaluation (mean over the repeats): with one thread it is the work done, and unlike the wall time it
hardly changes when other programs share the machine. With ``--md`` the table also gives the time per step
of velocity-Verlet MD through the ASE calculator, which reuses its neighbour list while no atom has
moved more than half the skin (the usual MD setting).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np  # noqa: E402
import torch  # noqa: E402
from ase.md.verlet import VelocityVerlet  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from nnpes_core.analysis.cost import fit_power_law, time_energy_and_forces  # noqa: E402
from nnpes_core.dynamics import thermalize_momenta  # noqa: E402
from nnpes_core.materials import SUPERCELL_SIZES, rattled, supercell_with  # noqa: E402
from nnpes_core.materials.training import crystal_calculator  # noqa: E402
from nnpes_core.models import load_model  # noqa: E402
from nnpes_core.units import FS  # noqa: E402

MODELS = ROOT / "assets" / "models"


def md_seconds_per_step(model, atoms, device: str, steps: int = 5) -> float:
    """Median wall time of one velocity-Verlet step (2 fs) through the ASE calculator, after a warm-up."""
    atoms = atoms.copy()
    atoms.calc = crystal_calculator(model, dtype=None, device=device)
    thermalize_momenta(atoms, temperature_K=300.0, rng=np.random.default_rng(0))
    dynamics = VelocityVerlet(atoms, timestep=2.0 * FS)
    dynamics.run(1)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        dynamics.run(1)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["cu_bp", "cu_equivariant"])
    parser.add_argument("--max-atoms", type=int, default=SUPERCELL_SIZES[-1])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--md", action="store_true", help="also time MD steps through the ASE calculator")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    where = torch.cuda.get_device_name() if args.device.startswith("cuda") else f"CPU, {args.threads} thread(s)"
    sizes = [n for n in SUPERCELL_SIZES if n <= args.max_atoms]
    print(f"Periodic fcc Cu supercells, energy + forces; {where}, {args.dtype}, median of {args.repeats}")
    for name in args.models:
        path = MODELS / f"{name}.pt"
        if not path.exists():
            print(f"\n{name}: no {path.name} (run assets/scripts/make_materials_data.py)")
            continue
        model = load_model(path, device=args.device, dtype=getattr(torch, args.dtype))
        print(f"\n{name} ({model.kind}, cutoff {model.cutoff_radius:g} Å)")
        header = (f"{'atoms':>7} {'pairs/atom':>10} {'neigh. list ms':>14} {'total ms':>10} {'µs/atom':>8} "
                  f"{'CPU ms':>9} {'CPU µs/atom':>11}"
                  + (f" {'MD ms/step':>10}" if args.md else ""))
        print(header)
        print("-" * len(header))
        rng = np.random.default_rng(0)
        time_energy_and_forces(model, supercell_with("Cu", sizes[0]), repeats=1)  # warm-up
        n_atoms, seconds, cpu_seconds = [], [], []
        for n in sizes:
            atoms = rattled(supercell_with("Cu", n), 0.05, rng)
            cpu_start = time.process_time()
            point = time_energy_and_forces(model, atoms, repeats=args.repeats)
            cpu = (time.process_time() - cpu_start) / args.repeats
            n_atoms.append(n)
            seconds.append(point.seconds)
            cpu_seconds.append(cpu)
            line = (f"{n:7d} {point.n_pairs / n:10.1f} {1e3 * point.neighbor_seconds:14.2f} "
                    f"{1e3 * point.seconds:10.2f} {1e6 * point.seconds / n:8.2f} {1e3 * cpu:9.2f} {1e6 * cpu / n:11.2f}")
            if args.md:
                line += f" {1e3 * md_seconds_per_step(model, atoms, args.device):10.2f}"
            print(line, flush=True)
        slope, _ = fit_power_law(n_atoms, seconds, min_atoms=100)
        cpu_slope, _ = fit_power_law(n_atoms, cpu_seconds, min_atoms=100)
        print(f"fitted (N ≥ 100): wall time ∝ N^{slope:.2f}, CPU time ∝ N^{cpu_slope:.2f}")


if __name__ == "__main__":
    main()
