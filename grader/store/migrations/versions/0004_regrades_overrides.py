"""regrades (a submission row that grades an attempt again), score overrides, and which
stub function a failed test was waiting for

Revision ID: 0004_regrades_overrides
Revises: 0002_quizzes
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_regrades_overrides"
down_revision = "0002_quizzes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("regrade_of", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_submissions_regrade_of"), ["regrade_of"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_submissions_regrade_of_submissions"),
            "submissions",
            ["regrade_of"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("test_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unwritten", sa.String(length=200), server_default="", nullable=False))
    op.create_table(
        "score_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("exercise", sa.String(length=100), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("graded_score", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_score_overrides_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_overrides")),
    )
    with op.batch_alter_table("score_overrides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_score_overrides_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_score_overrides_submission_id"), ["submission_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("score_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_overrides_submission_id"))
        batch_op.drop_index(batch_op.f("ix_score_overrides_created_at"))
    op.drop_table("score_overrides")
    with op.batch_alter_table("test_results", schema=None) as batch_op:
        batch_op.drop_column("unwritten")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_submissions_regrade_of_submissions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_submissions_regrade_of"))
        batch_op.drop_column("regrade_of")
