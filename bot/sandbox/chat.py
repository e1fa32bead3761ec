"""Chat with the bot from a terminal, as one or several simulated Telegram users.

The bot runs against a ``FakeBotApi``; this module plays the users' side. ``ChatSession`` holds the
logic (one line in, some output out) and is independent of the terminal; ``run_terminal_chat`` wires
it to standard input (or to any async iterator of lines) and to ``print`` (or any output function).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import mimetypes
import re
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from bot.sandbox.botapi import (
    FakeBotApi,
    SimulationError,
    image_size,
    inline_buttons,
    reply_keyboard_buttons,
)

__all__ = ["ChatSession", "render_html", "render_message", "run_terminal_chat"]

Output = Callable[[str], None]
JsonDict = dict[str, Any]

DEFAULT_LOCATION = (47.2184, -1.5536)  # Nantes, place Royale

HELP = """\
Type a message and press Enter to send it (e.g. /start).
  #N  or !N            press inline button N of the latest bot message that has buttons
  #N@M                 press inline button N of bot message M
  #kN                  press button N of the reply keyboard (contact / location buttons share them)
  :user ID [NAME [LANG]]  switch to simulated user ID (created if new; LANG: Telegram language fr/uk/en...)
  :lang CODE           change the Telegram language of the current user
  :location LAT LON    share a location          :contact [PHONE]   share your phone number
  :photo PATH [CAPTION] send a picture            :file PATH [CAPTION] send a file
  :save N [DIR]        save the photo/file of message N into DIR (default: current folder)
  :users               list the simulated users  :show   show the whole conversation again
  :help                this help                 :quit   leave (Ctrl-D works too)
  \\TEXT                send TEXT as it is, even if it starts with # ! : or \\"""


# --------------------------------------------------------------------------------------------------
# Rendering


