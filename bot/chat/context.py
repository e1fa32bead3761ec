"""What a command or dialogue step gets to work with for one update."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.messages import Incoming, Reply
from bot.domain.access import Actor
from bot.domain.privacy import DataPolicy
from bot.i18n import Translator
from storage.models import User

if TYPE_CHECKING:
    from conversations.engine import Dialogue

PARIS = ZoneInfo("Europe/Paris")


class NotAtHand(Exception):
    """Slow work an action needs (a file downloaded and read): the pipeline rolls the update's transaction
    back, does `work` out of every transaction (so nobody waits on the database meanwhile) and handles the
    update again with the result at hand. `work` must not use the session."""

    def __init__(self, key: Hashable, work: Callable[[], Awaitable[Any]]) -> None:
        super().__init__(key)
        self.key, self.work = key, work
        self.update_id: int | None = None  # which update needs it (set by the pipeline)


@dataclass(frozen=True)
class Failed:
    """Slow work that raised: the action raises it again, in its transaction (and fails as usual)."""

    error: BaseException


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
    # A Telegram user's name as Telegram shows it now ("Camille D. (@camille)"; "" if unknown): names are
    # not stored, they are asked for when shown (out of the transaction, with `outside`).
    fetch_name: Callable[[int], Awaitable[str]] | None = None
    # The dialogues this process can start and continue, by name (the list in `bot/routes.py`).
    dialogues: Mapping[str, Dialogue] = field(default_factory=dict)
    # Results of slow work done out of the transaction, by key (see `outside`); kept by the pipeline.
    at_hand: Mapping[Hashable, Any] = field(default_factory=dict)
    # Who runs the service and how long data is kept: what the privacy notice and /mydata say.
    policy: DataPolicy = field(default_factory=DataPolicy)

    def outside(self, key: Hashable, work: Callable[[], Awaitable[Any]]) -> Any:
        """The result of slow `work` (same `key`, same result), done out of the update's transaction."""
        if key not in self.at_hand:
            raise NotAtHand(key, work)
        result = self.at_hand[key]
        if isinstance(result, Failed):
            raise result.error
        return result

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
