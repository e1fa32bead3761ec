"""the plans /match computed, with the pairs their user ticked

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'match_plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=False),
        sa.Column('departement', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column('waiting', sa.Integer(), nullable=False),
        sa.Column('pairs', sa.JSON(), nullable=False),
        sa.Column('unmatched', sa.JSON(), nullable=False),
        sa.Column('ticked', sa.JSON(), nullable=False),
        sa.Column('proposed', sa.JSON(), nullable=False),
        sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('match_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_plans_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('match_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_plans_user_id'))
    op.drop_table('match_plans')
