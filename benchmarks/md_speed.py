"""MD speed through the ASE calculator exactly as a user meets it: a fresh Python process with the
default environment (no OMP_* or other thread variables set) running this homework script

    atoms = molecule("H2O")
    atoms.calc = nnpes_core.load_calculator("assets/models/water_<kind>.pt")
    VelocityVerlet(atoms, timestep=0.5 * units.fs).run(steps)

measured quiet and while one other process keeps a CPU core busy, next to ASE's own loop with a
zero-cost calculator (forces = 0) under the same conditions. The ratio model / zero-cost is the number
to read: on a shared machine absolute steps/s move with the load, the ratio much less.

    python benchmarks/md_speed.py                       # bp and equivariant, 3 repeats
    python benchmarks/md_speed.py --models bp equivariant direct cartesian --steps 2000 --repeats 5
    python benchmarks/md_speed.py --threads none        # the calculator leaving torch's threads alone

Each number is the median over repeats of one subprocess each (50 warm-up steps, then ``--steps``).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "TORCH_NUM_THREADS", "KMP_BLOCKTIME")

# The user's script (run in a fresh interpreter). "zero" is ASE's loop with a calculator that costs nothing.
USER_SCRIPT = r"""
import json, sys, time
import numpy as np
from ase import units
from ase.build import molecule
from ase.calculators.calculator import Calculator, all_changes
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
from ase.md.verlet import VelocityVerlet

kind, steps, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3]


class ZeroCost(Calculator):
    implemented_properties = ["energy", "forces"]

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        self.results = {"energy": 0.0, "forces": np.zeros((len(self.atoms), 3))}


atoms = molecule("H2O")
if kind == "zero":
    atoms.calc = ZeroCost()
else:
    import nnpes_core
    if threads == "auto":
        atoms.calc = nnpes_core.load_calculator(f"assets/models/water_{kind}.pt")
    else:
        from nnpes_core.calculator import load_calculator
        atoms.calc = load_calculator(f"assets/models/water_{kind}.pt", threads=None if threads == "none" else int(threads))
MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(0))
dynamics = VelocityVerlet(atoms, timestep=0.5 * units.fs)
dynamics.run(50)
start = time.perf_counter()
dynamics.run(steps)
print(json.dumps({"steps_per_second": steps / (time.perf_counter() - start)}))
"""

BUSY_LOOP = "while True:\n    pass\n"


def user_environment() -> dict[str, str]:
    """The caller's environment without any thread setting, and the repository on the path."""
    environment = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    environment["PYTHONPATH"] = str(ROOT)
    return environment


def measure(kind: str, steps: int, threads: str) -> float:
    output = subprocess.run([sys.executable, "-c", USER_SCRIPT, kind, str(steps), threads], cwd=ROOT,
                            env=user_environment(), capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])["steps_per_second"]


def median_speeds(kinds: list[str], steps: int, repeats: int, threads: str) -> dict[str, float]:
    """Median steps/s of every kind (and the zero-cost loop), repeats interleaved so that a change of
    load hits every kind alike."""
    speeds: dict[str, list[float]] = {kind: [] for kind in ["zero", *kinds]}
    for _ in range(repeats):
        for kind in speeds:
            speeds[kind].append(measure(kind, steps if kind != "zero" else 10 * steps, threads))
    return {kind: statistics.median(values) for kind, values in speeds.items()}


def with_busy_core(function, *args):
    """Run ``function(*args)`` while one other process spins on a core; stop that process after."""
    busy = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    try:
        time.sleep(0.5)
        return function(*args)
    finally:
        busy.terminate()
        busy.wait()


def main() -> None:
    # a SIGTERM (timeout, kill) unwinds like Ctrl-C, so that the busy process is always stopped
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["bp", "equivariant"])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", default="auto", help="auto (the default of load_calculator), none, or a number")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"ASE VelocityVerlet, water, 0.5 fs, {args.steps} steps after 50 warm-up, median of {args.repeats} "
          f"fresh processes; default environment (no thread variables); calculator threads={args.threads}; "
          f"{cores} cores; load average before: {os.getloadavg()[0]:.1f}", flush=True)
    quiet = median_speeds(args.models, args.steps, args.repeats, args.threads)
    busy = with_busy_core(median_speeds, args.models, args.steps, args.repeats, args.threads)
    header = (f"{'calculator':<12} {'quiet steps/s':>14} {'ratio':>7} {'busy steps/s':>13} {'ratio':>7}")
    print(header)
    print("-" * len(header))
    for kind in ["zero", *args.models]:
        label = "zero-cost" if kind == "zero" else kind
        print(f"{label:<12} {quiet[kind]:>14.0f} {quiet[kind] / quiet['zero']:>7.3f} "
              f"{busy[kind]:>13.0f} {busy[kind] / busy['zero']:>7.3f}", flush=True)
    print(f"ratio = model steps/s / zero-cost steps/s in the same condition; busy = one other process "
          f"spinning on a core; load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
