"""What the bot holds about a person (the right of access), and making offers anonymous.

Erasing a person is `storage/erasure.py`; anonymising what is kept too long, `storage/retention.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from bot.domain.casework import OPEN_PLACEMENT
from bot.domain.offers import IN_A_PLACEMENT, Status
from storage import audit, dialogues, offers
from storage.models import (
    AuditEvent,
    DigestSubscription,
    Household,
    Offer,
    OfferEvent,
    OfferPhoto,
    Placement,
    RoleGrant,
    SavedSearch,
    User,
)


@dataclass(frozen=True)
class Reveal:
    """A caseworker looked at a host's contact: when, for which offer, of which organisation (None: not
    recorded, as before organisations were)."""

    at: datetime
    offer_id: int
    organisation: str | None


@dataclass(frozen=True)
class Holdings:
    """Everything the bot holds about one person, as it is."""

    user: User
    offers: list[tuple[Offer, int]]  # each with its number of photos
    grants: list[RoleGrant]
    dialogue: str | None  # the question series in progress
    digest: bool
    households: int  # households in their charge (caseworkers)
    searches: int  # searches saved for their result pages
    reveals: list[Reveal]  # who looked at their contact


async def what_we_hold(session: AsyncSession, user: User) -> Holdings:
    user_id = user.id
    mine = await offers.of_host(session, user_id, include_withdrawn=True)
    counted = await session.execute(
        select(OfferPhoto.offer_id, func.count()).where(col(OfferPhoto.offer_id).in_([o.id for o in mine]))
        .group_by(col(OfferPhoto.offer_id))
    )  # fmt: skip
    photos = {offer_id: int(count) for offer_id, count in counted}
    grants = await session.scalars(
        select(RoleGrant).where(RoleGrant.user_id == user_id).order_by(col(RoleGrant.role), col(RoleGrant.departement))
    )  # fmt: skip
    state = await dialogues.current(session, user_id)
    return Holdings(
        user=user,
        offers=[(offer, photos.get(offer.id or 0, 0)) for offer in mine],
        grants=list(grants),
        dialogue=state.dialogue if state else None,
        digest=await session.get(DigestSubscription, user_id) is not None,
        households=await _count(session, Household, col(Household.caseworker_id) == user_id),
        searches=await _count(session, SavedSearch, col(SavedSearch.user_id) == user_id),
        reveals=await reveals_of(session, [offer.id for offer in mine if offer.id is not None]),
    )


async def _count(session: AsyncSession, table: type[SQLModel], where: ColumnElement[bool]) -> int:
    return int(await session.scalar(select(func.count()).select_from(table).where(where)) or 0)


async def reveals_of(session: AsyncSession, offer_ids: Sequence[int]) -> list[Reveal]:
    """Each time a caseworker looked at the contact of these offers, oldest first."""
    subjects = [f"offer:{offer_id}" for offer_id in offer_ids]
    if not subjects:
        return []
    rows = await session.scalars(
        select(AuditEvent)
        .where(col(AuditEvent.action) == audit.CONTACT_REVEALED, col(AuditEvent.subject).in_(subjects))
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    )
    return [
        Reveal(event.at, int(event.subject.split(":")[1]), event.detail.get("organisation")) for event in rows
    ]


async def open_stays(session: AsyncSession, host_id: int) -> list[tuple[Placement, Household, Offer]]:
    """The stays in progress or proposed in the host's places."""
    rows = await session.execute(
        select(Placement, Household, Offer)
        .join(Household, col(Household.id) == Placement.household_id)
        .join(Offer, col(Offer.id) == Placement.offer_id)
        .where(col(Offer.host_id) == host_id, col(Placement.status).in_(OPEN_PLACEMENT))
        .order_by(col(Placement.id))
    )
    return [(placement, household, offer) for placement, household, offer in rows]


async def anonymise_offers(session: AsyncSession, offer_ids: Sequence[int], now: datetime) -> None:
    """Keep kind, place (commune), capacity, dates and qualification (the statistics); drop everything that could
    identify the host, and who changed the offers. A stay in progress goes on."""
    for start in range(0, len(offer_ids), 500):
        chosen = sorted(offer_ids[start : start + 500])
        await session.execute(
            update(Offer).where(col(Offer.id).in_(chosen)).values(
                host_id=None, address=None, phone=None, notes=None, qualification_note=None, qualified_by=None,
                imported_by=None, anonymised_at=now,
            ).execution_options(synchronize_session="fetch")
        )  # fmt: skip
        await session.execute(delete(OfferPhoto).where(col(OfferPhoto.offer_id).in_(chosen)))
        await session.execute(
            update(OfferEvent).where(col(OfferEvent.offer_id).in_(chosen)).values(actor_id=None)
        )


async def has_placements(session: AsyncSession, offer_id: int) -> bool:
    found = await session.scalar(select(Placement.id).where(col(Placement.offer_id) == offer_id).limit(1))
    return found is not None


async def remove_offer(session: AsyncSession, offer: Offer, actor_id: int | None, now: datetime) -> None:
    """An offer its host deletes (or erases): gone, unless a household was placed there. Then its anonymous
    facts stay for the statistics, and a stay in progress goes on (with nobody to call about the place)."""
    assert offer.id is not None
    if offer.status not in IN_A_PLACEMENT and not await has_placements(session, offer.id):
        await offers.delete_offer(session, offer)
        return
    if offer.status not in IN_A_PLACEMENT:
        await offers.set_status(session, offer, actor_id, Status.WITHDRAWN, now)
    await session.flush()
    await anonymise_offers(session, [offer.id], now)
