"""The bot's HTTP client (`bot/telegram/http.py`): files both ways, timeouts and connection errors, through the
real bot and the stand-in."""

from __future__ import annotations

import socket

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.chat.messages import Attachment, Button, Reply, payload_of
from bot.telegram.gateway import send
from bot.telegram.http import AiohttpRequest
from tests.harness import BotUnderTest
from tests.test_botapi import make_png

CAMILLE = 1001


async def test_a_document_arrives_intact_with_its_name_caption_and_buttons(bot: BotUnderTest) -> None:
    """An export as the sender sends it: a multipart upload, its parameters beside the file; read back by the
    bot (a download) byte for byte."""
    bot.user(CAMILLE)
    content = bytes(range(256)) * 2048  # every byte value, half a megabyte
    reply = Reply("<b>Offres</b> du 44 & plus", buttons=[[Button("Suite", url="https://example.org/?a=1&b=été")]],
                  attachment=Attachment("Offres – été.xlsx", content))  # fmt: skip
    await send(bot.runtime.bot, CAMILLE, payload_of(reply), content)
    sent = bot.api.last_bot_message(CAMILLE)
    assert sent is not None
    assert sent["document"]["file_name"] == "Offres – été.xlsx"
    assert sent["caption"] == "Offres du 44 & plus"
    assert sent["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://example.org/?a=1&b=été"
    assert bot.api.file_bytes(sent["document"]["file_id"]) == content
    file = await bot.runtime.bot.get_file(sent["document"]["file_id"])
    assert bytes(await file.download_as_bytearray()) == content


async def test_a_chart_arrives_as_a_photo(bot: BotUnderTest) -> None:
    bot.user(CAMILLE)
    png = make_png(640, 480)
    reply = Reply("Places", attachment=Attachment("chart.png", png, kind="photo"))
    await send(bot.runtime.bot, CAMILLE, payload_of(reply), png)
    sent = bot.api.last_bot_message(CAMILLE)
    assert sent is not None and sent["caption"] == "Places"
    largest = sent["photo"][-1]
    assert (largest["width"], largest["height"]) == (640, 480)
    assert bot.api.file_bytes(largest["file_id"]) == png


async def test_an_answer_later_than_the_read_timeout_is_timed_out(bot: BotUnderTest) -> None:
    """The timeout a call gives wins over the default one; a call that gives none gets the default."""
    bot.user(CAMILLE)
    request = AiohttpRequest(read_timeout=0.2)
    async with Bot(bot.settings.token, base_url=bot.api.bot_base_url, request=request) as client:
        bot.api.delay_next("sendMessage", 1.0, chat_id=CAMILLE)
        with pytest.raises(TimedOut):
            await client.send_message(CAMILLE, "Bonjour")
        bot.api.delay_next("sendMessage", 0.5, chat_id=CAMILLE)
        assert (await client.send_message(CAMILLE, "Bonjour", read_timeout=5)).text == "Bonjour"
    # Telegram may have taken the message that timed out: a timeout says nothing either way.
    assert [m["text"] for m in bot.api.bot_messages(CAMILLE)] == ["Bonjour", "Bonjour"]


async def test_a_refused_connection_is_a_network_error_not_a_timeout() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{port}/bot123:abc/getMe")
        assert type(raised.value) is NetworkError  # TimedOut is a NetworkError too: the sender retries both
    finally:
        await request.shutdown()
    with pytest.raises(NetworkError, match="not initialized"):  # shut down: nothing is sent any more
        await request.post(f"http://127.0.0.1:{port}/bot123:abc/getMe")


async def test_a_proxy_named_by_the_environment_is_used(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As httpx did: HTTP_PROXY (here the stand-in itself, which answers a proxied request as any other) carries
    the calls to an address the machine could not reach."""
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", bot.api.url)
    async with Bot(
        bot.settings.token, base_url="http://bot-api.invalid/bot", request=AiohttpRequest()
    ) as client:
        assert client.username == bot.runtime.bot.username
