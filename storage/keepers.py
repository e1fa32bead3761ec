"""Keepers of the offers organisations manage: who a coordinator named, the organisations with managed offers,
and the managed offers nobody confirmed for a while. The rule of who keeps what is `bot.domain.keepers`."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, func, update
from sqlalchemy import select as select_columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from bot.domain.keepers import KeeperIndex
from bot.domain.offers import Status
from storage.models import Offer, OfferKeeper, RoleGrant


class Managed(NamedTuple):
    """An organisation with offers it manages in a département: how many (not withdrawn), how many stale."""

    departement: str
    organisation: str
    offers: int
    stale: int


class ManagedDue(NamedTuple):
    offer_id: int
    departement: str
    organisation: str
    imported_by: int | None
    last_confirmed_at: datetime


def managed() -> tuple[ColumnElement[bool], ...]:
    """The conditions of an offer an organisation manages (no host on Telegram)."""
    return (col(Offer.host_id).is_(None), col(Offer.managed_by).is_not(None))


async def index(session: AsyncSession) -> KeeperIndex:
    """Every named keeper and every member's roles by département (small tables: read whole)."""
    named: dict[tuple[str, str], list[int]] = {}
    for keeper in await session.scalars(select(OfferKeeper).order_by(col(OfferKeeper.id))):
        named.setdefault((keeper.departement, keeper.organisation), []).append(keeper.user_id)
    members: dict[str, dict[int, set[str]]] = {}
    for departement, user_id, role in await session.execute(
        select_columns(col(RoleGrant.departement), col(RoleGrant.user_id), col(RoleGrant.role))
    ):
        members.setdefault(departement, {}).setdefault(user_id, set()).add(role)
    return KeeperIndex(
        named={key: tuple(users) for key, users in named.items()},
        members={
            dep: {user: frozenset(roles) for user, roles in users.items()} for dep, users in members.items()
        },
    )


async def organisations(session: AsyncSession, departements: Collection[str]) -> list[Managed]:
    """The organisations managing offers (not withdrawn) in these départements, by département and name."""
    query = (
        select_columns(col(Offer.departement), col(Offer.managed_by), func.count(), func.count(col(Offer.stale_since)))
        .where(*managed(), col(Offer.status) != Status.WITHDRAWN, col(Offer.departement).in_(sorted(departements)))
        .group_by(col(Offer.departement), col(Offer.managed_by))
        .order_by(col(Offer.departement), col(Offer.managed_by))
    )  # fmt: skip
    return [
        Managed(dep, org or "", int(n), int(stale)) for dep, org, n, stale in await session.execute(query)
    ]


async def named(session: AsyncSession, departement: str, organisation: str) -> list[int]:
    rows = await session.scalars(
        select(OfferKeeper.user_id)
        .where(OfferKeeper.departement == departement, OfferKeeper.organisation == organisation)
        .order_by(col(OfferKeeper.id))
    )
    return list(rows)


async def name(
    session: AsyncSession, departement: str, organisation: str, user_id: int, named_by: int, now: datetime
) -> bool:
    """Name a keeper (nothing if already named); True if new."""
    if user_id in await named(session, departement, organisation):
        return False
    session.add(OfferKeeper(departement=departement, organisation=organisation, user_id=user_id,
                            named_by=named_by, named_at=now))  # fmt: skip
    await session.flush()
    return True


async def remove(session: AsyncSession, departement: str, organisation: str, user_id: int) -> bool:
    result = await session.execute(
        delete(OfferKeeper).where(
            col(OfferKeeper.departement) == departement, col(OfferKeeper.organisation) == organisation,
            col(OfferKeeper.user_id) == user_id,
        )
    )  # fmt: skip
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unconfirmed_managed(session: AsyncSession, confirmed_before: datetime) -> list[ManagedDue]:
    """Available offers that organisations manage, not confirmed since `confirmed_before`, not yet stale."""
    query = select_columns(
        col(Offer.id), col(Offer.departement), col(Offer.managed_by), col(Offer.imported_by), col(Offer.last_confirmed_at)
    ).where(
        *managed(), col(Offer.status) == Status.AVAILABLE, col(Offer.stale_since).is_(None),
        col(Offer.last_confirmed_at) <= confirmed_before,
    )  # fmt: skip
    return [ManagedDue._make(row) for row in await session.execute(query.order_by(col(Offer.id)))]


async def mark_stale(session: AsyncSession, offer_ids: Collection[int], now: datetime) -> None:
    """Flag offers stale now (nobody could be asked about them, see the keepers' round)."""
    if offer_ids:
        await session.execute(
            update(Offer).where(col(Offer.id).in_(sorted(offer_ids))).values(stale_since=now)
        )
