"""Tests of the local Bot API stand-in (bot/sandbox/botapi/) and of the terminal chat (chat.py).

Everything goes over real HTTP on 127.0.0.1 with the real python-telegram-bot client.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import html
import re
import struct
import time
import warnings
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TypeVar

import aiohttp
import pytest
import pytest_asyncio
import telegram
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.sandbox.botapi import (
    EntityParseError,
    FakeBotApi,
    SimulationError,
    image_size,
    parse_html,
)
from bot.sandbox.chat import ChatSession, render_html, render_message, run_terminal_chat

E = TypeVar("E", bound=BaseException)

TOKEN = "123456:TEST-token"
CAMILLE = 1001
OLENA = 2002


def make_png(width: int = 400, height: int = 300) -> bytes:
    """A valid (grey) PNG image, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def raises(kind: type[E], text: str) -> contextlib.AbstractContextManager[pytest.ExceptionInfo[E]]:
    """pytest.raises matching ``text`` case-insensitively (PTB capitalizes Telegram's descriptions)."""
    return pytest.raises(kind, match=re.compile(re.escape(text), re.IGNORECASE))


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        server.add_user(CAMILLE, "Camille", "fr")
        yield server


@pytest_asyncio.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[telegram.Bot]:
    client = telegram.Bot(TOKEN, base_url=api.bot_base_url, base_file_url=api.file_base_url)
    async with client:
        yield client


# --------------------------------------------------------------------------------------------------
# A small real bot (python-telegram-bot Application) used by the end-to-end tests


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_user is not None and update.effective_message is not None
    user = update.effective_user
    greeting = "Вітаємо" if user.language_code == "uk" else "Bienvenue"
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Oui", callback_data="yes"), InlineKeyboardButton("Non", callback_data="no")]]
    )
    await update.effective_message.reply_text(
        f"<b>{greeting}</b> {html.escape(user.first_name)} !\nAvez-vous besoin d'un logement ?",
        parse_mode="HTML",
        reply_markup=keyboard,
    )


async def on_keys(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = ReplyKeyboardMarkup(
        [
            [KeyboardButton("Partager mon numéro", request_contact=True)],
            [KeyboardButton("Ma position", request_location=True), KeyboardButton("Annuler")],
        ],
        resize_keyboard=True,
    )
    await update.effective_message.reply_text("Choisissez :", reply_markup=keyboard)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("ok")
    await query.edit_message_text(f"Choix : {query.data}")


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(
        f"Écho : <i>{html.escape(update.effective_message.text)}</i>", parse_mode="HTML"
    )


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.location is not None
    await message.reply_text(f"Position {message.location.latitude:.4f}, {message.location.longitude:.4f}")


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.contact is not None
    await message.reply_text(
        f"Numéro reçu : {message.contact.phone_number}", reply_markup=ReplyKeyboardRemove()
    )


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    file = await message.document.get_file()
    data = bytes(await file.download_as_bytearray())
    await message.reply_document(data, filename=f"copie-{message.document.file_name}", caption="Votre copie")


@pytest_asyncio.fixture
async def app(api: FakeBotApi) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    application = (
        Application.builder().token(TOKEN).base_url(api.bot_base_url).base_file_url(api.file_base_url).build()
    )
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(CommandHandler("keys", on_keys))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(filters.LOCATION, on_location))
    application.add_handler(MessageHandler(filters.CONTACT, on_contact))
    application.add_handler(MessageHandler(filters.Document.ALL, on_document))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=2)
        try:
            yield application
        finally:
            if application.updater.running:
                await application.updater.stop()
            await application.stop()


