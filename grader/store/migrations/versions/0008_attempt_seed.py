"""the seed of each attempt's hidden inputs

Revision ID: 0008_attempt_seed
Revises: 0007_web_pages
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_attempt_seed"
down_revision = "0007_web_pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: attempts recorded before this revision have no seed. A plain ADD COLUMN, which
    # SQLite and PostgreSQL both do in place.
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seed", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("seed")
