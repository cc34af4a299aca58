"""One molecule from an uploaded XYZ / extended-XYZ file, checked before any model sees it.

A page that lets a student upload a structure must turn every bad file into one clear sentence, never a
traceback. :func:`read_structure_upload` reads the raw bytes (as a browser upload delivers them) and
raises :class:`StructureUploadError` (a ``ValueError``) naming the problem: empty, too big, not text,
not XYZ, an unknown or unsupported element, too many atoms, NaN coordinates, a periodic cell, or two
atoms on top of each other.
"""
from __future__ import annotations

import io
from collections.abc import Collection

import ase.io
import numpy as np
from ase import Atoms
from ase.data import chemical_symbols

from nnpes_core.data.io import MIN_DISTANCE_A, atom_count_problem, closest_pair

MAX_UPLOAD_BYTES = 1_000_000  # 1 MB: far more than one molecule needs


class StructureUploadError(ValueError):
    """An uploaded structure that cannot be used; the message is one line meant for the student."""


def _element_names(numbers: Collection[int]) -> str:
    return ", ".join(chemical_symbols[z] for z in sorted(numbers))


def read_structure_upload(
    data: bytes,
    filename: str = "upload.xyz",
    max_atoms: int = 60,
    allowed_numbers: Collection[int] | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    min_atoms: int = 1,
    neighbor_within: float | None = None,
) -> Atoms:
    """The first structure of an uploaded XYZ or extended-XYZ file, as ``ase.Atoms`` (Å, no cell).

    ``allowed_numbers`` are the atomic numbers the caller's models can describe (None: any element).
    ``min_atoms``: fewer atoms are refused (a single atom has nothing to turn). ``neighbor_within``
    (Å, e.g. the models' cutoff radius): at least one pair of atoms must be this close, else the models
    would see no neighbours at all. Labels in the file (energy, forces) are dropped: the page computes
    its own. Raises :class:`StructureUploadError` with a one-line reason for every file it cannot use.
    """
    name = filename or "the file"
    if not data or not data.strip():
        raise StructureUploadError(f"{name} is empty")
    if len(data) > max_bytes:
        raise StructureUploadError(f"{name} is {len(data) / 1e6:.1f} MB, more than the limit of "
                                   f"{max_bytes / 1e6:.1f} MB for one molecule")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise StructureUploadError(f"{name} is not a text file (an XYZ file is plain text)") from None
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    if not text.strip():
        raise StructureUploadError(f"{name} is empty")
    header = text.lstrip().split(maxsplit=1)[0]
    if header.isdigit() and int(header) > max_atoms:
        raise StructureUploadError(f"{name} holds {int(header)} atoms; this page handles at most {max_atoms}")
    if problem := atom_count_problem(text):
        raise StructureUploadError(f"{name} is not a valid XYZ file ({problem})")
    try:
        atoms = ase.io.read(io.StringIO(text), index=0, format="extxyz")
    except KeyError as error:  # ase looks the symbol up in its table of elements
        symbol = str(error).strip("'\"")
        raise StructureUploadError(f"{name}: {symbol!r} is not a chemical element symbol") from None
    except Exception as error:  # the extxyz parser raises many kinds; all mean "malformed"
        reason = " ".join(str(error).replace("ase.io.extxyz:", "").split()) or type(error).__name__
        raise StructureUploadError(f"{name} is not a valid XYZ file ({reason[:160]})") from None
    if len(atoms) < max(min_atoms, 1):
        raise StructureUploadError(f"{name} contains {len(atoms)} atom{'s' if len(atoms) != 1 else ''}; "
                                   f"upload a molecule of at least {max(min_atoms, 1)}")
    if len(atoms) > max_atoms:
        raise StructureUploadError(f"{name} holds {len(atoms)} atoms; this page handles at most {max_atoms}")
    if atoms.pbc.any():
        raise StructureUploadError(f"{name} describes a periodic cell; upload an isolated molecule "
                                   "(no Lattice=... / pbc in the comment line)")
    if (atoms.numbers <= 0).any():
        raise StructureUploadError(f"{name} contains a dummy atom 'X'; use real chemical elements")
    if allowed_numbers is not None:
        unknown = set(atoms.numbers.tolist()) - {int(z) for z in allowed_numbers}
        if unknown:
            raise StructureUploadError(
                f"{name} contains {_element_names(unknown)}, which the models here do not know "
                f"(they know {_element_names({int(z) for z in allowed_numbers})})")
    positions = atoms.get_positions()
    if not np.all(np.isfinite(positions)):
        raise StructureUploadError(f"{name} contains NaN or infinite coordinates")
    pair = closest_pair(atoms)
    if pair is not None:
        i, j, distance = pair
        if distance < MIN_DISTANCE_A:
            raise StructureUploadError(
                f"{name}: atoms {i + 1} and {j + 1} are only {distance:.2f} Å apart "
                f"(less than {MIN_DISTANCE_A} Å): check the coordinates (they must be in Å)")
        if neighbor_within is not None and distance > neighbor_within:
            raise StructureUploadError(
                f"{name}: no two atoms are within {neighbor_within:g} Å of each other (the closest are "
                f"{distance:.1f} Å apart), so the models see no neighbours; are the coordinates in Å?")
    return Atoms(atoms.numbers, positions=positions)  # a clean copy: no labels, no cell