async def script(lines: list[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line


# --------------------------------------------------------------------------------------------------
# Basics


@pytest.mark.asyncio
async def test_get_me_and_token_recorded(api: FakeBotApi, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "logement_de_crise_bot"
    assert me.id == 123456  # taken from the token, as with Telegram
    assert api.token == TOKEN
    assert ("getMe", {}) in api.calls


@pytest.mark.asyncio
async def test_unknown_method_and_raw_encodings(api: FakeBotApi) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api.bot_base_url}{TOKEN}/sendPigeon", data={"chat_id": "1001"}) as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        # A JSON body and a form body are both understood; reply_markup arrives as a JSON string in forms.
        async with http.post(
            f"{api.bot_base_url}{TOKEN}/sendMessage", json={"chat_id": CAMILLE, "text": "json body"}
        ) as response:
            body = await response.json()
            assert body["ok"] and body["result"]["text"] == "json body"
        form = {"chat_id": "1001", "text": "123", "reply_markup": '{"remove_keyboard": true}'}
        async with http.post(f"{api.bot_base_url}{TOKEN}/sendMessage", data=form) as response:
            body = await response.json()
            assert body["ok"] and body["result"]["text"] == "123"  # text stays a string
    name, params = api.calls[-1]
    assert name == "sendMessage"
    assert params == {"chat_id": 1001, "text": "123", "reply_markup": {"remove_keyboard": True}}


@pytest.mark.asyncio
async def test_send_message_to_unknown_or_blocked_chat(api: FakeBotApi, bot: telegram.Bot) -> None:
    with raises(BadRequest, "chat not found"):
        await bot.send_message(999, "hello")
    api.block_bot(CAMILLE)
    with raises(Forbidden, "blocked"):
        await bot.send_message(CAMILLE, "hello")


# --------------------------------------------------------------------------------------------------
# Updates: buttons, offsets, long polling


@pytest.mark.asyncio
async def test_inline_keyboard_press_button_and_answer(api: FakeBotApi, bot: telegram.Bot) -> None:
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Oui", callback_data="offer:yes"),
                InlineKeyboardButton("Non", callback_data="offer:no"),
            ]
        ]
    )
    sent = await bot.send_message(CAMILLE, "Proposer un logement ?", reply_markup=markup)
    assert sent.reply_markup == markup  # echoed back
    assert api.messages(CAMILLE)[-1]["reply_markup"] == markup.to_dict()

    with pytest.raises(SimulationError):
        api.press_button(CAMILLE, sent.message_id, "offer:maybe")
    update_id = api.press_button(CAMILLE, sent.message_id, "offer:no")

    updates = await bot.get_updates(timeout=1)
    assert len(updates) == 1
    query = updates[0].callback_query
    assert updates[0].update_id == update_id
    assert query is not None and query.data == "offer:no"
    assert query.from_user.id == CAMILLE and query.from_user.language_code == "fr"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.message.chat.id == CAMILLE

    assert await query.answer("Merci") is True
    assert api.callback_answers(CAMILLE)[-1]["text"] == "Merci"
    with raises(BadRequest, "query is too old"):
        await query.answer("twice")


@pytest.mark.asyncio
async def test_user_updates_shape(api: FakeBotApi, bot: telegram.Bot) -> None:
    api.add_user(OLENA, "Olena", "uk", username="olena_k")
    api.send_text(OLENA, "/start payload")
    api.set_language(OLENA, "en")
    api.send_location(OLENA, 47.2184, -1.5536)
    api.send_contact(OLENA, "+33612345678")
    updates = await bot.get_updates()
    first, second, third = (u.message for u in updates)
    assert first is not None and first.text == "/start payload"
    assert first.entities[0].type == "bot_command" and first.entities[0].length == len("/start")
    assert first.from_user is not None and first.from_user.language_code == "uk"
    assert first.chat.type == "private" and first.chat.id == OLENA
    assert second is not None and second.location is not None and second.location.latitude == 47.2184
    assert second.from_user is not None and second.from_user.language_code == "en"
    assert third is not None and third.contact is not None
    assert third.contact.user_id == OLENA and third.contact.phone_number == "+33612345678"
    assert [m["from_bot"] for m in api.messages(OLENA)] == [False, False, False]


@pytest.mark.asyncio
async def test_updates_stay_until_confirmed_by_offset(api: FakeBotApi, bot: telegram.Bot) -> None:
    first = api.send_text(CAMILLE, "un")
    second = api.send_text(CAMILLE, "deux")
    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    assert [u.update_id for u in await bot.get_updates()] == [first, second]  # not confirmed: redelivered
    assert [u.update_id for u in await bot.get_updates(offset=first + 1)] == [second]
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [second]
    assert await bot.get_updates(offset=second + 1) == ()
    assert api.pending_updates == []


