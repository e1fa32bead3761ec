"""waiting list: where, when and the situation of households; situations per departement

Households recorded before were never asked: every new column stays empty (not stated).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 20:00:04.563229
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True))
        batch_op.add_column(sa.Column('radius_km', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('wanted_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('stay_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('situations', sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table('departement_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('situations_off', sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('household_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.drop_column('household_id')
    with op.batch_alter_table('departement_settings', schema=None) as batch_op:
        batch_op.drop_column('situations_off')
    with op.batch_alter_table('households', schema=None) as batch_op:
        for column in ('situations', 'stay_days', 'wanted_from', 'radius_km', 'area'):
            batch_op.drop_column(column)
