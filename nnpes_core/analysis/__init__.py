"""Measured checks of a model, one module per idea of the course.

- ``evaluation``: how every check runs a model on ``ase.Atoms`` (energies, forces, Hessians and
  Hessian-vector products, all from the one derivative module ``nnpes_core.derivatives``).
- ``symmetry``: energy invariance and force/Hessian equivariance under translation, rotation,
  reflection and permutation of same-element atoms, random or chosen by hand (lesson 2);
  ``augmentation_study``: what rotated copies in the data can and cannot teach.
- ``descriptors``, ``equivariant_features``, ``locality``, ``long_range``, ``cost``: what the
  architectures of lesson 3 see, what their cutoff means, and what they cost.
- ``slices``: the learned surface cut along bonds and angles against the reference (lesson 5).
- ``conservation``: curl of 2-D force fields and the work around closed loops (lesson 6).
- ``finite_differences``, ``derivative_cost``: finite differences against autograd, and what forces
  and Hessians cost each way (lesson 7).
- ``vibrations``, ``frequency_comparison``: normal modes and harmonic wavenumbers (cm^-1).

Every function takes a model (any kind, committees included) or a plain callable, ``ase.Atoms`` and a
dtype, never changes the caller's model or torch's global state, and returns numpy arrays or plain
floats and dicts that a page can put in a table.
"""
from nnpes_core.analysis.conservation import (
    circle, circle_work, circular_loop, closed_loop_work, curl_2d, force_on_grid, loop_tangents, loop_work,
    stokes_work, work_by_radius,
)
from nnpes_core.analysis.evaluation import (
    energies, energies_and_forces, gradient_forces, hessian_vector_product, model_forces, model_hessian,
    model_in_dtype,
)
from nnpes_core.analysis.finite_differences import DEFAULT_STEPS, fd_vs_autograd, finite_difference_forces
from nnpes_core.analysis.symmetry import (
    OPERATIONS, applicable_operations, hessian_check, hessian_equivariance_error, random_operation,
    symmetry_errors, user_operation,
)
from nnpes_core.analysis.vibrations import (
    HarmonicAnalysis, harmonic_analysis, mode_animation_frames, rigid_body_basis, vibrational_analysis,
)

__all__ = [
    "OPERATIONS", "random_operation", "applicable_operations", "user_operation", "symmetry_errors",
    "hessian_check", "hessian_equivariance_error",
    "DEFAULT_STEPS", "finite_difference_forces", "fd_vs_autograd",
    "energies", "energies_and_forces", "model_forces", "gradient_forces", "model_hessian", "hessian_vector_product",
    "model_in_dtype",
    "curl_2d", "loop_work", "circle", "circle_work", "work_by_radius", "stokes_work", "force_on_grid",
    "circular_loop", "loop_tangents", "closed_loop_work",
    "HarmonicAnalysis", "harmonic_analysis", "vibrational_analysis", "rigid_body_basis", "mode_animation_frames",
]
