"""Reading what a person did from an update as Telegram sends it (`bot/telegram/gateway.py`): the cases the
stand-in never produces."""

from __future__ import annotations

from typing import Any

from bot.telegram.gateway import incoming_from, pressed_message_id

PERSON = {"id": 1001, "is_bot": False, "first_name": "Camille", "language_code": "uk"}


def pressed(message: dict[str, Any]) -> dict[str, Any]:
    return {"update_id": 1, "callback_query": {"id": "7", "from": PERSON, "chat_instance": "1", "data": "a:1",
                                               "message": message}}  # fmt: skip


def test_a_button_of_a_message_telegram_still_gives_comes_with_its_neighbours() -> None:
    keyboard = {"inline_keyboard": [[{"text": "A", "callback_data": "a:1"}, {"text": "Site", "url": "https://x"}],
                                    [{"text": "B", "callback_data": "b:2"}]]}  # fmt: skip
    update = pressed({"message_id": 42, "date": 1_700_000_000, "chat": {"id": 1001, "type": "private"},
                      "reply_markup": keyboard})  # fmt: skip
    incoming = incoming_from(update)
    assert incoming is not None and incoming.is_button
    assert (incoming.user_id, incoming.language_code, incoming.callback) == (1001, "uk", "a:1")
    assert incoming.beside == ("a:1", "b:2")
    assert pressed_message_id(update) == 42


def test_a_button_of_a_message_too_old_for_telegram_has_no_message() -> None:
    """Telegram then sends the message with date 0 and nothing else of it: nothing to replace, no neighbours."""
    update = pressed({"message_id": 42, "date": 0, "chat": {"id": 1001, "type": "private"}})
    incoming = incoming_from(update)
    assert incoming is not None and incoming.callback == "a:1" and incoming.beside == ()
    assert pressed_message_id(update) is None


def test_what_is_not_a_person_in_a_private_chat_is_ignored() -> None:
    group = {"message_id": 3, "date": 1, "text": "/help", "from": PERSON, "chat": {"id": -5, "type": "group"}}
    robot = {**group, "from": {**PERSON, "is_bot": True}, "chat": {"id": 1001, "type": "private"}}
    edited = {
        "message_id": 3,
        "date": 1,
        "text": "/help",
        "from": PERSON,
        "chat": {"id": 1001, "type": "private"},
    }
    assert incoming_from({"update_id": 1, "message": group}) is None
    assert incoming_from({"update_id": 2, "message": robot}) is None
    assert incoming_from({"update_id": 3, "edited_message": edited}) is None
    assert (
        incoming_from({"update_id": 4, "message": {**edited, "text": "/Help@logement_bot a b"}}) is not None
    )


def test_a_command_its_arguments_and_a_shared_contact_of_someone_else() -> None:
    chat = {"id": 1001, "type": "private"}
    command = incoming_from({"update_id": 1, "message": {"message_id": 3, "date": 1, "from": PERSON, "chat": chat,
                                                         "text": "/Match@logement_bot 44  85"}})  # fmt: skip
    assert command is not None and (command.command, command.args) == ("match", ("44", "85"))
    contact = {"phone_number": "+33612345678", "first_name": "Olena", "user_id": 2002}
    shared = incoming_from({"update_id": 2, "message": {"message_id": 4, "date": 1, "from": PERSON, "chat": chat,
                                                        "contact": contact}})  # fmt: skip
    assert shared is not None and shared.contact_phone == "+33612345678" and not shared.contact_is_own
