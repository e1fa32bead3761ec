"""Keeping data only as long as needed (run daily by the alert sweeper, `bot/services/privacy.py`).

- Offers withdrawn before the cut-off are anonymised (`privacy.anonymise_offers`): the statistics keep them.
- Placements that ended (or proposals withdrawn) before the cut-off lose who followed them and who changed
  them; their household, once none of its stays is open or recent, loses its reference (replaced by
  `ANONYMOUS_REFERENCE`), the children's ages, languages, situation and wished-for commune. Sizes and dates
  stay for the statistics.
- Audit entries, and alerts already sent, older than the audit period are deleted; saved searches after
  `SEARCHES_KEPT`, and so are the plans of `/match`. (Handled updates and sent messages are forgotten after two days by the sweep itself.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from bot.domain.casework import OPEN_PLACEMENT
from bot.domain.offers import Status
from bot.domain.privacy import SEARCHES_KEPT
from storage import alerts, matching, privacy, search
from storage.db import wipe_after_commit
from storage.models import Alert, AuditEvent, Household, Offer, Placement, PlacementEvent

ANONYMOUS_REFERENCE = "∅{id}"  # households references are letters, digits and ./#-: never this


@dataclass(frozen=True)
class Retained:
    """What one run did."""

    offers: int
    placements: int
    households: int
    audit_entries: int


async def apply(
    session: AsyncSession, now: datetime, anonymise_before: datetime, audit_before: datetime
) -> Retained:
    withdrawn = list(
        await session.scalars(
            select(Offer.id).where(
                col(Offer.status) == Status.WITHDRAWN, col(Offer.anonymised_at).is_(None),
                col(Offer.updated_at) < anonymise_before,
            )
        )
    )  # fmt: skip
    await privacy.anonymise_offers(session, [offer_id for offer_id in withdrawn if offer_id is not None], now)
    placements = await _anonymise_placements(session, anonymise_before, now)
    households = await _anonymise_households(session)
    audit_entries = await session.execute(delete(AuditEvent).where(col(AuditEvent.at) < audit_before))
    finished = (alerts.SENT, alerts.UNDELIVERABLE, alerts.OBSOLETE)
    await session.execute(
        delete(Alert).where(col(Alert.status).in_(finished), col(Alert.due_at) < audit_before)
    )
    await search.purge_saved_searches(session, now - SEARCHES_KEPT)
    await matching.purge_plans(session, now - SEARCHES_KEPT)
    done = Retained(len(withdrawn), placements, households, int(audit_entries.rowcount or 0))  # type: ignore[attr-defined]
    if any((done.offers, done.placements, done.households, done.audit_entries)):
        wipe_after_commit(session)
    return done


async def _anonymise_placements(session: AsyncSession, before: datetime, now: datetime) -> int:
    ended = list(
        await session.scalars(
            select(Placement.id).where(
                col(Placement.status).not_in(OPEN_PLACEMENT), col(Placement.anonymised_at).is_(None),
                col(Placement.updated_at) < before,
            )
        )
    )  # fmt: skip
    for start in range(0, len(ended), 500):
        chosen = sorted(
            placement_id for placement_id in ended[start : start + 500] if placement_id is not None
        )
        await session.execute(
            update(Placement)
            .where(col(Placement.id).in_(chosen))
            .values(caseworker_id=None, proposed_by=None, anonymised_at=now)
        )
        await session.execute(
            update(PlacementEvent).where(col(PlacementEvent.placement_id).in_(chosen)).values(actor_id=None)
        )
    return len(ended)


async def _anonymise_households(session: AsyncSession) -> int:
    """Households with an anonymised stay and none open or recent (all of theirs anonymised)."""
    other = aliased(Placement)
    candidates = list(
        await session.scalars(
            select(Household).where(
                exists().where(col(Placement.household_id) == Household.id, col(Placement.anonymised_at).is_not(None)),
                ~exists().where(col(other.household_id) == Household.id, col(other.anonymised_at).is_(None)),
                ~col(Household.reference).startswith(ANONYMOUS_REFERENCE.format(id="")),
            )
        )
    )  # fmt: skip
    for household in candidates:
        household.reference = ANONYMOUS_REFERENCE.format(id=household.id)
        household.children_ages, household.languages, household.caseworker_id = [], [], None
        # Their situation (medical needs among them) and the commune they wished for go too.
        household.situations, household.area, household.radius_km = None, None, None
        session.add(household)
    await session.flush()
    return len(candidates)
