"""quiz attempts record whether the student answered to the end

Revision ID: 0005_quiz_attempts_complete
Revises: 0004_regrades_overrides

An attempt the student stopped midway (`q` in `grader quiz take`) keeps the answers given;
`complete` tells it apart from one answered to the end. Every attempt stored before this
revision was complete.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_quiz_attempts_complete"
down_revision = "0004_regrades_overrides"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("complete", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_column("complete")
