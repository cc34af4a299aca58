"""Start the NN-PES Lab server: ``python app/serve.py [--port 8501] [--address 127.0.0.1]``.

The one place for the server's command line: ``make run`` uses :func:`command`; the browser tests and
the benchmarks start a local server with :class:`LocalServer`. Static serving and the theme are in app/.streamlit/config.toml (read by Streamlit
because it sits next to Home.py).
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerError(RuntimeError):
    """The app server exited or did not answer its health check in time."""


class LocalServer:
    """The app on a free port of 127.0.0.1, its output in ``log_path``: for tests and benchmarks.

    ``env`` is added to the environment (after :data:`ENVIRONMENT`). The constructor returns when the
    server answers ``/_stcore/health`` (or raises ServerError naming the log); with ``timeout_s=None``
    it returns at once (start several, then ``wait_healthy`` each). ``stop()`` or a ``with`` block ends it.
    """

    def __init__(self, log_path: Path, env: dict | None = None, timeout_s: float | None = 180.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(command(self.port, address="127.0.0.1"), cwd=HOME.parents[1],
                                            env={**os.environ, **ENVIRONMENT, **(env or {})}, stdout=log,
                                            stderr=subprocess.STDOUT)
        if timeout_s is None:
            return
        try:
            self.wait_healthy(timeout_s)
        except BaseException:
            self.stop()
            raise

    def wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None:
                raise ServerError(f"the app server exited with code {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ServerError(f"the app server did not become healthy in {timeout_s:.0f} s; see {self.log_path}")
            time.sleep(0.3)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (all its threads, the job pool too), in s
        (Linux: /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> "LocalServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


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
