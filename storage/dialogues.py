"""The step and answers of each user's dialogue in progress, saved on every answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DialogueState


async def current(session: AsyncSession, user_id: int) -> DialogueState | None:
    return await session.get(DialogueState, user_id, with_for_update=True)


async def save(
    session: AsyncSession, user_id: int, dialogue: str, step: str, answers: dict[str, Any], now: datetime
) -> None:
    state = await session.get(DialogueState, user_id)
    if state is None:
        state = DialogueState(user_id=user_id, dialogue=dialogue, step=step, answers={}, updated_at=now)
    state.dialogue = dialogue
    state.step = step
    state.answers = dict(answers)  # a new object, so the JSON column is seen as changed
    state.updated_at = now
    session.add(state)
    await session.flush()


async def clear(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(DialogueState).where(DialogueState.user_id == user_id))  # type: ignore[arg-type]