@pytest.mark.asyncio
async def test_long_poll_returns_as_soon_as_an_update_arrives(api: FakeBotApi, bot: telegram.Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    update_id = api.send_text(CAMILLE, "bonjour")
    updates = await asyncio.wait_for(poll, 2)
    assert [u.update_id for u in updates] == [update_id]
    assert time.monotonic() - started < 1.5

    started = time.monotonic()
    assert await bot.get_updates(offset=update_id + 1, timeout=dtm.timedelta(seconds=0.3)) == ()
    assert time.monotonic() - started >= 0.25


@pytest.mark.asyncio
async def test_abandoned_long_poll_does_not_lose_an_update(api: FakeBotApi, bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)  # the server is now holding the long poll
    poll.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await poll
    update_id = api.send_text(CAMILLE, "are you there?")  # wakes the abandoned poll on the server
    await asyncio.sleep(0.1)
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [update_id]


@pytest.mark.asyncio
async def test_concurrent_polls_and_webhook_conflict(api: FakeBotApi, bot: telegram.Bot) -> None:
    # A second instance of the bot polling at the same time: the older poll is terminated.
    async with telegram.Bot(TOKEN, base_url=api.bot_base_url, base_file_url=api.file_base_url) as other:
        older = asyncio.create_task(bot.get_updates(timeout=3))
        await asyncio.sleep(0.1)
        newer = asyncio.create_task(other.get_updates(timeout=3))
        with raises(Conflict, "terminated by other getUpdates"):
            await asyncio.wait_for(older, 2)
        api.send_text(CAMILLE, "x")
        assert len(await asyncio.wait_for(newer, 2)) == 1

    assert await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with raises(Conflict, "webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


# --------------------------------------------------------------------------------------------------
# Files


@pytest.mark.asyncio
async def test_bot_sends_document_and_photo_and_downloads_them(api: FakeBotApi, bot: telegram.Bot) -> None:
    pdf = b"%PDF-1.4 fiche logement"
    sent = await bot.send_document(
        CAMILLE, pdf, filename="fiche.pdf", caption="<b>Votre fiche</b>", parse_mode="HTML"
    )
    assert sent.document is not None and sent.document.file_name == "fiche.pdf"
    assert sent.document.mime_type == "application/pdf" and sent.caption == "Votre fiche"
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == pdf
    transcript = api.bot_messages(CAMILLE)[-1]
    assert transcript["document"]["file_name"] == "fiche.pdf"
    assert api.file_bytes(transcript["document"]["file_id"]) == pdf

    png = make_png(640, 480)
    photo_message = await bot.send_photo(CAMILLE, png, caption="La chambre")
    assert photo_message.photo[-1].width == 640 and photo_message.photo[-1].height == 480
    photo_file = await photo_message.photo[-1].get_file()
    assert bytes(await photo_file.download_as_bytearray()) == png

    # Re-sending by file_id works; a document's id as a photo does not; a PDF is no picture.
    again = await bot.send_document(CAMILLE, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id
    with raises(BadRequest, "type of file mismatch"):
        await bot.send_photo(CAMILLE, sent.document.file_id)
    with raises(BadRequest, "IMAGE_PROCESS_FAILED"):
        await bot.send_photo(CAMILLE, pdf)
    with raises(BadRequest, "wrong file identifier"):
        await bot.send_document(CAMILLE, "no-such-file-id")


@pytest.mark.asyncio
async def test_user_sends_photo_and_document(api: FakeBotApi, bot: telegram.Bot) -> None:
    png = make_png(1200, 900)
    api.send_photo(CAMILLE, png, caption="facade")
    api.send_document(CAMILLE, b"name;city\nA;Nantes\n", "places.csv", "text/csv")
    photo_update, document_update = await bot.get_updates()
    assert photo_update.message is not None and document_update.message is not None
    sizes = photo_update.message.photo
    assert sizes[-1].width == 1200 and sizes[-1].height == 900 and sizes[0].width <= 320
    assert photo_update.message.caption == "facade"
    downloaded = await (await bot.get_file(sizes[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == png
    document = document_update.message.document
    assert document is not None and document.file_name == "places.csv" and document.mime_type == "text/csv"
    downloaded = await (await document.get_file()).download_as_bytearray()
    assert bytes(downloaded) == b"name;city\nA;Nantes\n"
    with raises(BadRequest, "invalid file_id"):
        await bot.get_file("nope")


# --------------------------------------------------------------------------------------------------
# Faults and limits


@pytest.mark.asyncio
async def test_fail_next_maps_to_ptb_exceptions(api: FakeBotApi, bot: telegram.Bot) -> None:
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(CAMILLE, "un")
    assert retry_seconds(flood.value) == 7

    api.fail_next("sendMessage", 500, "Internal Server Error")
    with pytest.raises(NetworkError) as server_error:
        await bot.send_message(CAMILLE, "deux")
    assert type(server_error.value) is NetworkError

    api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", count=2)
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(CAMILLE, "trois")
    sent = await bot.send_message(CAMILLE, "quatre")  # the failures are used up
    assert sent.text == "quatre"
    assert [m["text"] for m in api.bot_messages(CAMILLE)] == ["quatre"]
    assert len(api.calls_of("sendMessage")) == 5


@pytest.mark.asyncio
async def test_delay_next_times_out_the_bot_though_the_message_is_delivered(
    api: FakeBotApi, bot: telegram.Bot
) -> None:
    api.add_user(OLENA, "Olena", "uk")
    api.delay_next("sendMessage", 1.5, chat_id=CAMILLE)
    await bot.send_message(OLENA, "à l'heure", read_timeout=1)  # another chat: answered at once
    with pytest.raises(TimedOut):
        await bot.send_message(CAMILLE, "en retard", read_timeout=0.3)
    assert [m["text"] for m in api.bot_messages(CAMILLE)] == ["en retard"]  # delivered all the same
    await bot.send_message(CAMILLE, "à l'heure", read_timeout=1)  # the delay is used up

    api.delay_next("getMe", 1.5, count=2)
    for _ in range(2):
        with pytest.raises(TimedOut):
            await bot.get_me(read_timeout=0.3)
    assert (await bot.get_me(read_timeout=1)).username == "logement_de_crise_bot"


@pytest.mark.asyncio
async def test_rate_limits(api: FakeBotApi, bot: telegram.Bot) -> None:
    api.add_user(OLENA, "Olena", "uk")
    api.add_user(3003, "Ahmad", "ar")
    api.enforce_limits(per_second_overall=3, per_chat_per_second=1)
    await bot.send_message(CAMILLE, "1")
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(CAMILLE, "2")
    assert retry_seconds(flood.value) == 1
    await bot.send_message(OLENA, "1")
    await bot.send_message(3003, "1")
    api.add_user(4004, "Dmytro", "uk")
    with pytest.raises(RetryAfter):
        await bot.send_message(4004, "overall limit")
    assert await bot.send_chat_action(CAMILLE, "typing")  # not a message: not limited
    api.disable_limits()
    await bot.send_message(CAMILLE, "3")


# --------------------------------------------------------------------------------------------------
# Validation of what the bot sends


@pytest.mark.asyncio
async def test_html_validation(api: FakeBotApi, bot: telegram.Bot) -> None:
    with raises(BadRequest, 'can\'t parse entities: Unsupported start tag "br"'):
        await bot.send_message(CAMILLE, "Ligne 1<br>Ligne 2", parse_mode="HTML")
    with raises(BadRequest, "can't parse entities: Can't find end tag"):
        await bot.send_message(CAMILLE, "<b>non fermé", parse_mode="HTML")
    with raises(BadRequest, "can't parse entities"):
        await bot.send_message(CAMILLE, "<b>croisés <i>mal</b></i>", parse_mode="HTML")
    with raises(BadRequest, "can't parse entities"):
        await bot.send_message(CAMILLE, "Nom: <Olena & co>", parse_mode="HTML")  # user text not escaped

    user_text = 'Olena <script>alert("x")</script> & co'
    sent = await bot.send_message(
        CAMILLE,
        f'<b>Nom</b> : {html.escape(user_text)} <a href="https://example.org/?a=1&amp;b=2">lien</a> '
        "<tg-spoiler>secret</tg-spoiler> <code>x</code> <blockquote>cité</blockquote>",
        parse_mode="HTML",
    )
    assert sent.text is not None and user_text in sent.text
    types = [entity.type for entity in sent.entities]
    assert types == ["bold", "text_link", "spoiler", "code", "blockquote"]
    assert sent.entities[1].url == "https://example.org/?a=1&b=2"
    assert sent.text_html.startswith("<b>Nom</b>")
    with raises(BadRequest, "Character '.' is reserved"):
        await bot.send_message(CAMILLE, "*Prix* : 10.5 €", parse_mode="MarkdownV2")
    await bot.send_message(
        CAMILLE, "*Prix* : 10\\.5 € [site](https://example.org/a-b)", parse_mode="MarkdownV2"
    )
    # Without parse_mode, tags are just text.
    plain = await bot.send_message(CAMILLE, "<br> is fine here")
    assert plain.text == "<br> is fine here"


@pytest.mark.asyncio
async def test_text_and_button_limits(api: FakeBotApi, bot: telegram.Bot) -> None:
    with raises(BadRequest, "message text is empty"):
        await bot.send_message(CAMILLE, "   ")
    with raises(BadRequest, "message text is empty"):
        await bot.send_message(CAMILLE, "<b> </b>", parse_mode="HTML")
    with raises(BadRequest, "message is too long"):
        await bot.send_message(CAMILLE, "x" * 4097)
    await bot.send_message(CAMILLE, "x" * 4096)

    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="d" * 65)]])
    with raises(BadRequest, "BUTTON_DATA_INVALID"):
        await bot.send_message(CAMILLE, "choix", reply_markup=too_long)
    multibyte = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="é" * 33)]])  # 66 bytes
    with raises(BadRequest, "BUTTON_DATA_INVALID"):
        await bot.send_message(CAMILLE, "choix", reply_markup=multibyte)
    just_fits = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="d" * 64)]])
    await bot.send_message(CAMILLE, "choix", reply_markup=just_fits)


