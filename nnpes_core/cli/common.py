"""What every ``nnpes`` command shares: the bad-input exit code, its error type, and reading files.

Commands raise :class:`CommandError` (or a ``ValueError`` subclass from the core) for anything wrong with
what the user asked for; ``nnpes_core.cli.main`` turns it into one line on stderr and exit code 2.
Heavy imports (torch, ASE, PySCF) stay inside the functions, so that ``nnpes --help`` starts fast.
"""
from __future__ import annotations

EXIT_BAD_INPUT = 2


class CommandError(Exception):
    """A problem with what the user asked for: printed as one line, exit code 2."""


def read_structures(path: str, **checks) -> list:
    """The structures (ASE Atoms) of an extended-XYZ file, checked by ``nnpes_core.data.read_dataset``.

    ``checks`` are read_dataset's options, e.g. ``require_energy=False, require_forces=False`` for a
    starting geometry; a missing or malformed file raises ``DatasetError`` (exit code 2).
    """
    from nnpes_core.data import read_dataset

    return read_dataset(path, **checks)


def file_sha256(path: str) -> str:
    """SHA-256 of a file's bytes (hex): the provenance a trained model records of its data."""
    import hashlib

    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()
