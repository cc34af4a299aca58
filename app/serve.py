"""Start the NN-PES Lab server: ``python app/serve.py [--port 8501] [--address 127.0.0.1]``.

The one place for the server's command line: ``make run`` and the browser test both use
:func:`command`. Static serving and the theme are in app/.streamlit/config.toml (read by Streamlit
because it sits next to Home.py).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HOME = Path(__file__).resolve().parent / "Home.py"

# No file watcher (reruns only when a user acts; saves CPU on a shared machine) and no browser tab
# opened by the server itself.
FLAGS = ["--server.headless", "true", "--server.fileWatcherType", "none"]

# Threads for the numerical libraries, set before torch/numpy load. PASSIVE: idle OpenMP threads sleep
# instead of spinning; with spinning threads, small models trained while anything else uses a core
# (the browser, another user) ran 10-40x slower on 2 cores.
ENVIRONMENT = {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}


def command(port: int = 8501, address: str | None = None, python: str = sys.executable) -> list[str]:
    """The argv that starts the app on ``port`` (all interfaces unless ``address`` is given)."""
    argv = [python, "-m", "streamlit", "run", str(HOME), "--server.port", str(port), *FLAGS]
    if address:
        argv += ["--server.address", address]
    return argv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default=None, help="e.g. 127.0.0.1 to accept local connections only")
    args = parser.parse_args()
    argv = command(args.port, args.address)
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