@pytest.mark.asyncio
async def test_edit_delete_and_reply_keyboard(api: FakeBotApi, bot: telegram.Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="yes")]])
    sent = await bot.send_message(CAMILLE, "Question ?", reply_markup=markup)
    with raises(BadRequest, "message is not modified"):
        await bot.edit_message_text("Question ?", CAMILLE, sent.message_id, reply_markup=markup)
    with raises(BadRequest, "message is not modified"):  # same text and entities, written differently
        await bot.edit_message_text(
            "Question ?", CAMILLE, sent.message_id, parse_mode="HTML", reply_markup=markup
        )
    edited = await bot.edit_message_text("Question posée", CAMILLE, sent.message_id)
    assert isinstance(edited, telegram.Message) and edited.edit_date is not None
    snapshot = api.message(CAMILLE, sent.message_id)
    assert snapshot["edited"] and snapshot["text"] == "Question posée"
    assert snapshot["reply_markup"] is None  # editing text without reply_markup drops the keyboard
    assert snapshot["edit_history"][0]["text"] == "Question ?"
    with pytest.raises(SimulationError):
        api.press_button(CAMILLE, sent.message_id, "yes")
    await bot.edit_message_reply_markup(CAMILLE, sent.message_id, reply_markup=markup)
    assert api.message(CAMILLE, sent.message_id)["reply_markup"] == markup.to_dict()

    assert await bot.delete_message(CAMILLE, sent.message_id)
    assert api.message(CAMILLE, sent.message_id)["deleted"]
    with raises(BadRequest, "message to delete not found"):
        await bot.delete_message(CAMILLE, sent.message_id)
    with raises(BadRequest, "message to edit not found"):
        await bot.edit_message_text("trop tard", CAMILLE, sent.message_id)

    keyboard = ReplyKeyboardMarkup([[KeyboardButton("Mon numéro", request_contact=True)]])
    reply = await bot.send_message(CAMILLE, "Votre numéro ?", reply_markup=keyboard)
    assert reply.reply_markup is None  # Telegram only echoes inline keyboards
    current = api.reply_keyboard(CAMILLE)
    assert current is not None and current["keyboard"][0][0]["request_contact"] is True
    await bot.send_message(CAMILLE, "Merci", reply_markup=ReplyKeyboardRemove())
    assert api.reply_keyboard(CAMILLE) is None
    with raises(BadRequest, "wrong parameter action"):
        await bot.send_chat_action(CAMILLE, "dancing")


