"""What a user did and what the bot answers, without Telegram types.

Conversations and commands work with these; `bot.telegram.gateway` translates them to and from Telegram.
Reply texts are HTML: anything a user typed must go through `esc()` before it is put in one.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal, TypeVar

from bot.chat.callbacks import ButtonData


def esc(text: object) -> str:
    """Escape user-provided text for an HTML reply (a lone surrogate, which UTF-8 cannot carry, becomes �)."""
    return html.escape(utf8_safe(str(text)), quote=False)


def utf8_safe(text: str) -> str:
    """The text with what UTF-8 cannot encode (lone surrogates, as a modified client may send) replaced by �."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char for char in text)
    return text


@dataclass(frozen=True)
class Button:
    """An inline button: a link, or `press`, what comes back when it is pressed (see `bot.chat.callbacks`)."""

    label: str
    press: ButtonData | None = None
    url: str = ""
    data: str = field(init=False, default="")  # `press` encoded, as soon as the button is made

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", self.press.encode() if self.press is not None else "")


@dataclass(frozen=True)
class AskFor:
    """A reply-keyboard button: shares the contact or location, or just sends its label as text."""

    label: str
    what: Literal["contact", "location", "text"]


@dataclass(frozen=True)
class Later:
    """A file made when it is sent, out of the transaction of the update (a chart, an export: seconds of work
    that must not hold up anyone): `maker` names it in `bot/routes.py` MAKERS, `args` are JSON values."""

    maker: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes | Later
    kind: Literal["document", "photo"] = "document"


@dataclass
class Reply:
    text: str = ""
    buttons: list[list[Button]] = field(default_factory=list)
    ask_for: list[AskFor] = field(default_factory=list)
    photo_id: str | None = None  # a photo Telegram already has (sent by a user)
    attachment: Attachment | None = None
    # Take away a contact/location keyboard shown by an earlier question.
    remove_keyboard: bool = False
    # Replace the message whose button was pressed instead of sending a new one.
    edit: bool = False
    # Another user to send this to (e.g. a host told that their place is reserved); None: the current chat.
    to_user: int | None = None
    # No message: the recipient's command menu is set to what their roles allow, in their language, when sent
    # (after a role is granted or revoked, or the language changed).
    menu: bool = False


# Characters of one message's text as written (its HTML tags included), below Telegram's 4 096 (counted once the
# HTML is read): the room left covers what is estimated rather than counted (a message's head, a page number).
MESSAGE_CHARACTERS: Final = 3800

Item = TypeVar("Item")


def pages(items: Iterable[Item], size: Callable[[list[Item], Item], int],
          fits: Callable[[list[Item], Item], bool] = lambda page, item: True) -> list[list[Item]]:  # fmt: skip
    """The items in order, gathered into as few messages as Telegram accepts: an item joins the current page
    while its characters stay within MESSAGE_CHARACTERS and `fits(page, item)` agrees (buttons, lines), else it
    starts the next page. `size(page, item)` is what it adds to the page's text (to an empty page: with the
    message's head). Items are never cut: one longer than the limit on its own gets a page of its own."""
    gathered: list[list[Item]] = []
    used = 0
    for item in items:
        if gathered:
            more = size(gathered[-1], item)
            if used + more <= MESSAGE_CHARACTERS and fits(gathered[-1], item):
                gathered[-1].append(item)
                used += more
                continue
        gathered.append([item])
        used = size([], item)
    return gathered


def split_lines(lines: Iterable[str]) -> list[str]:
    """The lines joined into as few message texts as Telegram accepts, each line whole and in order."""
    return ["\n".join(page) for page in pages(lines, lambda page, line: len(line) + (1 if page else 0))]


def payload_of(reply: Reply, edit_message_id: int | None = None) -> dict[str, Any]:
    """The reply as it waits in the outbox (JSON; an attachment's bytes are kept apart): `edit_message_id` is
    the message whose button was pressed, replaced when the reply says so."""
    return {
        "text": utf8_safe(reply.text),
        "buttons": [[{"label": b.label, "data": b.data, "url": b.url} for b in row] for row in reply.buttons],
        "ask_for": [{"label": a.label, "what": a.what} for a in reply.ask_for],
        "photo_id": reply.photo_id,
        "attachment": None
        if reply.attachment is None
        else {
            "filename": reply.attachment.filename,
            "kind": reply.attachment.kind,
            "later": asdict(reply.attachment.content)
            if isinstance(reply.attachment.content, Later)
            else None,
        },
        "remove_keyboard": reply.remove_keyboard,
        "edit_message_id": edit_message_id if reply.edit and not reply.ask_for else None,
        "menu": reply.menu,
    }


@dataclass(frozen=True)
class Document:
    file_id: str
    filename: str
    size: int
    mime_type: str


@dataclass(frozen=True)
class Incoming:
    """One thing a user did: typed text, a command, pressed a button, shared a location, contact or file."""

    user_id: int
    language_code: str | None = None
    text: str | None = None
    command: str | None = None
    args: tuple[str, ...] = ()
    callback: str | None = None
    location: tuple[float, float] | None = None
    contact_phone: str | None = None
    contact_is_own: bool = True
    photo_id: str | None = None
    document: Document | None = None
    # With a pressed button: the data of every button of its message, when Telegram still gives the message.
    beside: tuple[str, ...] = ()

    @property
    def is_button(self) -> bool:
        return self.callback is not None
