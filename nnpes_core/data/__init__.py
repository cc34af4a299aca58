"""Datasets of configurations with reference energies and forces.

- ``io``: extended XYZ (via ``ase.io``) is the file format: ``write_dataset``, ``read_dataset`` (checked,
  raising ``DatasetError`` with one clear line), seeded ``split_dataset`` and ``dataset_summary``.
- ``augmentation``: rotated copies of labelled structures (positions and forces turned, energy kept),
  ``augment_with_rotations``; ``upload``: one molecule from an uploaded XYZ file, checked.
- ``samplers``: where configurations come from (normal modes, Langevin MD, scans of internal
  coordinates), labelled with any ASE calculator; ``molecule(name)`` builds the starting geometry.
"""
from nnpes_core.data.augmentation import augment_with_rotations
from nnpes_core.data.io import (
    DatasetError, dataset_summary, labelled_copy, read_dataset, split_dataset, split_indices, write_dataset,
)
from nnpes_core.data.samplers import (
    NormalModes, finite_difference_hessian, get_coordinate, label, md_sampling, molecule, normal_mode_sampling,
    normal_modes, optimize, scan_1d, scan_2d, set_coordinate,
)

__all__ = [
    "DatasetError", "write_dataset", "read_dataset", "split_dataset", "split_indices", "dataset_summary",
    "labelled_copy", "molecule", "label", "optimize", "NormalModes", "finite_difference_hessian", "normal_modes",
    "normal_mode_sampling", "md_sampling", "scan_1d", "scan_2d", "get_coordinate", "set_coordinate",
    "augment_with_rotations",
]