def test_parse_html_entities_and_offsets() -> None:
    text, entities = parse_html("🏠 <b>Logement</b> &lt;ok&gt; &amp; &quot;x&quot; &#233; &nbsp; a&b")
    assert text == '🏠 Logement <ok> & "x" é &nbsp; a&b'
    assert entities == [{"type": "bold", "offset": 3, "length": 8}]  # the emoji counts 2 UTF-16 units
    text, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert text == "x = 1" and entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]
    for bad in ("<p>x</p>", "<b>x", "x</b>", "<a href='x>y", "<span>x</span>", "<b/>", "a < b"):
        with pytest.raises(EntityParseError):
            parse_html(bad)
    assert image_size(make_png(3, 2)) == (3, 2)
    assert image_size(b"not an image") is None


# --------------------------------------------------------------------------------------------------
# Simulation helpers: waiting, commands, HTTP endpoints


@pytest.mark.asyncio
async def test_wait_for_bot_message(api: FakeBotApi, bot: telegram.Bot) -> None:
    first = await bot.send_message(CAMILLE, "déjà là")
    found = await api.wait_for_bot_message(CAMILLE, after_message_id=0)
    assert found["message_id"] == first.message_id  # already there

    waiter = asyncio.create_task(api.wait_for_bot_message(CAMILLE, timeout=2))
    await asyncio.sleep(0.05)
    assert not waiter.done()
    second = await bot.send_message(CAMILLE, "nouveau")
    assert (await asyncio.wait_for(waiter, 1))["message_id"] == second.message_id

    edit_waiter = asyncio.create_task(
        api.wait_for_bot_message(CAMILLE, after_message_id=second.message_id, predicate=lambda m: m["edited"])
    )
    await asyncio.sleep(0.05)
    await bot.edit_message_text("nouveau (modifié)", CAMILLE, first.message_id)
    edited = await asyncio.wait_for(edit_waiter, 1)
    assert edited["message_id"] == first.message_id and edited["text"] == "nouveau (modifié)"

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await api.wait_for_bot_message(CAMILLE, timeout=0.2)
    assert time.monotonic() - started < 1


