"""Bot API methods that change a message already sent: editMessage{Text,Caption,ReplyMarkup}, deleteMessage."""

from __future__ import annotations

import time
from typing import Any

from bot.sandbox.botapi.errors import bad_request
from bot.sandbox.botapi.markup import check_inline_markup, inline_buttons
from bot.sandbox.botapi.params import Call, as_int
from bot.sandbox.botapi.sending import caption_of, target_chat, text_of
from bot.sandbox.botapi.state import Chat, Record, State

JsonDict = dict[str, Any]

# Telegram compares what is shown (text, entities, keyboard), not how it was written.
_SHOWN = ("text", "entities", "caption", "caption_entities", "reply_markup")


async def edit_message_text(state: State, call: Call) -> Any:
    chat, record = _editable(state, call.params)
    if record.text is None:
        raise bad_request("there is no text in the message to edit")
    raw_text, parse_mode, text, entities = text_of(call.params)
    # Editing the text without reply_markup removes the inline keyboard, as with Telegram.
    markup = check_inline_markup(call.params.get("reply_markup"))
    changes = {"text": text, "raw_text": raw_text, "entities": entities, "parse_mode": parse_mode}
    return _edit(state, chat, record, {**changes, "reply_markup": markup})


async def edit_message_caption(state: State, call: Call) -> Any:
    chat, record = _editable(state, call.params)
    if record.photo is None and record.document is None:
        raise bad_request("there is no caption in the message to edit")
    caption, raw_caption, entities, parse_mode = caption_of(call.params)
    markup = check_inline_markup(call.params.get("reply_markup"))
    changes = {"caption": caption, "raw_caption": raw_caption, "caption_entities": entities}
    return _edit(state, chat, record, {**changes, "parse_mode": parse_mode, "reply_markup": markup})


async def edit_message_reply_markup(state: State, call: Call) -> Any:
    chat, record = _editable(state, call.params)
    markup = check_inline_markup(call.params.get("reply_markup"))
    if markup is not None and not inline_buttons({"reply_markup": markup}):
        markup = None
    return _edit(state, chat, record, {"reply_markup": markup})


async def delete_message(state: State, call: Call) -> Any:
    chat = target_chat(state, call.params)
    message_id = as_int(call.params.get("message_id"), "message_id")
    record = chat.records.get(message_id)
    if record is None or record.deleted:
        raise bad_request("message to delete not found")
    record.deleted = True
    state.touch(chat, "delete", message_id, record.snapshot())
    return True


def _editable(state: State, params: JsonDict) -> tuple[Chat, Record]:
    if params.get("inline_message_id"):
        raise bad_request("inline messages are not supported by the sandbox")
    chat = target_chat(state, params)
    if params.get("message_id") in (None, ""):
        raise bad_request("message identifier is not specified")
    record = chat.records.get(as_int(params["message_id"], "message_id"))
    if record is None or record.deleted:
        raise bad_request("message to edit not found")
    if not record.from_bot:
        raise bad_request("message can't be edited")
    return chat, record


def _edit(state: State, chat: Chat, record: Record, changes: JsonDict) -> JsonDict:
    """Apply the changes to the message, unless they change nothing shown (Telegram refuses that)."""
    before = record.content()
    after = {**before, **{key: value for key, value in changes.items() if key in before}}
    if all(before[key] == after[key] for key in _SHOWN):
        raise bad_request(
            "message is not modified: specified new message content and reply markup are exactly the "
            "same as a current content and reply markup of the message"
        )
    for key, value in changes.items():
        setattr(record, key, value)
    record.edit_history.append(before)
    record.edit_date = int(time.time())
    state.touch(chat, "edit", record.message_id, record.snapshot())
    return state.message_object(record)
