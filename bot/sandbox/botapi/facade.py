"""``FakeBotApi``: the stand-in as tests, benchmarks and the sandbox use it.

A local server answering the part of the Telegram Bot API our bot uses, so that the real
python-telegram-bot ``Application`` runs against it over real HTTP, plus the users talking to the bot::

    async with FakeBotApi() as api:
        app = (
            Application.builder().token("123:ABC")
            .base_url(api.bot_base_url).base_file_url(api.file_base_url).build()
        )
        api.add_user(1001, "Camille")
        api.send_text(1001, "/start")
        reply = await api.wait_for_bot_message(1001)

The same simulation is offered over HTTP (see ``simulation``). Only private chats exist: a chat id is
the id of its user.
"""

from __future__ import annotations

import copy
from types import TracebackType
from typing import Any

from bot.sandbox.botapi.errors import SimulationError
from bot.sandbox.botapi.faults import Faults
from bot.sandbox.botapi.server import BotApiServer
from bot.sandbox.botapi.simulation import SimulationRoutes
from bot.sandbox.botapi.state import Predicate, State, scope_key
from bot.sandbox.botapi.users import SimulatedUsers

JsonDict = dict[str, Any]


class FakeBotApi:
    """A local Telegram Bot API server plus a simulator of the users talking to the bot."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str | None = None,
        bot_id: int | None = None,
        bot_first_name: str = "Logement de crise",
        bot_username: str = "logement_de_crise_bot",
    ) -> None:
        self.bot_user: JsonDict = {
            "id": bot_id or 7000000001,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._state = State(self.bot_user)
        self._users = SimulatedUsers(self._state)
        self._faults = Faults()
        self._server = BotApiServer(
            self._state,
            self._faults,
            SimulationRoutes(self, self._state).add_to,
            host,
            port,
            expected_token=token,
            bot_id_from_token=bot_id is None,
        )

    # ---------------------------------------------------------------------------------- lifecycle

    async def start(self) -> str:
        """Start serving; returns the base url, e.g. ``http://127.0.0.1:PORT``."""
        return await self._server.start()

    async def stop(self) -> None:
        """Stop serving; pending long polls are answered with an empty list first."""
        await self._server.stop()

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def host(self) -> str:
        return self._server.host

    @property
    def port(self) -> int:
        """The port asked for, then the one served on (when 0 was asked for, the system's choice)."""
        return self._server.port

    @property
    def url(self) -> str:
        if self._server.url is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._server.url

    @property
    def bot_base_url(self) -> str:
        """For ``ApplicationBuilder.base_url`` / ``Bot(base_url=...)``."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        """For ``ApplicationBuilder.base_file_url`` / ``Bot(base_file_url=...)``."""
        return f"{self.url}/file/bot"

    @property
    def expected_token(self) -> str | None:
        """The only token accepted (401 for others), or None to accept any."""
        return self._server.expected_token

    @property
    def tokens(self) -> list[str]:
        """Every token the bot used, first one first."""
        return self._server.tokens

    @property
    def token(self) -> str | None:
        """The first token the bot used."""
        return self.tokens[0] if self.tokens else None

    # ---------------------------------------------------------------------------------- users

    def add_user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = "fr",
        username: str | None = None,
        *,
        last_name: str | None = None,
        phone_number: str | None = None,
    ) -> JsonDict:
        """Create a simulated user (and their private chat), or update an existing one."""
        return self._users.add_user(
            user_id, first_name, language_code, username, last_name=last_name, phone_number=phone_number
        )

    def set_language(self, user_id: int, language_code: str | None) -> None:
        """Change the Telegram language of a user (``from.language_code`` of their next updates)."""
        self._users.set_language(user_id, language_code)

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """Simulate the user blocking the bot: sending to them then answers 403 Forbidden."""
        self._users.block_bot(user_id, blocked)

    def user(self, user_id: int) -> JsonDict:
        return dict(self._state.chat_of(user_id).user)

    @property
    def users(self) -> list[JsonDict]:
        return [dict(chat.user) for chat in self._state.chats.values()]

    # ---------------------------------------------------------------------------------- user actions

    def send_text(self, user_id: int, text: str) -> int:
        """The user sends a text message; returns the update_id."""
        return self._users.send_text(user_id, text)

    def send_location(self, user_id: int, lat: float, lon: float) -> int:
        """The user shares a location; returns the update_id."""
        return self._users.send_location(user_id, lat, lon)

    def send_contact(self, user_id: int, phone_number: str) -> int:
        """The user shares their own contact (as with a request_contact button); returns the update_id."""
        return self._users.send_contact(user_id, phone_number)

    def send_photo(self, user_id: int, data: bytes, caption: str | None = None) -> int:
        """The user sends a photo; returns the update_id."""
        return self._users.send_photo(user_id, data, caption)

    def send_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> int:
        """The user sends a file; returns the update_id."""
        return self._users.send_document(user_id, data, file_name, mime_type, caption)

    def press_button(self, user_id: int, message_id: int, callback_data: str) -> int:
        """The user presses the inline button with ``callback_data`` under bot message ``message_id``."""
        return self._users.press_button(user_id, message_id, callback_data)

    # ---------------------------------------------------------------------------------- reading

    def messages(self, user_id: int) -> list[JsonDict]:
        """The transcript of the chat with that user, both directions, oldest first."""
        return self._state.messages(user_id)

    def bot_messages(self, user_id: int, include_deleted: bool = True) -> list[JsonDict]:
        return [m for m in self.messages(user_id) if m["from_bot"] and (include_deleted or not m["deleted"])]

    def message(self, user_id: int, message_id: int) -> JsonDict:
        record = self._state.chat_of(user_id).records.get(message_id)
        if record is None:
            raise SimulationError(f"no message {message_id} in the chat with {user_id}")
        return record.snapshot()

    def last_bot_message(self, user_id: int) -> JsonDict | None:
        live = self.bot_messages(user_id, include_deleted=False)
        return live[-1] if live else None

    def reply_keyboard(self, user_id: int) -> JsonDict | None:
        """The reply keyboard currently shown to the user, if any."""
        return copy.deepcopy(self._state.chat_of(user_id).reply_keyboard)

    def callback_answers(self, user_id: int) -> list[JsonDict]:
        """What the bot answered to the user's button presses (answerCallbackQuery), oldest first."""
        return copy.deepcopy(self._state.chat_of(user_id).answers)

    def file_bytes(self, file_id: str) -> bytes:
        """The content of a file sent by the bot or a user."""
        stored = self._state.files.get(file_id)
        if stored is None:
            raise SimulationError(f"unknown file_id {file_id!r}")
        return stored.data

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by the bot (via a later getUpdates offset)."""
        return copy.deepcopy(self._state.updates.pending)

    @property
    def version(self) -> int:
        """A counter increased by every change in any chat (messages, edits, deletions, answers)."""
        return self._state.version

    def events(self, since: int = 0, user_id: int | None = None) -> list[JsonDict]:
        """Chat events after version ``since``: kind is user|bot|edit|delete|answer|user_changed."""
        return self._state.events(since, user_id)

    async def wait_for_change(self, since: int, timeout: float) -> int:
        """Wait until ``version`` exceeds ``since`` (or timeout); returns the version."""
        return await self._state.wait_for_change(since, timeout)

    async def wait_for_bot_message(
        self,
        user_id: int,
        after_message_id: int | None = None,
        timeout: float = 5.0,
        predicate: Predicate | None = None,
    ) -> JsonDict:
        """Resolve with the first bot message (new, or an edit) matching ``predicate`` for that user.

        Without ``after_message_id``: only what the bot sends or edits from now on. With it: a bot
        message whose id is greater, already there (as it is now) or to come, or an edit from now on.
        Raises ``TimeoutError`` when nothing comes in time.
        """
        return await self._state.wait_for_bot_message(user_id, after_message_id, timeout, predicate)

    def commands(self, language_code: str = "", scope: JsonDict | None = None) -> list[JsonDict]:
        """The command list set with setMyCommands for that language and scope (default scope)."""
        return copy.deepcopy(self._state.commands.get((scope_key(scope), language_code), []))

    @property
    def command_sets(self) -> dict[tuple[str, str], list[JsonDict]]:
        """Every command list set, keyed by (scope as JSON, language_code)."""
        return copy.deepcopy(self._state.commands)

    @property
    def calls(self) -> list[tuple[str, JsonDict]]:
        """Every Bot API call, oldest first: (method name, params; uploads described, not their bytes)."""
        return self._server.calls

    def calls_of(self, method: str) -> list[JsonDict]:
        """The params of every call of ``method`` (case-insensitive), oldest first."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    # ---------------------------------------------------------------------------------- faults

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail with that error (429 carries retry_after)."""
        self._faults.fail_next(method, error_code, description, retry_after, count)

    def delay_next(self, method: str, seconds: float, count: int = 1, chat_id: int | None = None) -> None:
        """Answer the next ``count`` calls of ``method`` (to ``chat_id`` only, if given) ``seconds`` late.

        The call takes effect at once: a bot that gives up waiting sees a timeout, yet its message was
        delivered, as happens with the real Telegram.
        """
        self._faults.delay_next(method, seconds, count, chat_id)

    def enforce_limits(self, per_second_overall: int = 30, per_chat_per_second: int = 1) -> None:
        """Answer 429 when the bot sends more than these messages in any one-second window."""
        self._faults.limiter.enforce(per_second_overall, per_chat_per_second)

    def disable_limits(self) -> None:
        self._faults.limiter.disable()
