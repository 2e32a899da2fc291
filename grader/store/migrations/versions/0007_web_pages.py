"""web pages: deadline extensions given in the browser, and quiz sittings that last across page loads

Revision ID: 0007_web_pages
Revises: 0006_course_server
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_web_pages"
down_revision = "0006_course_server"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deadline_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("exercise", sa.String(length=100), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("timezone", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_deadline_extensions_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_extensions")),
    )
    with op.batch_alter_table("deadline_extensions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_extensions_student_id"), ["student_id"], unique=False)
    op.create_table(
        "quiz_sittings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("quiz", sa.String(length=100), nullable=False),
        sa.Column("quiz_hash", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["quiz_attempts.id"], name=op.f("fk_quiz_sittings_attempt_id_quiz_attempts")
        ),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name=op.f("fk_quiz_sittings_student_id_students")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_sittings")),
    )
    with op.batch_alter_table("quiz_sittings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_sittings_student_id"), ["student_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quiz_sittings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_sittings_student_id"))
    op.drop_table("quiz_sittings")
    with op.batch_alter_table("deadline_extensions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_extensions_student_id"))
    op.drop_table("deadline_extensions")
