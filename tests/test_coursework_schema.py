"""The coursework schema is made by the app's versioned migrations, never by hand: an empty database
migrated to the newest version holds exactly the tables of nnpes_core.coursework.tables; several
processes may start at once; SQLite runs in WAL mode with a busy timeout."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from nnpes_core import coursework as cw
from nnpes_core.coursework.database import Database, alembic_config, upgrade_schema
from nnpes_core.coursework.tables import Base

ROOT = Path(__file__).resolve().parents[1]
TABLES = {"courses", "students", "attempts", "lesson_visits", "trained_models", "alembic_version"}


def _head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_the_migrations_build_exactly_the_tables_of_the_models(coursework_url):
    database = cw.open_database(coursework_url)
    database.ensure_schema()
    with database.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == _head()
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                       Base.metadata)
    assert differences == []
    assert set(inspect(database.engine).get_table_names()) == TABLES


def test_migrations_go_down_and_up_again(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'down-up.sqlite3'}")
    upgrade_schema(database.engine)
    with database.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(database.engine).get_table_names()) == {"alembic_version"}
    assert upgrade_schema(database.engine) == _head()
    assert set(inspect(database.engine).get_table_names()) == TABLES
    database.close()


def test_app_processes_starting_at_once_migrate_the_same_database_once(coursework_url):
    """Replicas start together: separate processes, each with its own engine, take turns at the lock
    (a PostgreSQL advisory lock, or a lock file beside the SQLite file)."""
    if coursework_url.startswith("postgresql"):  # the shared test database is migrated: start from nothing
        with cw.open_database(coursework_url).engine.begin() as connection:
            connection.execute(text("DROP TABLE trained_models, lesson_visits, attempts, students, courses, "
                                    "alembic_version"))
        cw.database.forget_database(coursework_url)
    program = ("import sys; from nnpes_core.coursework.database import Database, upgrade_schema; "
               "print(upgrade_schema(Database(sys.argv[1]).engine))")
    replicas = [subprocess.Popen([sys.executable, "-c", program, coursework_url], cwd=ROOT, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)}) for _ in range(2)]
    outputs = [replica.communicate(timeout=120) for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0, 0], [err[-500:] for _, err in outputs]
    assert [out.strip() for out, _ in outputs] == [_head()] * 2
    course = cw.create_course(cw.open_database(coursework_url), "after a crowded start")
    assert cw.join_course(cw.open_database(coursework_url), course.code, "Ada").name == "Ada"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.close()


def test_the_default_database_is_an_sqlite_file_created_on_first_use(tmp_path, monkeypatch):
    monkeypatch.delenv("NNPES_DATABASE_URL", raising=False)
    monkeypatch.setenv("NNPES_DATABASE_PATH", str(tmp_path / "new" / "folder" / "class.sqlite3"))
    url = cw.database_url()
    assert url == f"sqlite:///{tmp_path / 'new' / 'folder' / 'class.sqlite3'}"
    database = Database(url)
    database.ensure_schema()
    assert (tmp_path / "new" / "folder" / "class.sqlite3").is_file()
    database.close()
    monkeypatch.setenv("NNPES_DATABASE_URL", "postgresql://u:p@db.example/nnpes")
    assert cw.database_url() == "postgresql+psycopg://u:p@db.example/nnpes"  # the psycopg 3 driver
