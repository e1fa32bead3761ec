"""Keyboards: the reply markup the bot may send, checked as Telegram checks it, and reading its buttons."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.botapi.errors import bad_request
from bot.sandbox.botapi.params import as_json_object

JsonDict = dict[str, Any]

MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100

_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def inline_buttons(message: JsonDict) -> list[JsonDict]:
    """The inline buttons of a transcript message (or Telegram Message dict), flattened in order."""
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        return []
    return [b for row in rows if isinstance(row, list) for b in row if isinstance(b, dict)]


def reply_keyboard_buttons(markup: JsonDict | None) -> list[JsonDict]:
    """The buttons of a ReplyKeyboardMarkup dict, flattened, each as a dict with at least ``text``."""
    rows = (markup or {}).get("keyboard")
    if not isinstance(rows, list):
        return []
    buttons: list[JsonDict] = []
    for row in rows:
        for button in row if isinstance(row, list) else []:
            buttons.append({"text": button} if isinstance(button, str) else dict(button))
    return buttons


def check_reply_markup(raw: Any) -> JsonDict | None:
    """The ``reply_markup`` parameter decoded; refused as Telegram refuses it."""
    if raw in (None, ""):
        return None
    markup = as_json_object(raw, "reply keyboard markup")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
        return markup
    if "keyboard" in markup:
        _check_reply_keyboard(markup["keyboard"])
        return markup
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def check_inline_markup(raw: Any) -> JsonDict | None:
    """The ``reply_markup`` of an edit, which can only be an inline keyboard."""
    markup = check_reply_markup(raw)
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    return markup


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard markup JSON object")
    buttons = [b for row in rows for b in row]
    if len(buttons) > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")
    for button in buttons:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline keyboard button: Text must be a string")
        if not button["text"].strip():
            raise bad_request("BUTTON_TEXT_INVALID")
        if not any(key in button for key in _INLINE_ACTIONS):
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str):
                raise bad_request(
                    'can\'t parse inline keyboard button: "callback_data" must be of type String'
                )
            if not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button and not re.match(r"(https?|tg)://\S+$", str(button["url"])):
            raise bad_request("BUTTON_URL_INVALID")


def _check_reply_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse keyboard markup JSON object")
    for row in rows:
        for button in row:
            text = (
                button
                if isinstance(button, str)
                else (button.get("text") if isinstance(button, dict) else None)
            )
            if not isinstance(text, str) or not text.strip():
                raise bad_request("keyboard button text must be non-empty")
            if isinstance(button, dict) and button.get("request_contact") and button.get("request_location"):
                raise bad_request("keyboard button can't request both contact and location")
