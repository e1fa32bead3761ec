"""What a command or dialogue step gets to work with for one update."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.messages import Incoming, Reply
from bot.domain.access import Actor
from bot.i18n import Translator
from storage.models import User

if TYPE_CHECKING:
    from conversations.engine import Dialogue

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Ctx:
    session: AsyncSession
    incoming: Incoming
    t: Translator
    now: datetime
    user: User | None = None
    grants: dict[str, frozenset[str]] = field(default_factory=dict)  # role -> départements
    bot_username: str = ""
    # Downloads a file a user sent (by its file id); provided by the Telegram glue.
    fetch_file: Callable[[str], Awaitable[bytes]] | None = None
    # The dialogues this process can start and continue, by name (the list in `bot/routes.py`).
    dialogues: Mapping[str, Dialogue] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        return Actor(self.incoming.user_id, self.grants)

    @property
    def today(self) -> date:
        """Dates of hosting periods are French calendar days."""
        return self.now.astimezone(PARIS).date()

    @property
    def user_id(self) -> int:
        return self.incoming.user_id


Action = Callable[[Ctx], Awaitable[list[Reply]]]  # what a command, a button or an answer runs
