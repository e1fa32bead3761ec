"""Catalogs: complete in fr and uk, in sync with the code, with correct plurals and dates."""

from __future__ import annotations

import ast
import re
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGE_NAMES, LANGUAGES, TRANSLATED, translator
from locales.update import extract

PLACEHOLDER = re.compile(r"\{\w*\}")
TAG = re.compile(r"</?\w+>")


def catalog(language: str):  # type: ignore[no-untyped-def]
    with (resources.files("locales") / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=language)


def test_catalogs_are_in_sync_with_the_code() -> None:
    in_code = {message.id for message in extract() if message.id}
    for language in TRANSLATED:
        in_catalog = {message.id for message in catalog(language) if message.id}
        assert in_code == in_catalog, f"run `python -m locales.update` ({language}: {in_code ^ in_catalog})"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated_and_not_fuzzy(language: str) -> None:
    problems = []
    for message in catalog(language):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id)
            continue
        source = message.id if isinstance(message.id, tuple) else (message.id,)
        for translated in strings:
            if set(PLACEHOLDER.findall(" ".join(source))) != set(PLACEHOLDER.findall(translated)):
                problems.append(f"placeholders differ: {message.id!r}")
            if sorted(TAG.findall(source[0])) != sorted(TAG.findall(translated)):
                problems.append(f"HTML tags differ: {message.id!r}")
    assert not problems, problems


def test_ukrainian_plurals_follow_cldr() -> None:
    uk = translator("uk")
    forms = [uk.n_("{n} person", "{n} people", n).format(n=n) for n in (1, 2, 5, 21, 22, 25, 11)]
    one, few, many = forms[0].split()[1], forms[1].split()[1], forms[2].split()[1]
    assert len({one, few, many}) == 3, forms
    assert forms[3].split()[1] == one and forms[4].split()[1] == few and forms[5].split()[1] == many
    assert forms[6].split()[1] == many  # 11 is "many", not "one"


def test_french_plural_of_zero_is_singular() -> None:
    fr = translator("fr")
    assert fr.n_("{n} bed", "{n} beds", 0) == fr.n_("{n} bed", "{n} beds", 1)
    assert fr.n_("{n} bed", "{n} beds", 2) != fr.n_("{n} bed", "{n} beds", 1)


def test_dates_in_each_language() -> None:
    day = date(2027, 3, 1)
    assert translator("fr").date(day) == "1er mars 2027"
    assert translator("uk").date(day).startswith("1 березня 2027")
    assert translator("en").date(day) == "March 1, 2027"


def test_the_first_of_the_month_in_french() -> None:
    fr = translator("fr")
    assert fr.date(date(2026, 12, 1)) == "1er décembre 2026"
    assert fr.date(date(2026, 12, 2)) == "2 décembre 2026"
    assert fr.date(date(2026, 12, 1), "full") == "mardi 1er décembre 2026"
    assert fr.date(date(2026, 12, 1), "d MMM") == "1er déc."
    assert fr.date(date(2026, 12, 1), "short") == "01/12/2026"
    assert fr.date(date(2026, 12, 11)) == "11 décembre 2026"


def test_a_ukrainian_date_ending_a_sentence_has_one_full_stop() -> None:
    uk = translator("uk")
    assert uk.date(date(2027, 3, 1)) == "1 березня 2027\u202fроку"  # CLDR's narrow no-break space
    sentence = uk._("Placement extended until {date}.").format(date=uk.date(date(2027, 3, 1)))
    assert sentence.endswith("2027\u202fроку.") and ".." not in sentence
    for format in ("short", "medium", "long", "full"):
        assert not uk.date(date(2027, 3, 1), format).endswith("."), format


def test_the_languages_are_those_with_a_catalog_and_each_is_named_in_itself() -> None:
    assert TRANSLATED == ("fr", "uk") and LANGUAGES == ("fr", "uk", "en")
    assert LANGUAGE_NAMES == {"fr": "Français", "uk": "Українська", "en": "English"}


def test_every_literal_given_to_a_translation_function_is_in_the_catalogs() -> None:
    """Babel does not look inside f-strings: a `t._("…")` there would reach users in English."""
    in_catalog = {message.id for message in catalog("fr") if message.id}
    singular = {m[0] if isinstance(m, tuple) else m for m in in_catalog}
    missing = []
    root = Path(__file__).resolve().parent.parent
    for path in [*root.glob("bot/**/*.py"), *root.glob("conversations/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            literal = node.args[0].value
            if name in ("_", "N_", "n_", "Nn_") and isinstance(literal, str) and literal not in singular:
                missing.append(f"{path.relative_to(root)}:{node.lineno} {literal[:40]!r}")
    assert not missing, missing
