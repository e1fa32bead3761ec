"""Translations from the Babel catalogs in `locales/`, compiled in memory at start-up (no .mo files needed).

Source strings are English; `en` therefore needs no translation and is the fallback.
"""

from __future__ import annotations

import functools
import io
import re
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Literal

from babel import Locale
from babel.dates import format_date, get_date_format
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from bot.domain.vocabulary import VOCABULARY

DEFAULT_LANGUAGE = "fr"
SOURCE_LANGUAGE = "en"  # the language of the strings in the code: it needs no catalog
DOMAIN = "messages"


def _catalog(language: str) -> Traversable:
    return resources.files("locales") / language / "LC_MESSAGES" / f"{DOMAIN}.po"


TRANSLATED = tuple(sorted(entry.name for entry in resources.files("locales").iterdir()
                          if entry.is_dir() and _catalog(entry.name).is_file()))  # fmt: skip
"""The languages with a catalog in `locales/`: adding a language is adding its catalog (and its vocabulary)."""
LANGUAGES = (*TRANSLATED, SOURCE_LANGUAGE)
LANGUAGE_NAMES = {code: str(Locale.parse(code).get_display_name(code)).capitalize() for code in LANGUAGES}
"""Each language by its own name ("Français", "Українська"), from CLDR."""
_DATE_FORMATS: dict[str, Literal["short", "medium", "long", "full"]] = {
    "short": "short", "medium": "medium", "long": "long", "full": "full"
}  # fmt: skip
_DAY_FIELD = re.compile(r"(?<!d)d(?!d)")  # the day of the month: "d", not "dd"


def language_from_telegram(language_code: str | None) -> tuple[str, bool]:
    """The language to greet a new user in, and whether it was a guess (then a one-tap switch is offered)."""
    code = (language_code or "").split("-")[0].lower()
    if code in TRANSLATED:
        return code, False
    words = VOCABULARY.get(code)
    return (words.greet_in if words and words.greet_in else DEFAULT_LANGUAGE), True


def supported(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


class Translator:
    """Everything language-dependent for one user: messages, plurals, dates."""

    def __init__(self, language: str, translations: NullTranslations) -> None:
        self.language = language
        self._translations = translations
        self.locale = Locale.parse(language)

    def _(self, message: str) -> str:
        return self._translations.gettext(message)

    def n_(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    def date(self, day: date, format: str = "long") -> str:
        """``day`` in one of CLDR's formats or a pattern: "1er décembre 2026", "1 грудня 2026 року"."""
        named = _DATE_FORMATS.get(format)  # CLDR's named formats; anything else is a pattern
        pattern = format if named is None else get_date_format(named, self.locale).pattern
        if self.language == "uk":
            # CLDR writes "2026 р.", and a sentence ending with a date then ends with "р.."; "року" reads well
            # anywhere in a sentence.
            pattern = pattern.replace("'р'.", "'року'")
        if self.language == "fr" and day.day == 1 and "'" not in pattern:
            pattern = _DAY_FIELD.sub("d'er'", pattern)  # French writes the first of the month "1er"
        return str(format_date(day, pattern, locale=self.locale))

    def number(self, value: float) -> str:
        return str(format_decimal(value, locale=self.locale))


def _compile(language: str) -> NullTranslations:
    po_file = _catalog(language)
    if not po_file.is_file():
        return NullTranslations()
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@functools.cache
def translator(language: str | None) -> Translator:
    code = supported(language)
    return Translator(code, _compile(code))


def all_translators() -> list[Translator]:
    return [translator(code) for code in LANGUAGES]


def N_(message: str) -> str:
    """Marks a string for extraction where it is translated later, at display time."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a singular/plural pair for extraction; `Translator.n_(*pair, n)` picks the form later."""
    return singular, plural
