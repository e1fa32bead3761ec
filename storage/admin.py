"""Operator tasks run from the command line."""

from __future__ import annotations

from storage import roles
from storage.db import Database


async def grant_coordinator(database_url: str, telegram_id: int, departements: list[str]) -> list[str]:
    database = Database(database_url)
    try:
        await database.upgrade()
        async with database.transaction() as session:
            for departement in departements:
                await roles.grant(session, telegram_id, roles.COORDINATOR, departement, granted_by=None)
        async with database.transaction() as session:
            return sorted(await roles.departements_of(session, telegram_id, roles.COORDINATOR))
    finally:
        await database.close()