@pytest.mark.asyncio
async def test_set_my_commands_per_language(api: FakeBotApi, bot: telegram.Bot) -> None:
    await bot.set_my_commands([("start", "Commencer"), ("aide", "Aide")])
    await bot.set_my_commands([("start", "Почати")], language_code="uk")
    await bot.set_my_commands(
        [("start", "Start")], scope=telegram.BotCommandScopeAllPrivateChats(), language_code="en"
    )
    assert [c["command"] for c in api.commands()] == ["start", "aide"]
    assert api.commands("uk") == [{"command": "start", "description": "Почати"}]
    assert api.commands("en") == []
    assert api.commands("en", {"type": "all_private_chats"})[0]["description"] == "Start"
    languages = [params.get("language_code", "") for params in api.calls_of("setMyCommands")]
    assert languages == ["", "uk", "en"]
    fetched = await bot.get_my_commands(language_code="uk")
    assert [c.description for c in fetched] == ["Почати"]
    await bot.delete_my_commands(language_code="uk")
    assert api.commands("uk") == []
    with raises(BadRequest, "BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Start-Now", "x")])


@pytest.mark.asyncio
async def test_http_simulation_endpoints(api: FakeBotApi, bot: telegram.Bot) -> None:
    async with aiohttp.ClientSession(api.url) as http:
        async with http.get("/") as response:
            page = await response.text()
            assert response.status == 200 and "<script>" in page and "/_sim/wait" in page
        async with http.post(
            "/_sim/users", json={"user_id": OLENA, "first_name": "Olena", "language_code": "uk"}
        ) as response:
            assert (await response.json())["result"]["language_code"] == "uk"
        async with http.post("/_sim/send", json={"user_id": OLENA, "text": "/start"}) as response:
            assert response.status == 200
        async with http.post("/_sim/send", json={"user_id": 5555, "text": "hi"}) as response:
            assert response.status == 404

        waiting = asyncio.create_task(
            http.get("/_sim/wait", params={"user_id": OLENA, "after": 1, "timeout": 2})
        )
        await asyncio.sleep(0.05)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Так", callback_data="yes")]])
        document = await bot.send_document(OLENA, b"contenu", filename="guide.txt", reply_markup=markup)
        async with await waiting as response:
            waited = (await response.json())["result"]
        assert waited["message_id"] == document.message_id and waited["document"]["file_name"] == "guide.txt"

        async with http.post(
            "/_sim/send",
            json={
                "user_id": OLENA,
                "callback": {"message_id": document.message_id, "data": "nope"},
            },
        ) as response:
            assert response.status == 400
        for payload in (
            {"callback": {"message_id": document.message_id, "data": "yes"}},
            {"location": {"lat": 47.2, "lon": -1.55}},
            {"contact": {"phone_number": "+380501234567"}},
        ):
            async with http.post("/_sim/send", json={"user_id": OLENA, **payload}) as response:
                assert response.status == 200, await response.text()
        form = aiohttp.FormData()
        form.add_field("user_id", str(OLENA))
        form.add_field("kind", "photo")
        form.add_field("file", make_png(50, 40), filename="room.png", content_type="image/png")
        async with http.post("/_sim/upload", data=form) as response:
            assert response.status == 200, await response.text()

        async with http.get("/_sim/messages", params={"user_id": OLENA, "after": 1}) as response:
            messages = (await response.json())["result"]
        assert [bool(m["from_bot"]) for m in messages] == [True, False, False, False]
        assert messages[-1]["photo"][-1]["width"] == 50
        async with http.get(f"/_sim/file/{document.document.file_id}") as response:  # type: ignore[union-attr]
            assert await response.read() == b"contenu"
        async with http.get("/_sim/wait", params={"user_id": OLENA, "since": 0, "timeout": 1}) as response:
            state = (await response.json())["result"]
        assert state["version"] == api.version and len(state["messages"]) == 5
        async with http.get("/_sim/calls", params={"method": "sendDocument"}) as response:
            calls = (await response.json())["result"]
        assert calls[0]["params"]["document"]["file_name"] == "guide.txt"
        async with http.post("/_sim/fail", json={"method": "getMe", "error_code": 502}) as response:
            assert response.status == 200
        delay = {"method": "sendMessage", "seconds": 1.5, "chat_id": OLENA}
        async with http.post("/_sim/delay", json=delay) as response:
            assert response.status == 200
        async with http.post("/_sim/delay", json={"method": "sendMessage"}) as response:
            assert response.status == 400
    with pytest.raises(NetworkError):
        await bot.get_me()
    with pytest.raises(TimedOut):
        await bot.send_message(OLENA, "en retard", read_timeout=0.3)
    assert api.bot_messages(OLENA)[-1]["text"] == "en retard"
    kinds = [next(k for k in ("callback_query", "message") if k in u) for u in api.pending_updates]
    assert kinds == ["message", "callback_query", "message", "message", "message"]


