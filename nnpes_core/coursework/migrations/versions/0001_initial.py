"""Initial coursework schema: courses, students, attempts, lesson visits, trained models.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _student_fk() -> sa.Column:
    return sa.Column("student_id", sa.Integer(), sa.ForeignKey("students.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("code_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "students",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("course_id", sa.Integer(), sa.ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("name_key", sa.String(80), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("course_id", "name_key", name="uq_students_course_name"),
    )
    op.create_index("ix_students_course_id", "students", ["course_id"])
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        _student_fk(),
        sa.Column("lesson", sa.String(64), nullable=False),
        sa.Column("problem", sa.String(64), nullable=False),
        sa.Column("answer", sa.String(60), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_attempts_student_id", "attempts", ["student_id"])
    op.create_index("ix_attempts_lesson_problem", "attempts", ["lesson", "problem"])
    op.create_table(
        "lesson_visits",
        sa.Column("id", sa.Integer(), primary_key=True),
        _student_fk(),
        sa.Column("lesson", sa.String(64), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_lesson_visits_student_id", "lesson_visits", ["student_id"])
    op.create_table(
        "trained_models",
        sa.Column("id", sa.Integer(), primary_key=True),
        _student_fk(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("test_errors", sa.JSON(), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_trained_models_student_id", "trained_models", ["student_id"])


def downgrade() -> None:
    for table in ("trained_models", "lesson_visits", "attempts", "students", "courses"):
        op.drop_table(table)
