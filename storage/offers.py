"""Offers, their photos and their history. Every change goes with an event saying who did what, when."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.domain.offer_schema import COLUMNS
from bot.domain.offers import Qualification, Status
from storage.models import Offer, OfferEvent, OfferPhoto
from storage.types import json_safe

EDITABLE = frozenset(COLUMNS)
"""What a host or an import may set: the fact columns of the offer schema."""


async def record(
    session: AsyncSession, offer_id: int, actor_id: int | None, action: str, now: datetime, **detail: Any
) -> None:
    detail = {key: json_safe(value) for key, value in detail.items()}
    session.add(OfferEvent(offer_id=offer_id, actor_id=actor_id, action=action, detail=detail, at=now))
    await session.flush()


async def create(
    session: AsyncSession, host_id: int, fields: dict[str, Any], photo_ids: Sequence[str], now: datetime
) -> Offer:
    offer = Offer(
        host_id=host_id,
        status=Status.AVAILABLE,
        created_at=now,
        updated_at=now,
        last_confirmed_at=now,
        **{key: value for key, value in fields.items() if key in EDITABLE},
    )
    session.add(offer)
    await session.flush()
    assert offer.id is not None
    await replace_photos(session, offer.id, photo_ids)
    await record(session, offer.id, host_id, "created", now)
    return offer


async def update(
    session: AsyncSession, offer: Offer, actor_id: int | None, fields: dict[str, Any], now: datetime
) -> list[str]:
    """Apply the changed fields; returns their names (recorded in the history)."""
    changed = [key for key, value in fields.items() if key in EDITABLE and getattr(offer, key) != value]
    for key in changed:
        setattr(offer, key, fields[key])
    if changed:
        offer.updated_at = now
        session.add(offer)
        assert offer.id is not None
        await record(session, offer.id, actor_id, "updated", now, fields=sorted(changed))
    return changed


async def set_status(
    session: AsyncSession, offer: Offer, actor_id: int | None, status: str, now: datetime
) -> None:
    previous, offer.status, offer.updated_at = offer.status, status, now
    session.add(offer)
    assert offer.id is not None
    await record(session, offer.id, actor_id, "status", now, previous=previous, status=status)


async def confirm_still_available(
    session: AsyncSession, offer: Offer, actor_id: int | None, now: datetime
) -> None:
    """The host says the place is still available: fresh again, and back in the default search if stale."""
    offer.last_confirmed_at = now
    offer.stale_since = None
    session.add(offer)
    assert offer.id is not None
    await record(session, offer.id, actor_id, "confirmed", now)


async def of_host(session: AsyncSession, host_id: int, *, include_withdrawn: bool = False) -> list[Offer]:
    query = select(Offer).where(Offer.host_id == host_id)
    if not include_withdrawn:
        query = query.where(Offer.status != Status.WITHDRAWN)
    return list(await session.scalars(query.order_by(col(Offer.id))))


async def of_host_by_id(session: AsyncSession, host_id: int, offer_id: int) -> Offer | None:
    """The host's own offer, or None: a host never reaches another host's offer."""
    offer = await session.get(Offer, offer_id, with_for_update=True)
    return offer if offer is not None and offer.host_id == host_id else None


async def by_ids(session: AsyncSession, offer_ids: Iterable[int]) -> dict[int, Offer]:
    """These offers by id (one deleted meanwhile is missing)."""
    found = await session.scalars(select(Offer).where(col(Offer.id).in_(sorted(set(offer_ids)))))
    return {offer.id or 0: offer for offer in found}


async def locked(session: AsyncSession, offer_ids: Iterable[int]) -> list[Offer]:
    """These offers in id order, locked until the transaction ends (one deleted meanwhile is missing)."""
    query = select(Offer).where(col(Offer.id).in_(sorted(set(offer_ids)))).order_by(col(Offer.id))
    return list(await session.scalars(query.with_for_update()))


async def photos(session: AsyncSession, offer_id: int) -> list[str]:
    rows = await session.scalars(
        select(OfferPhoto.file_id).where(OfferPhoto.offer_id == offer_id).order_by(col(OfferPhoto.position))
    )
    return list(rows)


async def replace_photos(session: AsyncSession, offer_id: int, photo_ids: Sequence[str]) -> None:
    await session.execute(delete(OfferPhoto).where(col(OfferPhoto.offer_id) == offer_id))
    for position, file_id in enumerate(photo_ids):
        session.add(OfferPhoto(offer_id=offer_id, file_id=file_id, position=position))
    await session.flush()


async def history(session: AsyncSession, offer_id: int) -> list[OfferEvent]:
    rows = await session.scalars(
        select(OfferEvent).where(OfferEvent.offer_id == offer_id).order_by(col(OfferEvent.id))
    )
    return list(rows)


async def delete_offer(session: AsyncSession, offer: Offer) -> None:
    await session.delete(offer)
    await session.flush()


async def count_to_qualify(session: AsyncSession, departements: frozenset[str]) -> int:
    query = select(func.count()).select_from(Offer).where(
        col(Offer.departement).in_(sorted(departements)), col(Offer.qualification) == Qualification.UNQUALIFIED,
        col(Offer.status).in_((Status.AVAILABLE, Status.PAUSED)),
    )  # fmt: skip
    return int(await session.scalar(query) or 0)
