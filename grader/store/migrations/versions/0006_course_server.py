"""course server: submissions received before they are graded, and enrolments with tokens

Revision ID: 0006_course_server
Revises: 0005_quiz_attempts_complete
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_course_server"
down_revision = "0005_quiz_attempts_complete"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), server_default="graded", nullable=False))
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("requested", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("graded_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("failures", sa.Integer(), server_default="0", nullable=False))
        batch_op.alter_column("score", existing_type=sa.Float(), nullable=True)
        batch_op.alter_column("max_score", existing_type=sa.Float(), nullable=True)
        batch_op.alter_column("suite_version", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("sandbox", existing_type=sa.JSON(), nullable=True)
        batch_op.create_index(batch_op.f("ix_submissions_status"), ["status"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_submissions_student_id"), ["student_id", "idempotency_key"])
    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("section", sa.String(length=100), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name=op.f("fk_enrolments_student_id_students")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint("student_id", name=op.f("uq_enrolments_student_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_enrolments_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("enrolments")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_submissions_student_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_submissions_status"))
        batch_op.drop_column("failures")
        batch_op.drop_column("graded_at")
        batch_op.drop_column("requested")
        batch_op.drop_column("idempotency_key")
        batch_op.drop_column("status")
