"""Remember processed Telegram updates so a redelivered one is not handled twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import HandledUpdate

KEEP_FOR = timedelta(days=2)


async def claim(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """True if this update was not handled before. Part of the caller's transaction, so a crash un-claims it."""
    try:
        async with session.begin_nested():
            session.add(HandledUpdate(update_id=update_id, handled_at=now))
            await session.flush()
    except IntegrityError:
        return False
    return True


async def forget_old(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(HandledUpdate).where(HandledUpdate.handled_at < now - KEEP_FOR))  # type: ignore[arg-type]
