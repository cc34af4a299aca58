"""A real PostgreSQL server for the tests: a throw-away cluster in a temporary folder, on a free port.

    server = PostgresServer.start()        # initdb + pg_ctl start (as the postgres user when root)
    url = server.create_database("t1")    # "postgresql+psycopg://postgres@127.0.0.1:PORT/t1"
    server.stop(); server.restart()       # a real outage, and the server coming back
    server.destroy()                      # stop and delete the folder

The server binaries (initdb, pg_ctl) come from PATH or Debian's /usr/lib/postgresql/*/bin (package
postgresql). initdb refuses to run as root, so as root the cluster belongs to the ``postgres`` user
and the commands run through ``runuser``. Connections: TCP on 127.0.0.1 only, trust authentication
(a test cluster that lives for one test session and listens on loopback only).
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when PostgreSQL's server is not installed."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    return None


PREFIX = "nnpes-postgres-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_orphans() -> None:
    """Stop and delete test clusters left behind by a test run that was killed (its owner is gone)."""
    for folder in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            owner = int((folder / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if not _alive(owner):
            user = "postgres" if os.geteuid() == 0 else None
            binaries = server_binaries()
            if binaries is not None and (folder / "data" / "postmaster.pid").exists():
                PostgresServer(folder, 0, binaries, user).destroy()
            else:
                shutil.rmtree(folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    def __init__(self, folder: Path, port: int, binaries: Path, user: str | None):
        self.folder, self.port, self.binaries, self.user = folder, port, binaries, user
        self.data = folder / "data"
        self.log = folder / "server.log"

    def _run(self, *argv: str, timeout: float = 60) -> None:
        command = [str(self.binaries / argv[0]), *argv[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.folder)
        if result.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed ({result.returncode}): {result.stderr.strip()[-800:]}")

    @classmethod
    def start(cls) -> PostgresServer:
        """initdb a new cluster in a temporary folder and start it on a free port (waits until ready)."""
        binaries = server_binaries()
        if binaries is None:
            raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
        stop_orphans()
        folder = Path(tempfile.mkdtemp(prefix=PREFIX))
        (folder / "owner.pid").write_text(str(os.getpid()))
        user = None
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres user
            user = "postgres"
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        server = cls(folder, _free_port(), binaries, user)
        server._run("initdb", "-D", str(server.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--locale=C", "--no-sync")
        server.restart()
        return server

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def restart(self) -> None:
        """Start the (stopped) server and wait until it accepts connections."""
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{self.folder}' "
                   "-c fsync=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start",
                  timeout=90)

    def stop(self) -> None:
        """Stop the server now (fast shutdown: open connections are closed)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> str:
        """Create an empty database ``name`` and return its SQLAlchemy URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self) -> None:
        """Stop the server (if running) and delete its folder."""
        try:
            self.stop()
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.folder, ignore_errors=True)
