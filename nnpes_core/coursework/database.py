"""Where the coursework is stored: one SQLAlchemy engine per process, the schema migrated by the app.

The database is chosen by one URL:

- ``NNPES_DATABASE_URL`` (or the ``url`` a caller passes, e.g. from Streamlit secrets), such as
  ``postgresql://nnpes:secret@db.example/nnpes`` (the psycopg 3 driver is used) or ``sqlite:///path``;
- otherwise an SQLite file at ``NNPES_DATABASE_PATH``, by default
  ``$XDG_DATA_HOME/nnpes-lab/coursework.sqlite3`` (``~/.local/share/...``), created on first use.

Streamlit runs every browser session in its own thread, so the engine is shared and pooled: each call
takes a connection from the pool for one short transaction and gives it back. SQLite runs in WAL mode
(readers never wait for the writer) with a busy timeout (a writer waits its turn instead of failing);
PostgreSQL connections are checked before use (``pool_pre_ping``), so a restarted server is picked up.
The schema is created and upgraded by the Alembic migrations in ``migrations/versions`` when a process
first uses the database; a lock (PostgreSQL advisory lock, or a lock file next to the SQLite file)
lets several app processes start at once.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from nnpes_core.coursework.errors import DatabaseUnavailable

logger = logging.getLogger("nnpes.coursework")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 5.0  # a writer waits this long for another writer before giving up
CONNECT_TIMEOUT_S = 3  # PostgreSQL: an unreachable server costs a page at most this long
_MIGRATION_LOCK_ID = 7_123_001  # pg_advisory_xact_lock key of the migrations
_ALEMBIC_LOCK = threading.Lock()  # Alembic's `context` is one global proxy: one migration per process at a time


def default_sqlite_path() -> Path:
    """``NNPES_DATABASE_PATH``, else ``$XDG_DATA_HOME/nnpes-lab/coursework.sqlite3``."""
    if os.environ.get("NNPES_DATABASE_PATH"):
        return Path(os.environ["NNPES_DATABASE_PATH"]).expanduser()
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "nnpes-lab" / "coursework.sqlite3"


def database_url(url: str | None = None) -> str:
    """The URL to use: ``url`` if given, else ``NNPES_DATABASE_URL``, else the default SQLite file.

    ``postgresql://`` and ``postgres://`` URLs get the psycopg 3 driver (``postgresql+psycopg://``).
    """
    url = (url or os.environ.get("NNPES_DATABASE_URL") or "").strip()
    if not url:
        return f"sqlite:///{default_sqlite_path()}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_engine(url: str) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(connection, _record) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers and one writer at the same time
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")  # SQLite enforces ON DELETE CASCADE only with this
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, and much faster than FULL
        cursor.close()
    return engine


def make_engine(url: str) -> Engine:
    """A pooled engine for ``url`` (SQLite: WAL + busy timeout; PostgreSQL: connect timeout, pre-ping)."""
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(url, pool_size=5, max_overflow=10, pool_timeout=10, pool_pre_ping=True,
                         pool_recycle=1800, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})


def alembic_config(connection=None):
    """An Alembic Config for the migrations shipped in this package (for ``alembic.command.*``)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (POSIX flock) while the block runs; no lock where flock is missing."""
    try:
        import fcntl
    except ImportError:  # Windows: one process at a time is the user's business there
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade_schema(engine: Engine) -> str:
    """Bring the schema to the newest migration (creating it in an empty database); returns the revision.

    Safe when several processes start at once: they take turns under a lock."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    path = make_url(str(engine.url)).database
    is_file = engine.dialect.name == "sqlite" and path not in (None, "", ":memory:")
    lock = _file_lock(Path(f"{path}.migrate-lock")) if is_file else contextlib.nullcontext()
    with _ALEMBIC_LOCK, lock, engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # held until this transaction ends
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_ID})
        command.upgrade(alembic_config(connection), "head")
        return MigrationContext.configure(connection).get_current_revision()


class Database:
    """One database: a pooled engine, a session factory, and the schema made current on first use."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    @property
    def backend(self) -> str:
        """"sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def ensure_schema(self) -> None:
        """Run the migrations once per process (again after a failure, e.g. while the server was down)."""
        if self._schema_ready:
            return
        with self._schema_lock, _unavailable_as_error():
            if not self._schema_ready:
                revision = upgrade_schema(self.engine)
                logger.info("coursework database %s at schema revision %s", self.engine.url, revision)
                self._schema_ready = True

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed at the end of the block, rolled back on an error.
        An unreachable database raises DatabaseUnavailable."""
        self.ensure_schema()
        with _unavailable_as_error(), self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        """Close the pooled connections (tests; the app keeps its engine for the life of the process)."""
        self.engine.dispose()


@contextlib.contextmanager
def _unavailable_as_error() -> Iterator[None]:
    try:
        yield
    except (OperationalError, InterfaceError, PoolTimeout) as error:
        reason = str(getattr(error, "orig", error) or error).strip().splitlines()[0][:200]
        logger.warning("coursework database unavailable: %s", reason)
        raise DatabaseUnavailable(f"The course database cannot be reached ({reason}).") from error


_databases: dict[str, Database] = {}
_databases_lock = threading.Lock()


def open_database(url: str | None = None) -> Database:
    """This process's one :class:`Database` for ``url`` (see :func:`database_url`), made on first call.

    Nothing is connected here: the first transaction connects and migrates."""
    resolved = database_url(url)
    with _databases_lock:
        if resolved not in _databases:
            _databases[resolved] = Database(resolved)
        return _databases[resolved]


def forget_database(url: str) -> None:
    """Close and drop the process's Database for ``url`` (tests that remove a database)."""
    with _databases_lock:
        database = _databases.pop(database_url(url), None)
    if database is not None:
        database.close()