class _PlainHtml(HTMLParser):
    """Telegram HTML to plain text: tags dropped, links shown as "text (url)", quotes prefixed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._links: list[tuple[str | None, int]] = []
        self._quote_starts: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._links.append((dict(attrs).get("href"), len(self.parts)))
        elif tag == "blockquote":
            self._quote_starts.append(len(self.parts))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._links:
            href, start = self._links.pop()
            label = "".join(self.parts[start:])
            if href and href != label:
                self.parts.append(f" ({href})")
        elif tag == "blockquote" and self._quote_starts:
            start = self._quote_starts.pop()
            quoted = "".join(self.parts[start:])
            del self.parts[start:]
            self.parts.append("\n".join(f"| {line}" for line in quoted.split("\n")))

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def render_html(text: str) -> str:
    """Render Telegram-flavoured HTML as plain text for a terminal."""
    parser = _PlainHtml()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} kB"
    return f"{n / 1024 / 1024:.1f} MB"


def _body_text(msg: JsonDict) -> str | None:
    """The text or caption as a person would read it."""
    for raw_key, plain_key in (("raw_text", "text"), ("raw_caption", "caption")):
        raw = msg.get(raw_key)
        if raw is None:
            continue
        if str(msg.get("parse_mode") or "").lower() == "html":
            return render_html(str(raw))
        return str(msg.get(plain_key) if msg.get(plain_key) is not None else raw)
    return None


def render_buttons(msg: JsonDict) -> list[str]:
    """Lines showing the buttons of a message: inline ones as [1] [2]..., reply keyboard as [k1]..."""
    lines: list[str] = []
    markup = msg.get("reply_markup") or {}
    number = 0
    for row in markup.get("inline_keyboard") or []:
        cells = []
        for button in row:
            number += 1
            cell = f"[{number}] {button.get('text', '')}"
            if button.get("url"):
                cell += f" -> {button['url']}"
            cells.append(cell)
        lines.append("  ".join(cells))
    if markup.get("keyboard"):
        cells = []
        for index, button in enumerate(reply_keyboard_buttons(markup), start=1):
            cell = f"[k{index}] {button.get('text', '')}"
            if button.get("request_contact"):
                cell += " (sends your phone number)"
            elif button.get("request_location"):
                cell += " (sends your location)"
            cells.append(cell)
        lines.append("keyboard: " + "  ".join(cells))
    elif markup.get("remove_keyboard"):
        lines.append("(keyboard removed)")
    return lines


def render_message(msg: JsonDict) -> str:
    """One transcript message (as returned by ``FakeBotApi.messages``) as terminal text."""
    who = "bot" if msg.get("from_bot") else "you"
    if msg.get("edited"):
        who += " (edited)"
    header = f"[{msg.get('message_id')}] {who}:"
    if msg.get("deleted"):
        return f"{header} (deleted)"
    lines: list[str] = []
    photo = msg.get("photo")
    if photo:
        biggest = photo[-1]
        size = _size(int(biggest.get("file_size", 0)))
        dims = f"{biggest.get('width')}x{biggest.get('height')}"
        lines.append(f"<photo {dims}, {size} - :save {msg.get('message_id')} DIR>")
    document = msg.get("document")
    if document:
        lines.append(
            f"<file {document.get('file_name', 'document')} ({document.get('mime_type', '?')}, "
            f"{_size(int(document.get('file_size', 0)))}) - :save {msg.get('message_id')} DIR>"
        )
    location = msg.get("location")
    if location:
        lines.append(f"<location {location['latitude']}, {location['longitude']}>")
    contact = msg.get("contact")
    if contact:
        lines.append(f"<contact {contact.get('first_name', '')} {contact.get('phone_number', '')}>")
    body = _body_text(msg)
    if body is not None:
        lines.extend(body.split("\n"))
    lines.extend(render_buttons(msg))
    if not lines:
        return header
    first, *rest = lines
    return "\n".join([f"{header} {first}", *(f"    {line}" for line in rest)])


# --------------------------------------------------------------------------------------------------
# The session


_PRESS = re.compile(r"[#!](k?)(\d+)(?:@(\d+))?")


@dataclass(frozen=True)
class ExtraCommand:
    """A `:name ARGS` command the program running the chat adds (the sandbox: moving its clock, roles)."""

    usage: str  # shown in the banner, e.g. "+30d   move the bot's clock forward and send what is due"
    run: Callable[[int, list[str]], Awaitable[str]]  # (current user id, arguments) -> text to show


class ChatSession:
    """The user's side of a chat with the bot: feed it lines with ``handle_line``."""

    def __init__(
        self,
        api: FakeBotApi,
        out: Output = print,
        *,
        user_id: int = 1001,
        first_name: str = "Camille",
        language_code: str = "fr",
        wait_for_replies: bool = True,
        reply_timeout: float = 5.0,
        quiet: float = 0.3,
        extra_commands: Mapping[str, ExtraCommand] | None = None,
    ) -> None:
        self.api = api
        self.extra_commands = dict(extra_commands or {})
        self.out = out
        self.wait_for_replies = wait_for_replies
        self.reply_timeout = reply_timeout
        self.quiet = quiet
        self.done = False
        self._shown: dict[tuple[int, int], tuple[int, bool]] = {}
        self._answers_shown: dict[int, int] = {}
        self._locations: dict[int, tuple[float, float]] = {}
        if not any(u["id"] == user_id for u in api.users):
            api.add_user(user_id, first_name, language_code)
        self.current = user_id

    # ------------------------------------------------------------------------------ output

    def banner(self) -> str:
        try:
            page = f"{self.api.url}/"
        except RuntimeError:
            page = "(the stand-in server is not started)"
        return "\n".join(
            [
                "Logement de crise - sandbox chat (local stand-in for Telegram: nothing leaves this machine)",
                f"Web page to chat from a browser: {page}",
                f"You are {self._describe(self.current)}. Send /start to begin.",
                self._help(),
            ]
        )

    def _help(self) -> str:
        """The commands of the chat, and those the sandbox adds (:clock, :grant)."""
        return "\n".join(
            [HELP, *(f"  :{name} {command.usage}" for name, command in self.extra_commands.items())]
        )

    def _describe(self, user_id: int) -> str:
        user = self.api.user(user_id)
        return f"{user['first_name']} (user {user_id}, Telegram language {user.get('language_code', '-')})"

    def flush(self) -> None:
        """Print whatever the bot sent, edited, deleted or answered since the last flush."""
        for user in self.api.users:
            user_id = int(user["id"])
            prefix = "" if user_id == self.current else f"(to {user['first_name']}, {user_id}) "
            for msg in self.api.messages(user_id):
                if not msg["from_bot"]:
                    continue
                key = (user_id, int(msg["message_id"]))
                state = (len(msg["edit_history"]), bool(msg["deleted"]))
                previous = self._shown.get(key)
                if previous == state:
                    continue
                self._shown[key] = state
                if previous is None and msg["deleted"]:
                    continue  # sent and deleted before we could show it
                self.out(prefix + render_message(msg))
            answers = self.api.callback_answers(user_id)
            for answer in answers[self._answers_shown.get(user_id, 0) :]:
                if answer.get("text"):
                    kind = "alert" if answer.get("show_alert") else "notice"
                    self.out(f"{prefix}    ({kind}: {answer['text']})")
            self._answers_shown[user_id] = len(answers)

    async def settle(self, since: int) -> None:
        """Wait for the bot to react to what was sent after version ``since``, then for quiet."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reply_timeout
        while not any(e["kind"] in ("bot", "edit", "delete", "answer") for e in self.api.events(since)):
            remaining = deadline - loop.time()
            if remaining <= 0:
                self.out(f"    (no answer from the bot within {self.reply_timeout:g}s)")
                return
            await self.api.wait_for_change(self.api.version, remaining)
        hard_deadline = loop.time() + max(self.reply_timeout, 2.0)
        while loop.time() < hard_deadline:
            version = self.api.version
            if await self.api.wait_for_change(version, self.quiet) == version:
                return

    async def follow(self) -> None:
        """Keep printing what the bot does, until the session is done (interactive use)."""
        while not self.done:
            version = self.api.version
            self.flush()
            await self.api.wait_for_change(version, 1.0)

    # ------------------------------------------------------------------------------ input

    async def handle_line(self, line: str) -> None:
        """Act on one line typed by the person (a message, a button press or a :command)."""
        text = line.rstrip("\r\n")
        stripped = text.strip()
        if not stripped:
            return
        try:
            if stripped.startswith("\\"):
                await self._send(lambda: self.api.send_text(self.current, stripped[1:]))
            elif _PRESS.fullmatch(stripped):
                await self._press(stripped)
            elif stripped.startswith(":"):
                await self._command(stripped)
            else:
                await self._send(lambda: self.api.send_text(self.current, stripped))
        except (SimulationError, OSError) as exc:
            self.out(f"error: {exc}")

    async def _send(self, action: Callable[[], object]) -> None:
        since = self.api.version
        action()
        if self.wait_for_replies:
            await self.settle(since)
            self.flush()

    def _latest_with_buttons(self, message_id: int | None) -> JsonDict | None:
        candidates = [
            m for m in self.api.bot_messages(self.current, include_deleted=False) if inline_buttons(m)
        ]
        if message_id is not None:
            candidates = [m for m in candidates if m["message_id"] == message_id]
        return candidates[-1] if candidates else None

    async def _press(self, text: str) -> None:
        match = _PRESS.fullmatch(text)
        assert match is not None
        keyboard, number, message_id = match.group(1), int(match.group(2)), match.group(3)
        if keyboard:
            buttons = reply_keyboard_buttons(self.api.reply_keyboard(self.current))
            if not 1 <= number <= len(buttons):
                self.out(f"error: no keyboard button {number} (the keyboard has {len(buttons)})")
                return
            button = buttons[number - 1]
            if button.get("request_contact"):
                await self._send(lambda: self.api.send_contact(self.current, self._phone()))
            elif button.get("request_location"):
                lat, lon = self._locations.get(self.current, DEFAULT_LOCATION)
                await self._send(lambda: self.api.send_location(self.current, lat, lon))
            else:
                await self._send(lambda: self.api.send_text(self.current, str(button["text"])))
            return
        msg = self._latest_with_buttons(int(message_id) if message_id else None)
        if msg is None:
            where = f" with id {message_id}" if message_id else ""
            self.out(f"error: no bot message with inline buttons{where}")
            return
        buttons = inline_buttons(msg)
        if not 1 <= number <= len(buttons):
            self.out(f"error: message {msg['message_id']} has {len(buttons)} button(s), not {number}")
            return
        button = buttons[number - 1]
        if "callback_data" in button:
            data = str(button["callback_data"])
            await self._send(lambda: self.api.press_button(self.current, int(msg["message_id"]), data))
        elif button.get("url"):
            self.out(f"    (this button opens {button['url']})")
        else:
            self.out("    (this kind of button is not simulated)")

    def _phone(self) -> str:
        known = self.api.user(self.current).get("phone_number")
        return str(known) if known else f"+3361{self.current % 10_000_000:07d}"

    async def _command(self, text: str) -> None:
        name, _, rest = text[1:].partition(" ")
        args = rest.split()
        name = name.lower()
        if name in ("quit", "q", "exit"):
            self.done = True
            self.out("bye")
        elif name == "help":
            self.out(self._help())
        elif name == "users":
            for user in self.api.users:
                mark = "*" if user["id"] == self.current else " "
                self.out(f"{mark} {self._describe(int(user['id']))}")
        elif name == "user":
            self._switch_user(args)
        elif name == "lang":
            if len(args) != 1:
                self.out("usage: :lang CODE   (e.g. :lang uk)")
                return
            self.api.set_language(self.current, args[0])
            self.out(f"now {self._describe(self.current)}")
        elif name == "location":
            await self._location(rest)
        elif name == "contact":
            phone = args[0] if args else self._phone()
            await self._send(lambda: self.api.send_contact(self.current, phone))
        elif name in ("photo", "file"):
            await self._upload(name, rest)
        elif name == "save":
            self._save(args)
        elif name in ("show", "history"):
            for msg in self.api.messages(self.current):
                self.out(render_message(msg))
        elif name in self.extra_commands:
            # What it makes the bot send (alerts after :clock) is sent before it returns.
            self.out(await self.extra_commands[name].run(self.current, args))
            self.flush()
        else:
            self.out(f"unknown command :{name} (type :help; start a message with \\ to send it as is)")

    def _switch_user(self, args: list[str]) -> None:
        if not args or not args[0].isdigit():
            self.out("usage: :user ID [NAME [LANG]]   (e.g. :user 2002 Olena uk)")
            return
        user_id = int(args[0])
        exists = any(u["id"] == user_id for u in self.api.users)
        if not exists or len(args) > 1:
            name = args[1] if len(args) > 1 else f"User{user_id}"
            language = (
                args[2]
                if len(args) > 2
                else (self.api.user(user_id).get("language_code", "fr") if exists else "fr")
            )
            self.api.add_user(user_id, name, language)
        self.current = user_id
        self.out(f"you are now {self._describe(user_id)}")

    async def _location(self, rest: str) -> None:
        parts = rest.replace(",", " ").split() if rest.count(",") == 1 and "." in rest else rest.split()
        if len(parts) != 2:
            self.out("usage: :location LAT LON   (e.g. :location 47.2184 -1.5536)")
            return
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except ValueError:
            self.out("usage: :location LAT LON   (decimal degrees, e.g. :location 47.2184 -1.5536)")
            return
        self._locations[self.current] = (lat, lon)
        await self._send(lambda: self.api.send_location(self.current, lat, lon))

    async def _upload(self, kind: str, rest: str) -> None:
        path_text, _, caption = rest.strip().partition(" ")
        if not path_text:
            self.out(f"usage: :{kind} PATH [CAPTION]")
            return
        file_name, data = _read_file(path_text)
        if kind == "photo":
            await self._send(lambda: self.api.send_photo(self.current, data, caption or None))
        else:
            mime = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
            await self._send(
                lambda: self.api.send_document(self.current, data, file_name, mime, caption or None)
            )

    def _save(self, args: list[str]) -> None:
        if not args or not args[0].isdigit():
            self.out("usage: :save N [DIR]   (N = the number in [N] before the message)")
            return
        msg = self.api.message(self.current, int(args[0]))
        folder = Path(args[1] if len(args) > 1 else ".").expanduser()
        if msg.get("document"):
            file_id = str(msg["document"]["file_id"])
            name = Path(str(msg["document"].get("file_name") or f"document_{msg['message_id']}")).name
        elif msg.get("photo"):
            file_id = str(msg["photo"][-1]["file_id"])
            data = self.api.file_bytes(file_id)
            extension = ".jpg"
            if data.startswith(b"\x89PNG"):
                extension = ".png"
            elif data.startswith(b"GIF"):
                extension = ".gif"
            name = f"photo_{msg['message_id']}{extension}"
        else:
            self.out(f"error: message {args[0]} has no photo or file")
            return
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        target.write_bytes(self.api.file_bytes(file_id))
        size = image_size(target.read_bytes()) if msg.get("photo") else None
        extra = f" ({size[0]}x{size[1]})" if size else ""
        self.out(f"saved {target}{extra}")


def _read_file(path_text: str) -> tuple[str, bytes]:
    path = Path(path_text).expanduser()
    return path.name, path.read_bytes()


# --------------------------------------------------------------------------------------------------
# Terminal wiring


async def _stdin_lines() -> AsyncIterator[str]:
    """Lines typed on standard input, read by a daemon thread so that quitting never blocks."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def put(item: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def reader() -> None:
        try:
            for line in sys.stdin:
                put(line)
        finally:
            put(None)

    threading.Thread(target=reader, name="sandbox-chat-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


async def run_terminal_chat(
    api: FakeBotApi,
    stdin_lines: AsyncIterator[str] | None = None,
    out: Output = print,
    *,
    user_id: int = 1001,
    first_name: str = "Camille",
    language_code: str = "fr",
    reply_timeout: float = 5.0,
    quiet: float = 0.3,
    extra_commands: Mapping[str, ExtraCommand] | None = None,
) -> None:
    """Let a person chat with the bot (which must be running against ``api``) from the terminal.

    With ``stdin_lines`` (a script, e.g. in tests) each line waits for the bot's reaction before the
    next one; otherwise standard input is read and the bot's messages are printed as they come.
    """
    # Piped input (a script, a test) waits for the bot's reaction after each line, as typed input would.
    scripted = stdin_lines is not None or not sys.stdin.isatty()
    session = ChatSession(
        api,
        out,
        user_id=user_id,
        first_name=first_name,
        language_code=language_code,
        wait_for_replies=scripted,
        reply_timeout=reply_timeout,
        quiet=quiet,
        extra_commands=extra_commands,
    )
    out(session.banner())
    lines = stdin_lines if stdin_lines is not None else _stdin_lines()
    follower = None if scripted else asyncio.create_task(session.follow())
    try:
        async for line in lines:
            await session.handle_line(line)
            if session.done:
                break
        session.flush()
    finally:
        session.done = True
        if follower is not None:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower


async def _serve_without_bot(port: int) -> None:
    async with FakeBotApi(port=port) as api:
        print(f"Stand-in Bot API listening on {api.bot_base_url} (no bot attached: point a bot at it).")
        await run_terminal_chat(api)


def main(argv: list[str] | None = None) -> None:
    """``python -m bot.sandbox.chat``: the stand-in server and the terminal chat, without a bot."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port of the stand-in server (default: any)")
    options = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_without_bot(options.port))


if __name__ == "__main__":
    main()
