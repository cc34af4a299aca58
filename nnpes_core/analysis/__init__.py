"""Measured checks of a model: symmetry, derivatives, conservation, vibrations.

- ``symmetry``: energy invariance and force/Hessian equivariance under translation, rotation,
  reflection and permutation of same-element atoms (``symmetry_errors``, ``hessian_equivariance_error``).
- ``derivatives``: finite differences against autograd over step sizes (``fd_vs_autograd``), the Hessian
  and Hessian-vector products, timings.
- ``conservation``: curl of 2-D force fields, work around closed loops (zero for F = -grad E).
- ``vibrations``: normal modes and harmonic wavenumbers (cm^-1) with rigid-body motion projected out.

Every function takes a model (any kind, committees included) or a plain callable, ``ase.Atoms`` and a
dtype, never changes the caller's model or torch's global state, and returns numpy arrays or plain
floats and dicts that a page can put in a table.
"""
from nnpes_core.analysis.conservation import (
    circular_loop, closed_loop_work, curl_2d, force_field_from_energy, loop_tangents, loop_work,
)
from nnpes_core.analysis.derivatives import (
    DEFAULT_STEPS, displaced_copies, energy_gradient_forces, fd_vs_autograd, finite_difference_forces, hessian,
    hessian_vector_product, model_forces, time_forces_vs_fd,
)
from nnpes_core.analysis.evaluation import energies, energies_and_forces, model_in_dtype
from nnpes_core.analysis.symmetry import (
    OPERATIONS, SymmetryOperation, applicable_operations, hessian_equivariance_error, random_operation,
    random_permutation, random_reflection, random_rotation, symmetry_errors,
)
from nnpes_core.analysis.vibrations import (
    HarmonicAnalysis, harmonic_analysis, mode_animation_frames, rigid_body_basis, vibrational_analysis,
)

__all__ = [
    "SymmetryOperation", "OPERATIONS", "random_rotation", "random_reflection", "random_permutation",
    "random_operation", "applicable_operations", "symmetry_errors", "hessian_equivariance_error",
    "DEFAULT_STEPS", "displaced_copies", "finite_difference_forces", "model_forces", "energy_gradient_forces",
    "fd_vs_autograd", "hessian", "hessian_vector_product", "time_forces_vs_fd",
    "curl_2d", "loop_work", "force_field_from_energy", "circular_loop", "loop_tangents", "closed_loop_work",
    "HarmonicAnalysis", "harmonic_analysis", "vibrational_analysis", "rigid_body_basis", "mode_animation_frames",
    "energies", "energies_and_forces", "model_in_dtype",
]
