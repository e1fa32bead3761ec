"""offer facts may be not stated

Revision ID: 0006
Revises: 0005

Until now an imported row that said nothing about a fact got a default (a room, 1 bedroom, as many beds as
people, anyone welcome, children welcome unless adults only, no pets, no smoking, step-free unknown, free, no
equipment, no transport, no language). Those defaults were shown as facts. The import events do not record
which columns a file had, so for imported offers a value equal to the default the importer would have put
is ambiguous: it becomes not stated (NULL). A value different from that default can only have come from the
file and is kept. Offers declared by hosts answered every question and keep all their values. Re-importing the
file (offers are matched by their fingerprint) states the facts again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NULLABLE = {
    "kind": sa.String(length=20),
    "beds": sa.Integer(),
    "bedrooms": sa.Integer(),
    "welcome": sa.String(length=10),
    "step_free": sa.String(length=10),
    "pets": sa.Boolean(),
    "children": sa.Boolean(),
    "smoking": sa.Boolean(),
    "equipment": sa.JSON(),
    "transport": sa.JSON(),
    "languages": sa.JSON(),
    "cost": sa.String(length=10),
}
IMPORTED = "import_key IS NOT NULL"
# Each statement: a fact of an imported offer whose value is what the importer put when the file said nothing.
IMPORTER_DEFAULTS = (
    f"UPDATE offers SET children = NULL WHERE {IMPORTED} AND children = (welcome IN ('family', 'any'))",
    f"UPDATE offers SET bedrooms = NULL WHERE {IMPORTED} AND bedrooms = (CASE WHEN kind = 'room' THEN 1 ELSE 0 END)",
    f"UPDATE offers SET kind = NULL WHERE {IMPORTED} AND kind = (CASE WHEN people > 10 THEN 'other_collective' ELSE 'room' END)",
    f"UPDATE offers SET beds = NULL WHERE {IMPORTED} AND beds = people",
    f"UPDATE offers SET welcome = NULL WHERE {IMPORTED} AND welcome = 'any'",
    f"UPDATE offers SET step_free = NULL WHERE {IMPORTED} AND step_free = 'unknown'",
    f"UPDATE offers SET pets = NULL WHERE {IMPORTED} AND pets = FALSE",
    f"UPDATE offers SET smoking = NULL WHERE {IMPORTED} AND smoking = FALSE",
    f"UPDATE offers SET cost = NULL WHERE {IMPORTED} AND cost = 'free'",
)
EMPTY_LISTS = ("equipment", "transport", "languages")


def upgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        for column, type_ in NULLABLE.items():
            batch_op.alter_column(column, existing_type=type_, nullable=True)
    for statement in IMPORTER_DEFAULTS:  # order matters: children and bedrooms read welcome and kind first
        op.execute(statement)
    for column in EMPTY_LISTS:
        op.execute(sa.text(f"UPDATE offers SET {column} = NULL WHERE {IMPORTED} AND CAST({column} AS TEXT) = '[]'"))


def downgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        for column, type_ in NULLABLE.items():
            batch_op.alter_column(column, existing_type=type_, nullable=False)