# --------------------------------------------------------------------------------------------------
# End to end: a real Application, and the terminal chat


@pytest.mark.asyncio
async def test_real_application_round_trip(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    api.send_text(CAMILLE, "/start")
    welcome = await api.wait_for_bot_message(CAMILLE, after_message_id=0, timeout=3)
    assert welcome["text"].startswith("Bienvenue Camille")
    assert welcome["raw_text"].startswith("<b>Bienvenue</b>")
    api.press_button(CAMILLE, welcome["message_id"], "yes")
    edited = await api.wait_for_bot_message(CAMILLE, timeout=3, predicate=lambda m: m["edited"])
    assert edited["text"] == "Choix : yes"
    assert api.callback_answers(CAMILLE)[-1]["text"] == "ok"
    methods = [name for name, _ in api.calls]
    assert {
        "getMe",
        "deleteWebhook",
        "getUpdates",
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
    } <= set(methods)

    assert app.updater is not None
    await app.updater.stop()  # the last getUpdates confirms what was read
    assert api.pending_updates == []


@pytest.mark.asyncio
async def test_terminal_chat_session(api: FakeBotApi, app: Application, tmp_path: Path) -> None:  # type: ignore[type-arg]
    note = tmp_path / "note.txt"
    note.write_text("dossier CAF", encoding="utf-8")
    output: list[str] = []
    lines = [
        "/start",  # 1 -> 2 (inline buttons)
        "#1",  # press Oui -> 2 edited
        "bonjour <toi>",  # 3 -> 4
        "/keys",  # 5 -> 6 (reply keyboard)
        "#k1",  # 7 (contact) -> 8
        ":location 47.2184 -1.5536",  # 9 -> 10
        f":file {note}",  # 11 -> 12 (document back)
        f":save 12 {tmp_path / 'out'}",
        "#9",
        ":frobnicate",
        ":user 2002 Olena uk",
        "/start",  # Olena: 1 -> 2
        ":users",
        ":quit",
        "never sent",
    ]
    await run_terminal_chat(api, script(lines), output.append, reply_timeout=3.0, quiet=0.05)
    text = "\n".join(output)
    assert "http://127.0.0.1:" in output[0] and ":location" in output[0]
    assert "[2] bot: Bienvenue Camille !" in text and "<b>" not in text
    assert "[1] Oui  [2] Non" in text
    assert "[2] bot (edited): Choix : yes" in text and "(notice: ok)" in text
    assert "[4] bot: Écho : bonjour <toi>" in text
    assert "keyboard: [k1] Partager mon numéro (sends your phone number)  [k2] Ma position" in text
    assert "[8] bot: Numéro reçu : +3361" in text and "(keyboard removed)" in text
    assert "[10] bot: Position 47.2184, -1.5536" in text
    assert "[12] bot: <file copie-note.txt (text/plain" in text
    assert (tmp_path / "out" / "copie-note.txt").read_text(encoding="utf-8") == "dossier CAF"
    assert "error: no bot message with inline buttons" in text
    assert "unknown command :frobnicate" in text
    assert "[2] bot: Вітаємо Olena !" in text
    assert "* Olena (user 2002, Telegram language uk)" in text
    assert output[-1] == "bye"
    assert all(m["text"] != "never sent" for m in api.messages(CAMILLE) + api.messages(OLENA))
    assert api.user(OLENA)["language_code"] == "uk"


@pytest.mark.asyncio
async def test_chat_session_without_a_bot_reports_silence(api: FakeBotApi) -> None:
    output: list[str] = []
    session = ChatSession(api, output.append, reply_timeout=0.2, quiet=0.05)
    await session.handle_line("allô ?")
    assert output == ["    (no answer from the bot within 0.2s)"]
    await session.handle_line(":lang uk")
    assert api.user(CAMILLE)["language_code"] == "uk"
    await session.handle_line("\\#1 literally")
    assert api.messages(CAMILLE)[-1]["text"] == "#1 literally"
    await session.handle_line(":location nowhere")
    assert output[-1].startswith("usage: :location")


def test_render_message_and_html() -> None:
    assert render_html('<b>Gras</b> &amp; <a href="https://x.org">site</a>') == "Gras & site (https://x.org)"
    assert render_html("<blockquote>a\nb</blockquote>") == "| a\n| b"
    message = {
        "message_id": 7,
        "from_bot": True,
        "raw_text": "<i>Deux</i> lignes\nici",
        "text": "Deux lignes\nici",
        "parse_mode": "HTML",
        "edited": True,
        "deleted": False,
        "reply_markup": {
            "inline_keyboard": [
                [{"text": "A", "callback_data": "a"}],
                [{"text": "Site", "url": "https://x.org"}],
            ]
        },
    }
    assert render_message(message) == (
        "[7] bot (edited): Deux lignes\n    ici\n    [1] A\n    [2] Site -> https://x.org"
    )
    assert render_message({**message, "deleted": True}) == "[7] bot (edited): (deleted)"
    assert render_message({"message_id": 3, "from_bot": False, "text": "salut", "raw_text": "salut"}) == (
        "[3] you: salut"
    )
