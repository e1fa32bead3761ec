"""Erasing a person, or one of their offers, without leaving a household in the dark; and the daily retention.

A host may erase everything while a household lives in their place. The stay goes on (the household still
lives there): the placement is kept with an anonymous offer, its alerts still reach the caseworker, and the
caseworker in charge and the département's coordinators are told that the host is gone (see `StayWithoutHost`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.casework import PlacementStatus
from bot.domain.privacy import DataPolicy
from storage import erasure, privacy, reminders, retention
from storage.models import Household, Offer, Placement


@dataclass(frozen=True)
class StayWithoutHost:
    """A stay (or a proposal) in the place of a host who removed their data: what the people following it are
    told (nothing about the host), and who they are."""

    offer_id: int
    commune: str
    departement: str
    household: str  # the caseworker's own reference
    proposed: bool  # nobody moved in yet
    planned_end: date | None
    recipients: tuple[int, ...]  # the caseworker in charge and the coordinators of the département


async def _told(
    session: AsyncSession, stays: list[tuple[Placement, Household, Offer]], host_id: int
) -> list[StayWithoutHost]:
    coordinators = await reminders.coordinators(session)
    told = []
    for placement, household, offer in stays:
        staff = {placement.caseworker_id, *coordinators.get(household.departement, [])} - {None, host_id}
        assert offer.id is not None
        told.append(StayWithoutHost(
            offer.id, offer.commune_name, offer.departement, household.reference,
            placement.status == PlacementStatus.PROPOSED, placement.planned_end,
            tuple(sorted(user for user in staff if user is not None)),
        ))  # fmt: skip
    return told


async def erase(session: AsyncSession, user_id: int, now: datetime) -> list[StayWithoutHost]:
    """Erase everything about the person (see `storage.erasure`); the stays in their places, to be told."""
    told = await _told(session, await privacy.open_stays(session, user_id), user_id)
    await erasure.erase_person(session, user_id, now)
    return told


async def delete_offer(
    session: AsyncSession, offer: Offer, host_id: int, now: datetime
) -> list[StayWithoutHost]:
    """The host deletes one offer: gone, or anonymous if a household was placed there; its stay, to be told."""
    stays = [stay for stay in await privacy.open_stays(session, host_id) if stay[2].id == offer.id]
    told = await _told(session, stays, host_id)
    await privacy.remove_offer(session, offer, host_id, now)
    return told


async def apply_retention(session: AsyncSession, now: datetime, policy: DataPolicy) -> retention.Retained:
    """What the daily job does: anonymise what was kept long enough, delete old audit entries and searches."""
    return await retention.apply(session, now, policy.anonymise_before(now), policy.audit_before(now))
