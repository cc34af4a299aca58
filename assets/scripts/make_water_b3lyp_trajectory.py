"""Write assets/data/water_b3lyp_631gs_nve_300K.extxyz: an NVE trajectory of water on the PySCF
B3LYP/6-31G* surface itself, the reference that lesson 8 compares learned trajectories with.

Start: the B3LYP/6-31G* minimum of assets/data/water_b3lyp_631gs_hessian.json, Maxwell-Boltzmann
velocities at 300 K (seed 0) without net translation or rotation (``initialise_velocities``).
Velocity Verlet through ASE, 0.5 fs, ``--steps`` steps (the shipped file: 1000, i.e. 0.5 ps); every 2nd step
is written (positions, momenta, energy, forces, time). One B3LYP gradient per step, 0.43 s each on one quiet
core; results already in the PySCF disk cache are reused, so an interrupted run continues where it stopped.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python assets/scripts/make_water_b3lyp_trajectory.py --steps 1000
"""
from __future__ import annotations

import argparse
import datetime
import platform
import sys
import time
from pathlib import Path

import ase
import numpy as np
import pyscf

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from nnpes_core.data.reference_hessian import read_reference_hessian  # noqa: E402
from nnpes_core.dynamics import run_nve  # noqa: E402
from nnpes_core.potentials import PySCFCalculator  # noqa: E402
from nnpes_core.potentials.quantum import CODE_VERSION  # noqa: E402

DATA = ROOT / "assets" / "data"
OUT = DATA / "water_b3lyp_631gs_nve_300K.extxyz"
TIMESTEP_FS, TEMPERATURE_K, SEED, RECORD_EVERY = 0.5, 300.0, 0, 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1000, help="velocity-Verlet steps of 0.5 fs")
    steps = parser.parse_args().steps
    start = read_reference_hessian(DATA / "water_b3lyp_631gs_hessian.json").atoms
    start.calc = PySCFCalculator("b3lyp", "6-31g*")
    began = time.perf_counter()

    def progress(done: int, total: int) -> None:
        print(f"  step {done}/{total}  {time.perf_counter() - began:7.0f} s", flush=True)

    run = run_nve(start, steps, TIMESTEP_FS, TEMPERATURE_K, seed=SEED, record_every=RECORD_EVERY,
                  record_positions=True, progress=progress, progress_every=50)
    if run.failure:
        raise SystemExit(f"the reference trajectory failed: {run.failure}")
    frames = run.frames()
    frames[0].info.update(
        reference="PySCF RKS B3LYP/6-31G*, analytic forces (grid response), SCF conv_tol 1e-10 Eh, grid level 3",
        start="B3LYP/6-31G* minimum (water_b3lyp_631gs_hessian.json), Maxwell-Boltzmann 300 K, seed 0, "
              "no net translation or rotation",
        integrator=f"ASE VelocityVerlet, {TIMESTEP_FS} fs, {steps} steps, every {RECORD_EVERY}nd step written",
        made_by="assets/scripts/make_water_b3lyp_trajectory.py", date=datetime.date.today().isoformat(),
        versions=f"Python {platform.python_version()}, PySCF {pyscf.__version__}, ASE {ase.__version__}, "
                 f"NumPy {np.__version__}, PySCFCalculator code version {CODE_VERSION}",
        timestep_fs=TIMESTEP_FS, record_every=RECORD_EVERY, temperature_K=TEMPERATURE_K, seed=SEED,
    )
    ase.io.write(OUT, frames, format="extxyz")
    total = run.total_energy
    print(f"{run.n_frames} frames, {time.perf_counter() - began:.0f} s; E_tot drift {run.drift_ev_per_ps:+.2e} eV/ps, "
          f"fluctuation {1e3 * run.energy_fluctuation:.3f} meV, max |E_tot - E_tot(0)| "
          f"{1e3 * np.abs(total - total[0]).max():.3f} meV, mean T {run.temperature.mean():.0f} K -> "
          f"{OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
