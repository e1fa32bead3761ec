"""Telegram text formatting: HTML and MarkdownV2 as Telegram parses them, and the length limits of texts.

Telegram counts lengths and entity offsets in UTF-16 code units, hence ``utf16_len``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.sandbox.botapi.errors import bad_request

JsonDict = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024


class EntityParseError(ValueError):
    """Text with ``parse_mode`` that Telegram would refuse ("can't parse entities: ...")."""


def utf16_len(text: str) -> int:
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def message_text(raw_text: str, parse_mode: str | None) -> tuple[str, list[JsonDict]]:
    """The text of a message as shown, and its entities; refused as Telegram refuses it."""
    text, entities = format_text(raw_text, parse_mode)
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return text, entities


def caption_text(raw_caption: str, parse_mode: str | None) -> tuple[str, list[JsonDict]]:
    """The caption of a photo or document as shown, and its entities; refused as Telegram refuses it."""
    caption, entities = format_text(raw_caption, parse_mode)
    if utf16_len(caption) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    return caption, entities


def format_text(text: str, parse_mode: str | None) -> tuple[str, list[JsonDict]]:
    """The plain text and entities of ``text`` written in ``parse_mode``."""
    mode = (parse_mode or "").lower()
    try:
        if mode == "html":
            return parse_html(text)
        if mode == "markdownv2":
            _check_markdown_v2(text)
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from exc
    if mode not in ("", "markdown", "markdownv2"):
        raise bad_request("unsupported parse_mode")
    return text, []


# --------------------------------------------------------------------------------------------------
# HTML (the subset Telegram accepts)


_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_NAME = re.compile(r"[A-Za-z0-9-]*")
_ATTR_NAME = re.compile(r"[A-Za-z0-9_-]+")
_HTML_ENTITY = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z]{1,10});")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_entity(match: re.Match[str]) -> str | None:
    body = match.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code)
        return None
    return _NAMED_ENTITIES.get(body)


@dataclass
class _OpenTag:
    name: str
    offset: int  # UTF-16 offset in the plain text
    attrs: dict[str, str]


def parse_html(text: str) -> tuple[str, list[JsonDict]]:
    """Parse Telegram-flavoured HTML into (plain text, MessageEntity dicts) like Telegram does.

    Raises ``EntityParseError`` with a Telegram-like message for unsupported tags, unbalanced tags,
    malformed tags... Only ``&lt; &gt; &amp; &quot;`` and numeric entities are decoded; other
    ``&...;`` sequences and lone ``&`` stay as they are.
    """
    out: list[str] = []
    pos16 = 0
    stack: list[_OpenTag] = []
    entities: list[JsonDict] = []
    i = 0
    n = len(text)

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    def emit(chars: str) -> None:
        nonlocal pos16
        out.append(chars)
        pos16 += utf16_len(chars)

    while i < n:
        ch = text[i]
        if ch == "&":
            match = _HTML_ENTITY.match(text, i)
            decoded = _decode_entity(match) if match else None
            if match and decoded is not None:
                emit(decoded)
                i = match.end()
            else:
                emit("&")
                i += 1
            continue
        if ch != "<":
            emit(ch)
            i += 1
            continue
        start = i
        if text.startswith("</", i):
            end = text.find(">", i)
            if end < 0:
                raise EntityParseError(f"Unclosed end tag at byte offset {byte_offset(start)}")
            name = text[i + 2 : end].strip().lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {byte_offset(start)}")
            top = stack[-1]
            if name != top.name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {byte_offset(start)}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            stack.pop()
            _close_entity(top, pos16, stack, entities)
            i = end + 1
            continue
        name_match = _TAG_NAME.match(text, i + 1)
        assert name_match is not None  # the pattern matches the empty string
        name = name_match.group(0).lower()
        if name not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {byte_offset(start)}')
        i = name_match.end()
        attrs: dict[str, str] = {}
        while True:
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(start)}")
            if text[i] == ">":
                i += 1
                break
            attr_match = _ATTR_NAME.match(text, i)
            if attr_match is None:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {byte_offset(start)}'
                )
            attr = attr_match.group(0).lower()
            i = attr_match.end()
            while i < n and text[i].isspace():
                i += 1
            if i >= n or text[i] != "=":
                raise EntityParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                    f"at byte offset {byte_offset(start)}"
                )
            i += 1
            while i < n and text[i].isspace():
                i += 1
            if i < n and text[i] in "\"'":
                quote = text[i]
                close = text.find(quote, i + 1)
                if close < 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(start)}")
                raw_value = text[i + 1 : close]
                i = close + 1
            else:
                value_start = i
                while i < n and not text[i].isspace() and text[i] != ">":
                    i += 1
                raw_value = text[value_start:i]
            attrs[attr] = _HTML_ENTITY.sub(lambda m: _decode_entity(m) or m.group(0), raw_value)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(start)}'
            )
        if name == "tg-emoji" and "emoji-id" not in attrs:
            raise EntityParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {byte_offset(start)}'
            )
        stack.append(_OpenTag(name, pos16, attrs))
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close_entity(tag: _OpenTag, end16: int, stack: list[_OpenTag], entities: list[JsonDict]) -> None:
    length = end16 - tag.offset
    kind = _HTML_TAGS[tag.name]
    if tag.name == "code" and stack and stack[-1].name == "pre":
        language = tag.attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1].attrs["language"] = language[len("language-") :]
            return
    if length <= 0:
        return
    entity: JsonDict = {"type": kind, "offset": tag.offset, "length": length}
    if kind == "text_link":
        href = tag.attrs.get("href")
        if not href:
            return
        entity["url"] = href
    elif kind == "pre" and tag.attrs.get("language"):
        entity["language"] = tag.attrs["language"]
    elif kind == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    entities.append(entity)


# --------------------------------------------------------------------------------------------------
# MarkdownV2


_MDV2_ALWAYS_ESCAPED = frozenset("#+-={}.!")


def _check_markdown_v2(text: str) -> None:
    """A light MarkdownV2 check: characters that are never markup must be escaped."""
    in_code = False
    in_url = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            in_code = not in_code
        elif not in_code:
            if text.startswith("](", i):
                in_url = True
                i += 2
                continue
            if in_url and ch == ")":
                in_url = False
            elif not in_url and ch in _MDV2_ALWAYS_ESCAPED and not text.startswith("![", i):
                raise EntityParseError(
                    f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
                )
        i += 1
