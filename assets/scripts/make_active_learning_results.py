"""Write assets/data/active_learning_water.json: uncertainty vs random selection on the shipped water data,
several seeds, for lesson 9 (the page shows it as precomputed; assets/data/ACTIVE_LEARNING.md has the
provenance).

Same runs as benchmarks/active_learning.py (same options and defaults), plus the file with provenance.

    OMP_NUM_THREADS=1 .venv/bin/python assets/scripts/make_active_learning_results.py
"""
from __future__ import annotations

import datetime
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import active_learning as benchmark  # noqa: E402  (benchmarks/active_learning.py)
import ase  # noqa: E402
import torch  # noqa: E402

from nnpes_core.active_learning.comparison import save_comparison  # noqa: E402

OUT = ROOT / "assets" / "data" / "active_learning_water.json"


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    arguments = benchmark.parser(__doc__).parse_args()
    comparison = benchmark.run(arguments)
    comparison.provenance.update({
        "script": "assets/scripts/make_active_learning_results.py", "command": " ".join(sys.argv[1:]) or "(defaults)",
        "date": datetime.date.today().isoformat(), "git_commit": git_commit(),
        "pool": "assets/data/water_b3lyp_631gs_train.extxyz (1000 structures, labels revealed when picked)",
        "test": "assets/data/water_b3lyp_631gs_test.extxyz (300 structures)",
        "reference": "PySCF B3LYP/6-31G* (assets/data/PROVENANCE.md)",
        "versions": {"python": platform.python_version(), "torch": str(torch.__version__), "ase": ase.__version__},
        "threads": torch.get_num_threads(),
    })
    save_comparison(comparison, OUT)
    benchmark.print_tables(comparison, arguments.targets)
    print(f"-> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
