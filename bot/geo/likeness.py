# SPDX-License-Identifier: AGPL-3.0-or-later
"""Communes a misspelt, transliterated or Cyrillic name may mean: suggestions, never a silent choice.

People type "Nantess", "St Herblin", "Нант", "Париж" or "Lion". Names are compared by how they sound rather
than how they are spelt: both sides are folded to ASCII, Cyrillic is transliterated the French way ("ж" → "j",
"у" → "ou"), and spellings that sound alike are written alike ("eaux"/"au" → "o", "ou" → "u", double letters
single, silent endings dropped). The closest names are then found with rapidfuzz (a normalised edit
distance over the 32 000 sounds of the name keys, a few milliseconds). The Ukrainian and Russian names of the largest cities,
which no spelling rule reaches ("Бордо", "Ніцца"), are listed in `EXONYMS`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from rapidfuzz import fuzz, process

from bot.geo.communes import Commune, CommuneIndex, normalize

SIMILARITY: Final = 82.0
"""How alike (0–100, rapidfuzz's normalised Indel similarity) two sounds must be for a suggestion."""
SHORT_SIMILARITY: Final = 85.0
LENGTH_RATIO: Final = 0.75
"""The same for names of four sounds or fewer."""

_CYRILLIC: Final = re.compile(r"[\u0400-\u04ff]")
_SAINT: Final = re.compile(r"(?<![\w])(?:сен|сент)(?=[\s\-–—])")
_TRANSLITERATION: Final = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ё": "io", "ж": "j",
    "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "ou", "ф": "f", "х": "kh", "ц": "ts", "ч": "tch", "ш": "ch",
    "щ": "chtch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iou", "я": "ia", "'": "", "’": "", "ʼ": "",
}  # fmt: skip
"""Ukrainian and Russian letters as a French reader would write their sounds (Ukrainian "г" in a French
name stands for a G: "Гренобль")."""

EXONYMS: Final = {
    "париж": "75056", "марсель": "13055", "ліон": "69123", "лион": "69123", "тулуза": "31555",
    "ніцца": "06088", "ницца": "06088", "нант": "44109", "страсбург": "67482", "монпельє": "34172",
    "монпелье": "34172", "бордо": "33063", "лілль": "59350", "лилль": "59350", "ренн": "35238",
    "реймс": "51454", "гавр": "76351", "тулон": "83137", "гренобль": "38185", "діжон": "21231",
    "дижон": "21231", "анже": "49007", "нім": "30189", "ним": "30189", "клермонферран": "63113",
    "леман": "72181", "ексанпрованс": "13001", "брест": "29019", "тур": "37261", "амєн": "80021",
    "амьен": "80021", "лімож": "87085", "лимож": "87085", "перпіньян": "66136", "перпиньян": "66136",
    "мец": "57463", "безансон": "25056", "орлеан": "45234", "руан": "76540", "мюлуз": "68224",
    "кан": "14118", "нансі": "54395", "нанси": "54395", "аржантей": "95018", "сентетьєн": "42218",
    "сентэтьен": "42218", "версаль": "78646", "канни": "06029", "канны": "06029", "аннесі": "74010",
    "анси": "74010", "авіньйон": "84007", "авиньон": "84007", "ларошель": "17300",
    "біарріц": "64122", "биарриц": "64122", "шамбері": "73065", "шамбери": "73065", "пау": "64445",
    "кале": "62193", "дюнкерк": "59183", "шербур": "50129", "лурд": "65286",
}  # fmt: skip
"""The Ukrainian and Russian names of large French cities, folded (lower case, no spaces or hyphens), with
their INSEE codes (apostrophes left out). Written by the project from the usual spellings of each language."""

_SOUNDS: Final = (
    ("eaux", "o"), ("eau", "o"), ("aux", "o"), ("au", "o"), ("ou", "u"), ("oi", "ua"), ("ph", "f"),
    ("qu", "k"), ("gue", "ge"), ("gui", "gi"), ("ck", "k"), ("ille", "il"), ("ce", "se"), ("ci", "si"), ("c", "k"), ("y", "i"), ("w", "v"), ("z", "s"),
    ("ts", "s"), ("h", ""),
)  # fmt: skip
_DOUBLE: Final = re.compile(r"(.)\1+")
_SILENT_END: Final = re.compile(r"(?:es|e|s|x|t|d)$")


def sound(key: str) -> str:
    """A squashed, folded name written as it sounds: "bordeaux" → "bordo", "parij" → "parij"."""
    for spelling, written in _SOUNDS:
        key = key.replace(spelling, written)
    key = _DOUBLE.sub(r"\1", key)
    for _ in range(2):  # "guerande" → "gerand" → "geran", as "Геранд" is heard
        if len(key) > 3:
            key = _SILENT_END.sub("", key)
    return key


def latin(text: str) -> str:
    """Cyrillic letters transliterated (anything else unchanged); "Сен-"/"Сент-" are "Saint-"."""
    if not _CYRILLIC.search(text):
        return text
    text = _SAINT.sub("saint-", text.lower())
    return "".join(_TRANSLITERATION.get(letter, letter) for letter in text)


def exonym(text: str) -> str | None:
    """The INSEE code of a city by its Ukrainian or Russian name, or None."""
    return EXONYMS.get(re.sub(r"[\s\-–—'’ʼ]+", "", text.strip().lower()))


def _close_in_length(a: str, b: str) -> bool:
    """A much shorter name inside a longer one is not a likeness ("Atlantis" is not "Lanty")."""
    return min(len(a), len(b)) >= LENGTH_RATIO * max(len(a), len(b))


class Likeness:
    """The communes whose names sound like a text, best first (ties: most populated first)."""

    def __init__(self, index: CommuneIndex) -> None:
        self.index = index
        keys, ids = index.name_keys()
        by_sound: dict[str, list[int]] = {}
        for key, ident in zip(keys, ids, strict=True):
            by_sound.setdefault(sound(key), []).append(ident)
        self._sounds = list(by_sound)
        self._ids = [sorted(set(idents)) for idents in by_sound.values()]

    def like(
        self, text: str, limit: int, within: Sequence[Commune] = (), *, at_least: float = SIMILARITY
    ) -> list[Commune]:
        """Up to `limit` communes whose name sounds like `text` (only among `within` when given), at least
        `at_least` alike (more for short names, where one letter weighs more)."""
        heard = sound(normalize(latin(text)).replace(" ", ""))
        if len(heard) < 3:
            return []
        cutoff = max(at_least, SHORT_SIMILARITY) if len(heard) <= 4 else at_least
        if within:
            choices = {c.insee: sound(normalize(c.name).replace(" ", "")) for c in within}
            near = process.extract(heard, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)
            best = sorted((f for f in near if _close_in_length(heard, f[0])), key=lambda found: -found[1])[
                :limit
            ]
            return [c for _, _, insee in best if (c := self.index.by_insee(insee))]
        scored = process.extract(heard, self._sounds, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit * 4)
        ranked = sorted((-score, ident) for heard_as, score, n in scored if _close_in_length(heard, heard_as)
                        for ident in self._ids[n])  # fmt: skip
        seen: list[int] = []
        for _, ident in ranked:
            if ident not in seen:
                seen.append(ident)
        return [self.index.commune(ident) for ident in seen[:limit]]
