"""who decided a proposal, when it is not the caseworker who follows the household (a coordinator's /match)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposed_by', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_column('proposed_by')
