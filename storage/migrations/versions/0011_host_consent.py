"""the host consents: a deadline per département, the host's answer kept on the placement

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 20:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('departement_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_hours', sa.Integer(), nullable=False, server_default='48'))
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_due_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('host_answer', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))
        batch_op.add_column(sa.Column('host_answered_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decline_reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_column('decline_reason')
        batch_op.drop_column('host_answered_at')
        batch_op.drop_column('host_answer')
        batch_op.drop_column('consent_due_at')
    with op.batch_alter_table('departement_settings', schema=None) as batch_op:
        batch_op.drop_column('consent_hours')
