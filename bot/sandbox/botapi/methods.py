"""The Bot API methods the stand-in answers, by name (``METHODS``), and those about the bot itself:
getMe, getUpdates and webhooks, commands, descriptions, getChat, answerCallbackQuery, getFile.

Methods that send are in ``sending``, those that edit or delete in ``editing``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.sandbox.botapi import editing, sending
from bot.sandbox.botapi.errors import ApiError, bad_request
from bot.sandbox.botapi.params import Call, as_bool, as_float, as_int, as_json_object, as_text, decode
from bot.sandbox.botapi.state import State, chat_object, scope_key

JsonDict = dict[str, Any]
Method = Callable[[State, Call], Awaitable[Any]]

_MAX_COMMANDS = 100
_MAX_UPDATES = 100
_MAX_ANSWER_LENGTH = 200


async def get_me(state: State, call: Call) -> Any:
    return dict(state.bot_user)


async def accept(state: State, call: Call) -> Any:
    """logOut and close: nothing to do here."""
    return True


async def get_updates(state: State, call: Call) -> Any:
    params, queue = call.params, state.updates
    if queue.webhook_url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset = as_int(params["offset"], "offset") if params.get("offset") is not None else None
    limit = as_int(params["limit"], "limit") if params.get("limit") is not None else _MAX_UPDATES
    timeout = as_float(params.get("timeout") or 0, "timeout")
    if "allowed_updates" in params:
        allowed = params["allowed_updates"]
        queue.allowed_updates = [str(a) for a in allowed] if isinstance(allowed, list) else []
    return await queue.poll(offset, min(max(limit, 1), _MAX_UPDATES), timeout, call.client_gone)


async def set_webhook(state: State, call: Call) -> Any:
    url = as_text(call.params.get("url"))
    if url and not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    state.updates.webhook_url = url
    if as_bool(call.params.get("drop_pending_updates", False)):
        state.updates.drop_pending()
    return True


async def delete_webhook(state: State, call: Call) -> Any:
    state.updates.webhook_url = ""
    if as_bool(call.params.get("drop_pending_updates", False)):
        state.updates.drop_pending()
    return True


async def get_webhook_info(state: State, call: Call) -> Any:
    return {
        "url": state.updates.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates.pending),
    }


async def set_my_commands(state: State, call: Call) -> Any:
    commands = call.params.get("commands")
    if isinstance(commands, str):
        commands = decode("commands", commands)
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > _MAX_COMMANDS:
        raise bad_request("too many commands")
    cleaned: list[JsonDict] = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command = as_text(item.get("command"))
        description = as_text(item.get("description"))
        if not re.fullmatch(r"[a-z0-9_]{1,32}", command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": command, "description": description})
    key = _command_key(call.params)
    if cleaned:
        state.commands[key] = cleaned
    else:
        state.commands.pop(key, None)
    return True


async def get_my_commands(state: State, call: Call) -> Any:
    return copy.deepcopy(state.commands.get(_command_key(call.params), []))


async def delete_my_commands(state: State, call: Call) -> Any:
    state.commands.pop(_command_key(call.params), None)
    return True


def _command_key(params: JsonDict) -> tuple[str, str]:
    scope = params.get("scope")
    scope_obj = as_json_object(scope, "scope") if scope not in (None, "") else None
    language = as_text(params.get("language_code", ""))
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    return scope_key(scope_obj), language


def set_bot_text(field_name: str) -> Method:
    """setMyDescription, setMyShortDescription, setMyName."""

    async def method(state: State, call: Call) -> Any:
        language = as_text(call.params.get("language_code", ""))
        state.bot_texts[(field_name, language)] = as_text(call.params.get(field_name, ""))
        return True

    return method


def get_bot_text(field_name: str) -> Method:
    """getMyDescription, getMyShortDescription, getMyName."""

    async def method(state: State, call: Call) -> Any:
        language = as_text(call.params.get("language_code", ""))
        return {field_name: state.bot_texts.get((field_name, language), "")}

    return method


async def get_chat(state: State, call: Call) -> Any:
    obj = chat_object(sending.target_chat(state, call.params))
    obj.update(
        {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
            },
        }
    )
    return obj


async def answer_callback_query(state: State, call: Call) -> Any:
    query_id = as_text(call.params.get("callback_query_id"))
    query = state.callbacks.get(query_id)
    if query is None or query.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = as_text(call.params.get("text")) or None
    if text is not None and len(text) > _MAX_ANSWER_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    chat = state.chat_of(query.user_id)
    answer = {
        "callback_query_id": query_id,
        "message_id": query.message_id,
        "data": query.data,
        "text": text,
        "show_alert": as_bool(call.params.get("show_alert", False)),
        "url": call.params.get("url"),
    }
    chat.answers.append(answer)
    state.touch(chat, "answer", query.message_id, dict(answer))
    return True


async def get_file(state: State, call: Call) -> Any:
    stored = state.files.get(as_text(call.params.get("file_id")))
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.telegram_file()


METHODS: dict[str, Method] = {
    "getMe": get_me,
    "logOut": accept,
    "close": accept,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setMyDescription": set_bot_text("description"),
    "getMyDescription": get_bot_text("description"),
    "setMyShortDescription": set_bot_text("short_description"),
    "getMyShortDescription": get_bot_text("short_description"),
    "setMyName": set_bot_text("name"),
    "getMyName": get_bot_text("name"),
    "getChat": get_chat,
    "sendMessage": sending.send_message,
    "sendPhoto": sending.send_photo,
    "sendDocument": sending.send_document,
    "sendLocation": sending.send_location,
    "sendChatAction": sending.send_chat_action,
    "editMessageText": editing.edit_message_text,
    "editMessageCaption": editing.edit_message_caption,
    "editMessageReplyMarkup": editing.edit_message_reply_markup,
    "deleteMessage": editing.delete_message,
    "answerCallbackQuery": answer_callback_query,
    "getFile": get_file,
}
