"""English reaching a French or Ukrainian reader: the source sentences of the catalogs, found in what the bot
said to them. Catches a string Babel never extracted (e.g. `t._()` inside an f-string) as well as one left
untranslated, in every conversation of the tests."""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Any

from babel.messages.pofile import read_po

_PLACEHOLDER = re.compile(r"\{\w*\}|<[^>]+>")
MIN_WORDS = 4  # shorter fragments ("No", "Done") may be the same in a message for other reasons


@functools.cache
def english_fragments() -> tuple[str, ...]:
    """Fragments of source sentences (between placeholders and tags) of at least four words whose French and
    Ukrainian translations both differ from them."""
    catalogs = {}
    for language in ("fr", "uk"):
        with (resources.files("locales") / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
            catalogs[language] = {m.id: m.string for m in read_po(source, locale=language) if m.id}
    fragments = set()
    for message_id in catalogs["fr"]:
        for source in message_id if isinstance(message_id, tuple) else (message_id,):
            if any(_same(catalogs[language].get(message_id), source) for language in catalogs):
                continue
            for part in _PLACEHOLDER.split(source):
                part = part.strip(" .,:;!?()“”\n")
                if len(part.split()) >= MIN_WORDS:
                    fragments.add(part)
    return tuple(sorted(fragments))


def _same(translation: Any, source: str) -> bool:
    strings = translation if isinstance(translation, tuple) else (translation,)
    return any(string == source for string in strings)


def english_in(text: str) -> list[str]:
    return [fragment for fragment in english_fragments() if fragment in text]
