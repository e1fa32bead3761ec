"""What the bot holds about a user, and erasing it (GDPR right to erasure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.domain.offers import IN_A_PLACEMENT, Status
from storage import dialogues, offers
from storage.models import Offer, OfferEvent, OfferPhoto, RoleGrant, User

# Offers in these states are part of a placement: their non-personal facts stay for the statistics.


@dataclass(frozen=True)
class Holdings:
    accepted_at: datetime
    offers: int
    phones: int
    roles: list[str]
    dialogue_in_progress: bool


async def what_we_hold(session: AsyncSession, user_id: int) -> Holdings:
    user = await session.get(User, user_id)
    assert user is not None
    mine = await offers.of_host(session, user_id, include_withdrawn=True)
    grants = await session.scalars(select(RoleGrant).where(RoleGrant.user_id == user_id))
    return Holdings(
        accepted_at=user.privacy_accepted_at,
        offers=len(mine),
        phones=sum(1 for offer in mine if offer.phone),
        roles=sorted({f"{grant.role} {grant.departement}" for grant in grants}),
        dialogue_in_progress=await dialogues.current(session, user_id) is not None,
    )


async def anonymise_offer(session: AsyncSession, offer: Offer, now: datetime) -> None:
    """Keep kind, place (commune), capacity and dates; drop everything that could identify the host."""
    offer.host_id = None
    offer.address = None
    offer.phone = None
    offer.notes = None
    offer.updated_at = now
    session.add(offer)
    await session.execute(delete(OfferPhoto).where(col(OfferPhoto.offer_id) == offer.id))
    await session.execute(
        update(OfferEvent).where(col(OfferEvent.offer_id) == offer.id).values(actor_id=None)
    )
    await session.flush()


async def delete_offer(session: AsyncSession, offer: Offer, actor_id: int, now: datetime) -> None:
    if offer.status in IN_A_PLACEMENT:
        await offers.set_status(session, offer, actor_id, Status.WITHDRAWN, now)
        await anonymise_offer(session, offer, now)
    else:
        await offers.delete_offer(session, offer)


async def erase_user(session: AsyncSession, user_id: int, now: datetime) -> None:
    for offer in await offers.of_host(session, user_id, include_withdrawn=True):
        if offer.status in IN_A_PLACEMENT:
            await anonymise_offer(session, offer, now)
        else:
            await offers.delete_offer(session, offer)
    await dialogues.clear(session, user_id)
    await session.execute(delete(RoleGrant).where(col(RoleGrant.user_id) == user_id))
    user = await session.get(User, user_id)
    if user is not None:
        await session.delete(user)
    await session.flush()
