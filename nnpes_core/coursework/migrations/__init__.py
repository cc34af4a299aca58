"""Alembic migrations of the coursework schema (run by the app: nnpes_core.coursework.database)."""
