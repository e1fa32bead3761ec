"""Erasing a person (GDPR right to erasure): afterwards no row holds their Telegram id, phone, address, notes,
name or username.

What must remain for the statistics or for others stays without them: an offer where a household was placed
keeps its anonymous facts; who did something becomes NULL, or `ERASED` (0) in a column that may not be empty;
an id written in a text (an audit subject, an alert's key) is replaced. The updates they sent and the messages
sent to them keep no chat. On SQLite the write-ahead log is emptied after the commit (`wipe_after_commit`).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from bot.domain.privacy import ERASED
from storage import alerts, dialogues, inbox, offers, outbox, privacy
from storage.db import wipe_after_commit
from storage.models import (
    AuditEvent,
    DepartementSettings,
    DigestSubscription,
    Household,
    Invitation,
    Offer,
    OfferEvent,
    OfferKeeper,
    Placement,
    PlacementEvent,
    RoleGrant,
    SavedSearch,
    User,
)

# Who did something: the column, and what it becomes.
_ACTORS: tuple[tuple[Any, int | None], ...] = (
    (RoleGrant.granted_by, None), (OfferKeeper.named_by, None), (Offer.qualified_by, None),
    (Offer.imported_by, None), (OfferEvent.actor_id, None), (PlacementEvent.actor_id, None),
    (Household.caseworker_id, None), (Placement.caseworker_id, None), (Placement.proposed_by, None),
    (DepartementSettings.updated_by, None),
    (AuditEvent.actor_id, None), (Invitation.created_by, ERASED), (Invitation.used_by, ERASED),
)  # fmt: skip
# Rows that are theirs alone.
_THEIRS: tuple[Any, ...] = (
    RoleGrant.user_id,
    OfferKeeper.user_id,
    SavedSearch.user_id,
    DigestSubscription.user_id,
)
# Texts where their id may be written (an audit subject "user:<id>", a refused button's data).
_TEXTS: tuple[tuple[type[SQLModel], tuple[str, ...]], ...] = (
    (AuditEvent, ("subject", "detail")), (OfferEvent, ("detail",)), (PlacementEvent, ("detail",)),
)  # fmt: skip


async def erase_person(session: AsyncSession, user_id: int, now: datetime) -> None:
    mine = await offers.of_host(session, user_id, include_withdrawn=True)
    said = [text for offer in mine for text in (offer.phone, offer.address, offer.notes) if text]
    for offer in mine:
        await privacy.remove_offer(session, offer, None, now)
    await dialogues.clear(session, user_id)
    for column in _THEIRS:
        await session.execute(delete(column.class_).where(column == user_id))
    for column, becomes in _ACTORS:
        await session.execute(update(column.class_).where(column == user_id).values({column.key: becomes}))
    for table, columns in _TEXTS:
        await _scrub(session, table, columns, user_id)
    await alerts.forget_recipient(session, user_id)
    await inbox.forget_chat(session, user_id)
    await outbox.forget_chat(session, user_id)
    await alerts.say_again(session, await outbox.withdraw_mentioning(session, _mentions(user_id, said)))
    await session.execute(delete(User).where(col(User.id) == user_id))
    wipe_after_commit(session)


def _mentions(user_id: int, texts: Iterable[str]) -> re.Pattern[str]:
    """Their id (a whole number, as in a tg://user link), or what they wrote, as it reads in a message's JSON
    (as it is, or escaped in HTML)."""
    written = {
        json.dumps(form, ensure_ascii=False)[1:-1]
        for text in texts
        for form in (text, html.escape(text, quote=False))
    }
    return re.compile("|".join([rf"(?<!\d){user_id}(?!\d)", *(re.escape(text) for text in sorted(written))]))


async def _scrub(
    session: AsyncSession, table: type[SQLModel], columns: tuple[str, ...], user_id: int
) -> None:
    """Replace their id where it is written in these columns (texts, or JSON details)."""
    written = f"{user_id}"
    found = await session.scalars(
        select(table).where(or_(*(cast(getattr(table, name), String).contains(written) for name in columns)))
    )
    for row in found:
        for name in columns:
            setattr(row, name, _without(getattr(row, name), user_id))
        session.add(row)
    await session.flush()


def _without(value: Any, user_id: int) -> Any:
    """`value` (text, number, or JSON of them) with the id replaced by `ERASED`."""
    if isinstance(value, str):
        return re.sub(rf"(?<!\d){user_id}(?!\d)", str(ERASED), value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return ERASED if value == user_id else value
    if isinstance(value, list):
        return [_without(item, user_id) for item in value]
    if isinstance(value, dict):
        return {key: _without(item, user_id) for key, item in value.items()}
    return value
