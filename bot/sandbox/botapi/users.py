"""The simulated users: who they are, and what they do (type, share a location, send files, press buttons).

Each action records the user's message in the transcript and queues the update the bot will receive.
"""

from __future__ import annotations

import copy
import mimetypes
import time
from typing import Any

from bot.sandbox.botapi.errors import SimulationError
from bot.sandbox.botapi.files import image_size
from bot.sandbox.botapi.formatting import utf16_len
from bot.sandbox.botapi.markup import inline_buttons
from bot.sandbox.botapi.state import Chat, Record, State, chat_object

JsonDict = dict[str, Any]

# The size of a photo the stand-in cannot read the size of.
_DEFAULT_PHOTO_SIZE = (1280, 960)


class SimulatedUsers:
    """The users talking to the bot, each in their private chat."""

    def __init__(self, state: State) -> None:
        self._state = state

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
        if user_id <= 0:
            raise SimulationError("user_id must be a positive integer")
        if not first_name:
            raise SimulationError("first_name must not be empty")
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        chat = self._state.chats.get(user_id)
        if chat is None:
            chat = self._state.chats[user_id] = Chat(user=user)
        else:
            chat.user = user
        if phone_number:
            chat.phone_number = phone_number
        self._state.touch(chat, "user_changed", None, None)
        return dict(user)

    def set_language(self, user_id: int, language_code: str | None) -> None:
        """Change the Telegram language of a user (``from.language_code`` of their next updates)."""
        chat = self._state.chat_of(user_id)
        if language_code:
            chat.user["language_code"] = language_code
        else:
            chat.user.pop("language_code", None)
        self._state.touch(chat, "user_changed", None, None)

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """Simulate the user blocking the bot: sending to them then answers 403 Forbidden."""
        self._state.chat_of(user_id).blocked = blocked

    def send_text(self, user_id: int, text: str) -> int:
        """The user sends a text message; returns the update_id."""
        if not text:
            raise SimulationError("Telegram does not send empty messages")
        message: JsonDict = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        return self._send(user_id, message, Record(0, user_id, False, 0, text=text, raw_text=text))

    def send_location(self, user_id: int, lat: float, lon: float) -> int:
        """The user shares a location; returns the update_id."""
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise SimulationError("latitude must be in [-90, 90] and longitude in [-180, 180]")
        location = {"latitude": float(lat), "longitude": float(lon)}
        return self._send(
            user_id, {"location": dict(location)}, Record(0, user_id, False, 0, location=location)
        )

    def send_contact(self, user_id: int, phone_number: str) -> int:
        """The user shares their own contact (as with a request_contact button); returns the update_id."""
        chat = self._state.chat_of(user_id)
        if not phone_number:
            raise SimulationError("phone_number must not be empty")
        chat.phone_number = phone_number
        contact: JsonDict = {
            "phone_number": phone_number,
            "first_name": chat.user["first_name"],
            "user_id": user_id,
        }
        if chat.user.get("last_name"):
            contact["last_name"] = chat.user["last_name"]
        return self._send(user_id, {"contact": dict(contact)}, Record(0, user_id, False, 0, contact=contact))

    def send_photo(self, user_id: int, data: bytes, caption: str | None = None) -> int:
        """The user sends a photo; returns the update_id."""
        self._state.chat_of(user_id)
        if not data:
            raise SimulationError("empty photo")
        width, height = image_size(data) or _DEFAULT_PHOTO_SIZE
        sizes = self._state.files.store_photo(data, width, height)
        message: JsonDict = {"photo": copy.deepcopy(sizes)}
        if caption:
            message["caption"] = caption
        record = Record(0, user_id, False, 0, photo=sizes, caption=caption, raw_caption=caption)
        return self._send(user_id, message, record)

    def send_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> int:
        """The user sends a file; returns the update_id."""
        self._state.chat_of(user_id)
        if not data:
            raise SimulationError("empty file")
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        document = self._state.files.store_document(data, file_name, mime)
        message: JsonDict = {"document": dict(document)}
        if caption:
            message["caption"] = caption
        record = Record(0, user_id, False, 0, document=document, caption=caption, raw_caption=caption)
        return self._send(user_id, message, record)

    def press_button(self, user_id: int, message_id: int, callback_data: str) -> int:
        """The user presses the inline button with ``callback_data`` under bot message ``message_id``."""
        chat = self._state.chat_of(user_id)
        record = chat.records.get(message_id)
        if record is None or record.deleted:
            raise SimulationError(f"message {message_id} does not exist in the chat with {user_id}")
        if not record.from_bot:
            raise SimulationError(f"message {message_id} is not a bot message")
        if not any(b.get("callback_data") == callback_data for b in inline_buttons(record.snapshot())):
            raise SimulationError(f"message {message_id} has no inline button with data {callback_data!r}")
        query = {
            "id": self._state.new_callback_query(user_id, message_id, callback_data),
            "from": dict(chat.user),
            "message": self._state.message_object(record),
            "chat_instance": str(-(8_000_000_000_000 + user_id)),
            "data": callback_data,
        }
        return self._state.updates.push("callback_query", query)

    def _send(self, user_id: int, content: JsonDict, record: Record) -> int:
        """Add the user's message to the transcript and queue it for the bot; returns the update_id."""
        chat = self._state.chat_of(user_id)
        record.message_id = self._state.new_message_id(chat)
        record.date = int(time.time())
        chat.records[record.message_id] = record
        message: JsonDict = {
            "message_id": record.message_id,
            "from": dict(chat.user),
            "chat": chat_object(chat),
            "date": record.date,
        }
        message.update(content)
        self._state.touch(chat, "user", record.message_id, record.snapshot())
        return self._state.updates.push("message", message)
