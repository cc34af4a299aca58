"""Write assets/data/water_b3lyp_631gs_hessian.json: the PySCF B3LYP/6-31G* minimum of water and its
Hessian, the reference for the harmonic frequencies of lesson 7 (Derivatives).

Same reference as the shipped water dataset (make_reference_data.py): BFGS from ASE's water geometry
to fmax 1e-4 eV/Å, then central differences of the analytic forces with a 0.005 Å step (18 gradient
calls, about 0.4 s each on one core; results already in the PySCF disk cache are reused).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python assets/scripts/make_water_hessian.py [--no-cache]

--no-cache computes every call afresh, so that the file records what the reference really costs.
"""
from __future__ import annotations

import datetime
import platform
import sys
from pathlib import Path

import ase
import numpy as np
import pyscf

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from nnpes_core.analysis.vibrations import harmonic_analysis  # noqa: E402
from nnpes_core.data import molecule  # noqa: E402
from nnpes_core.data.reference_hessian import compute_reference_hessian, write_reference_hessian  # noqa: E402
from nnpes_core.potentials import PySCFCalculator  # noqa: E402
from nnpes_core.potentials.quantum import CODE_VERSION  # noqa: E402

OUT = ROOT / "assets" / "data" / "water_b3lyp_631gs_hessian.json"


def main() -> None:
    calculator = PySCFCalculator("b3lyp", "6-31g*", cache_dir=None if "--no-cache" in sys.argv else "auto")
    reference = compute_reference_hessian(molecule("H2O"), calculator, fmax=1e-4, delta=5e-3,
                                          progress=lambda message: print(message, flush=True))
    analysis = harmonic_analysis(reference.hessian, reference.atoms.get_masses(), reference.atoms.positions)
    reference.metadata.update({
        "method": "b3lyp", "basis": "6-31g*", "reference": "PySCF RKS B3LYP/6-31G*, analytic forces "
        "(grid response), SCF conv_tol 1e-10 Eh, grid level 3", "start": "ase.build.molecule('H2O')",
        "made_by": "assets/scripts/make_water_hessian.py", "date": datetime.date.today().isoformat(),
        "versions": f"Python {platform.python_version()}, PySCF {pyscf.__version__}, ASE {ase.__version__}, "
                    f"NumPy {np.__version__}, PySCFCalculator code version {CODE_VERSION}",
        "wavenumbers_cm-1": [round(float(w), 2) for w in analysis.wavenumbers],
    })
    write_reference_hessian(OUT, reference)
    atoms = reference.atoms
    print(f"r_OH = {atoms.get_distance(0, 1):.4f} Å, angle HOH = {atoms.get_angle(1, 0, 2):.2f}°, "
          f"E = {reference.energy:.6f} eV; wavenumbers {np.round(analysis.wavenumbers, 1).tolist()} cm⁻¹; "
          f"{reference.metadata['optimisation_calls']} + {reference.metadata['hessian_calls']} calls in "
          f"{reference.metadata['seconds']:.1f} s ({reference.metadata['calls_from_cache']} from the disk cache) "
          f"-> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
