"""Users who accepted the privacy notice, and their language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import User


async def find(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def register(session: AsyncSession, user_id: int, language: str, now: datetime) -> User:
    """Record the acceptance of the privacy notice; accepting again only updates the language."""
    user = await session.get(User, user_id)
    if user is None:
        user = User(id=user_id, language=language, privacy_accepted_at=now, created_at=now)
        session.add(user)
    else:
        user.language = language
    await session.flush()
    return user


async def set_language(session: AsyncSession, user: User, language: str) -> None:
    user.language = language
    session.add(user)
    await session.flush()
