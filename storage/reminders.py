"""What the alert sweep needs to read: placements ending, offers ending or unconfirmed, coordinators, proposals
waiting for their host's answer, offers that became available."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import func, update
from sqlalchemy import select as select_columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.domain.casework import PlacementStatus
from bot.domain.offers import OPEN_TO_HOSTING, Qualification, Status
from storage import alerts, keepers
from storage.models import Alert, Household, Offer, OfferEvent, Placement, RoleGrant


class EndingPlacement(NamedTuple):
    placement_id: int
    planned_end: date
    caseworker_id: int | None
    departement: str
    host_id: int | None
    updated_at: datetime


class OfferDue(NamedTuple):
    offer_id: int
    host_id: int
    departement: str
    available_until: date | None
    last_confirmed_at: datetime


async def placements_ending(session: AsyncSession, today: date, until: date) -> list[EndingPlacement]:
    query = (
        select_columns(col(Placement.id), col(Placement.planned_end), col(Placement.caseworker_id), col(Household.departement), col(Offer.host_id), col(Placement.updated_at))
        .join(Household, col(Household.id) == Placement.household_id)
        .join(Offer, col(Offer.id) == Placement.offer_id)
        .where(col(Placement.status) == PlacementStatus.ACTIVE, col(Placement.planned_end) >= today, col(Placement.planned_end) <= until)
    )  # fmt: skip
    return [EndingPlacement._make(row) for row in await session.execute(query)]


async def coordinators(session: AsyncSession) -> dict[str, list[int]]:
    rows = await session.execute(
        select(RoleGrant.departement, RoleGrant.user_id).where(RoleGrant.role == "coordinator")
    )
    found: dict[str, list[int]] = {}
    for departement, user_id in rows:
        found.setdefault(departement, []).append(user_id)
    return found


async def vacant_offers_ending(session: AsyncSession, today: date, until: date) -> list[OfferDue]:
    query = select_columns(col(Offer.id), col(Offer.host_id), col(Offer.departement), col(Offer.available_until), col(Offer.last_confirmed_at)).where(
        col(Offer.status).in_(OPEN_TO_HOSTING), col(Offer.host_id).is_not(None),
        col(Offer.available_until) >= today, col(Offer.available_until) <= until,
    )  # fmt: skip
    return [OfferDue._make(row) for row in await session.execute(query)]


async def unconfirmed_offers(session: AsyncSession, confirmed_before: datetime) -> list[OfferDue]:
    """Available offers of hosts on Telegram, not confirmed since `confirmed_before`, not yet stale and not turned
    down (their host was told why; asking them whether it is still available would be for nothing)."""
    query = select_columns(col(Offer.id), col(Offer.host_id), col(Offer.departement), col(Offer.available_until), col(Offer.last_confirmed_at)).where(
        col(Offer.status) == Status.AVAILABLE, col(Offer.host_id).is_not(None), col(Offer.stale_since).is_(None),
        col(Offer.last_confirmed_at) <= confirmed_before, col(Offer.qualification) != Qualification.TURNED_DOWN,
    )  # fmt: skip
    return [OfferDue._make(row) for row in await session.execute(query)]


async def mark_stale(
    session: AsyncSession, question: str, asked_before: datetime, now: datetime
) -> list[int]:
    """Offers asked `question` (the kind of alert "still available?") before `asked_before` and not confirmed
    since: flagged stale now."""
    rows = await session.scalars(
        select(Offer.id)
        .join(Alert, col(Alert.offer_id) == Offer.id)
        .where(
            col(Alert.kind) == question, col(Alert.status) == alerts.SENT, col(Alert.sent_at) <= asked_before,
            col(Offer.last_confirmed_at) < col(Alert.sent_at), col(Offer.status) == Status.AVAILABLE,
            col(Offer.stale_since).is_(None),
        )
        .distinct()
    )  # fmt: skip
    stale = sorted(rows)
    if stale:
        await session.execute(update(Offer).where(col(Offer.id).in_(stale)).values(stale_since=now))
    return stale


async def stale_counts(
    session: AsyncSession, departements: Collection[str], *, managed_only: bool = False
) -> dict[str, int]:
    """Stale available offers by département; `managed_only`: only those organisations manage."""
    rows = await session.execute(
        select(Offer.departement, func.count())
        .where(col(Offer.departement).in_(sorted(departements)), col(Offer.stale_since).is_not(None),
               col(Offer.status) == Status.AVAILABLE, *(keepers.managed() if managed_only else ()))
        .group_by(Offer.departement)
    )  # fmt: skip
    return {departement: int(count) for departement, count in rows}


class WaitingProposal(NamedTuple):
    placement_id: int
    host_id: int
    caseworker_id: int | None
    proposed_by: int | None
    departement: str
    proposed_at: datetime
    due_at: datetime


async def proposals_waiting(session: AsyncSession) -> list[WaitingProposal]:
    """Proposals to hosts on Telegram still waiting for their answer (the host may have asked for a call)."""
    query = (
        select_columns(col(Placement.id), col(Offer.host_id), col(Placement.caseworker_id), col(Placement.proposed_by), col(Household.departement), col(Placement.created_at), col(Placement.consent_due_at))
        .join(Household, col(Household.id) == Placement.household_id)
        .join(Offer, col(Offer.id) == Placement.offer_id)
        .where(col(Placement.status) == PlacementStatus.PROPOSED, col(Placement.consent_due_at).is_not(None),
               col(Placement.host_answer).is_(None), col(Offer.host_id).is_not(None))
    )  # fmt: skip
    return [WaitingProposal._make(row) for row in await session.execute(query)]


class BecameAvailable(NamedTuple):
    """An offer available now, and the event that made it so (the latest)."""

    offer_id: int
    event_id: int
    at: datetime


# The events that make an offer available, or say why a confirmation does (it was stale before).
_AVAILABILITY = ("created", "imported", "status", "confirmed", "stale")


async def became_available(session: AsyncSession, since: datetime) -> list[BecameAvailable]:
    """The offers available now that became so after `since`, read from their history: created or imported,
    back to available (freed by a placement or a proposal, resumed), or confirmed again after being flagged stale.
    Each with its latest such event."""
    touched = select(Offer.id).where(
        col(Offer.status) == Status.AVAILABLE, col(Offer.stale_since).is_(None),
        (col(Offer.created_at) > since) | (col(Offer.updated_at) > since) | (col(Offer.last_confirmed_at) > since),
    )  # fmt: skip
    offer_ids = list(await session.scalars(touched))
    if not offer_ids:
        return []
    events = await session.scalars(
        select(OfferEvent)
        .where(col(OfferEvent.offer_id).in_(offer_ids), col(OfferEvent.action).in_(_AVAILABILITY))
        .order_by(col(OfferEvent.offer_id), col(OfferEvent.id))
    )
    latest: dict[int, OfferEvent] = {}
    stale: set[int] = set()
    for event in events:
        if _makes_available(event, event.offer_id in stale):
            latest[event.offer_id] = event
        if event.action == "stale":
            stale.add(event.offer_id)
        elif event.action in ("confirmed", "created", "imported"):
            stale.discard(event.offer_id)
    return [
        BecameAvailable(event.offer_id, event.id or 0, event.at)
        for event in latest.values()
        if event.at > since
    ]


def _makes_available(event: OfferEvent, was_stale: bool) -> bool:
    if event.action == "status":
        return event.detail.get("status") == Status.AVAILABLE
    if event.action == "confirmed":
        return was_stale
    return event.action in ("created", "imported")


async def last_said(session: AsyncSession, kind: str, recipients: Sequence[int]) -> dict[int, datetime]:
    """When each recipient was last given an alert of this kind (put in the outbox to be sent)."""
    query = (
        select_columns(col(Alert.recipient_id), func.max(col(Alert.claimed_at)))
        .where(col(Alert.kind) == kind, col(Alert.recipient_id).in_(sorted(recipients)),
               col(Alert.status).in_((alerts.QUEUED, alerts.SENDING, alerts.SENT, alerts.UNDELIVERABLE)))
        .group_by(col(Alert.recipient_id))
    )  # fmt: skip
    rows = (await session.execute(query)).all()
    return {recipient: at for recipient, at in rows if recipient is not None and at is not None}
