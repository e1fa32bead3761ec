"""Parsers of single cells: checkboxes, kind of place, who is welcome, step-free access, languages,
equipment and transport tags, cost, dates, integers, codes and départements.

Each takes one :data:`CellValue` (text, number, boolean, date) as spreadsheets hold it and returns the
offer's value, or None (or an error enum) when it does not understand it. Pure; results depend only on
the cell (and ``today`` for dates), so the validator may memoise them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from bot.domain import offer_schema as schema
from bot.domain.dates import DateError, latest_allowed, parse_user_date
from bot.domain.importing.reading import MAX_CELL_CHARS, CellValue, display_text
from bot.domain.validation import (
    NumberError,
    normalise_departement,
    parse_amount_eur,
    parse_count,
    parse_yes_no,
)
from bot.geo.communes import DEPARTEMENTS as DEPARTEMENT_NAMES
from bot.geo.communes import load_communes, normalize


def fold(text: str) -> str:
    """Text folded for matching: ASCII lower case words (``"Nb. de Personnes"`` → ``"nb de personnes"``)."""
    return normalize(text.replace("_", " "))


def _words(*groups: str) -> tuple[str, ...]:
    return tuple(normalize(word) for group in groups for word in group.split("|"))


_TRUE_WORDS: Final = frozenset(
    _words(
        "x|v|1|oui|o|yes|y|vrai|true|ok|coche|cochee|checked|accepte|acceptes|acceptee|acceptees|autorise|possible"
    )
)
FALSE_WORDS: Final = frozenset(
    _words("0|non|n|no|faux|false|aucun|aucune|refuse|refuses|interdit|pas possible|impossible")
)
_TRUE_SYMBOLS: Final = frozenset("✓✔☑☒✅👍")
_FALSE_SYMBOLS: Final = frozenset("☐✗✘❌👎")


def checkbox(value: CellValue) -> bool | None:
    """True/False for a checkbox or yes/no cell; None if it is not one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value in (0, 1) or (float(value).is_integer() and 1 < value < 100):
            return value != 0
        return None
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    if stripped and all(c in _TRUE_SYMBOLS for c in stripped.replace(" ", "")):
        return True
    if stripped and all(c in _FALSE_SYMBOLS for c in stripped.replace(" ", "")):
        return False
    if stripped == "-":
        return False
    folded = fold(stripped)
    if folded in _TRUE_WORDS:
        return True
    if folded in FALSE_WORDS:
        return False
    return parse_yes_no(stripped[:100])


_KIND_WORDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("hotel", _words("hotel|hotels|hotellerie|residence hoteliere|motel|auberge")),
    (
        "holiday_centre",
        _words(
            "centre de vacances|centres de vacances|village vacances|village de vacances|colonie|camping|centre de loisirs|holiday centre|holiday camp|gite de groupe|maison familiale"
        ),
    ),
    ("company", _words("entreprise|locaux|bureaux|company|premises|societe")),
    (
        "other_collective",
        _words(
            "collectif|collective|foyer|chu|internat|caserne|structure|residence sociale|centre d hebergement|centre d accueil|gymnase|salle|communaute|congregation|monastere|presbytere|collective place"
        ),
    ),
    (
        "room",
        _words(
            "chambre|chambres|chez l habitant|chez moi|chez nous|room|colocation|partage|dans mon logement|dans ma maison|au domicile|domicile|chez un particulier"
        ),
    ),
    (
        "dwelling",
        _words(
            "appartement|appart|maison|logement|studio|gite|independant|independante|entier|entiere|mobil home|mobile home|chalet|dependance|duplex|villa|flat|house|dwelling|t1|t2|t3|t4|t5|f1|f2|f3|f4|f5|bungalow|residence secondaire|meuble de tourisme"
        ),
    ),
)
_KIND_CODES: Final = frozenset(schema.KINDS)


def parse_kind(text: str) -> str | None:
    folded = fold(text)
    if folded.replace(" ", "_") in _KIND_CODES:
        return folded.replace(" ", "_")
    padded = f" {folded} "
    for kind, words in _KIND_WORDS:
        if any(f" {word} " in padded for word in words):
            return kind
    return None


_WELCOME_WORDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        "any",
        _words(
            "indifferent|indifferente|peu importe|tous|tout public|sans preference|pas de preference|any|no preference|tous publics|n importe"
        ),
    ),
    ("family", _words("famille|familles|family|families|enfant|enfants|parent|parents|mere|pere")),
    (
        "single",
        _words(
            "personne seule|seul|seule|isole|isolee|celibataire|single|une personne|1 personne|1 adulte|un adulte|une femme|un homme|femme seule|homme seul"
        ),
    ),
    (
        "adults",
        _words(
            "adultes|couple|couples|plusieurs adultes|adults|several adults|2 adultes|deux adultes|femmes|hommes"
        ),
    ),
)


def parse_welcome(text: str) -> str | None:
    folded = fold(text)
    if folded in schema.WELCOME:
        return folded
    padded = f" {folded} "
    for code, words in _WELCOME_WORDS:
        if any(f" {word} " in padded for word in words):
            return code
    return None


_STEP_FREE_PARTLY: Final = _words(
    "partiel|partielle|partiellement|en partie|quelques marches|une marche|marches|rdc|rez de chaussee|ascenseur|partly|partially|some steps"
)
_STEP_FREE_YES: Final = _words("plain pied|accessible|adapte|adaptee|accessible pmr|step free|wheelchair")
_STEP_FREE_UNKNOWN: Final = _words(
    "inconnu|ne sais pas|je ne sais pas|nsp|a verifier|unknown|don t know|non renseigne|nc"
)


def parse_step_free(value: CellValue) -> str | None:
    if isinstance(value, str):
        folded = fold(value)
        padded = f" {folded} "
        if folded in schema.STEP_FREE:
            return folded
        if folded in _STEP_FREE_UNKNOWN or folded.strip("? ") == "":
            return "unknown"
        if any(f" {word} " in padded for word in _STEP_FREE_PARTLY):
            return "partly"
        if folded.startswith(("non ", "pas ")) or folded in FALSE_WORDS:
            return "no"
        if any(f" {word} " in padded for word in _STEP_FREE_YES):
            return "yes"
    answer = checkbox(value)
    if answer is None:
        return None
    return "yes" if answer else "no"


_LANGUAGE_WORDS: Final[dict[str, str]] = {
    word: code
    for code, words in (
        ("uk", "ukrainien|ukrainienne|ukr|ua|uk|ukrainian|ukrainski|ukrainska|ukraine"),
        ("ru", "russe|rus|ru|russian"),
        ("en", "anglais|anglaise|ang|en|english|eng|gb"),
        ("fr", "francais|francaise|fra|fr|french"),
        ("pl", "polonais|polonaise|pol|pl|polish"),
        ("de", "allemand|allemande|all|de|german|deutsch"),
        ("es", "espagnol|espagnole|esp|es|spanish|espanol"),
        ("it", "italien|italienne|ita|it|italian|italiano"),
    )
    for word in _words(words)
}
_LIST_SPLIT_RE: Final = re.compile(r"[,;/+&\n|]|\bet\b|\band\b|\bou\b|\bor\b| - ")
PARENTHESES_RE: Final = re.compile(r"\([^)]*\)")


def _split_list(text: str) -> list[str]:
    text = PARENTHESES_RE.sub(" ", text)
    return [part.strip() for part in _LIST_SPLIT_RE.split(text.lower()) if part.strip()]


def parse_languages(text: str) -> tuple[list[str], list[str]]:
    """(language codes, parts not understood)."""
    codes: list[str] = []
    unknown: list[str] = []
    for part in _split_list(text):
        folded = fold(part)
        code = _LANGUAGE_WORDS.get(folded)
        if code is None:  # "anglais courant", "un peu d'anglais": a known language word inside
            code = next(
                (_LANGUAGE_WORDS[w] for w in folded.split() if len(w) > 3 and w in _LANGUAGE_WORDS), None
            )
        if code is None:
            if folded:
                unknown.append(part)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


EQUIPMENT_WORDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("furnished", _words("meuble|meublee|meubles|mobilier|furnished|furniture")),
    ("kitchen", _words("cuisine|kitchenette|kitchen|coin cuisine")),
    ("bathroom", _words("salle de bain|salle de bains|salle d eau|sdb|douche|bathroom|shower")),
    ("internet", _words("internet|wifi|wi fi|fibre|box|adsl")),
    ("washing_machine", _words("lave linge|machine a laver|washing machine|laverie|lave-linge")),
)
TRANSPORT_WORDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        "public_transport",
        _words(
            "transport|transports|transports en commun|bus|tram|tramway|metro|gare|train|ter|rer|navette|public transport"
        ),
    ),
    ("shops", _words("commerce|commerces|magasin|magasins|supermarche|epicerie|shops|shop")),
    ("parking", _words("parking|stationnement|garage|place de parking")),
    ("car_needed", _words("voiture|vehicule|voiture indispensable|vehicule indispensable|car|car needed")),
)


def _parse_tags(text: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[list[str], list[str]]:
    found: list[str] = []
    unknown: list[str] = []
    for part in _split_list(text):
        padded = f" {fold(part)} "
        codes = [code for code, words in table if any(f" {word} " in padded for word in words)]
        if not codes and padded.strip():
            unknown.append(part)
        found.extend(code for code in codes if code not in found)
    return found, unknown


def _option_words(options: dict[str, str] | Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Words for options nobody listed: the option's code and its English label."""
    return tuple((code, _words(code.replace("_", " "), label)) for code, label in options.items())


def parse_choice(fact: schema.Choice, value: CellValue) -> str | None:
    """One option of a choice fact: its own words when it has some, else the option's code or label."""
    parse = CHOICE_PARSERS.get(fact.name)
    if parse is not None:
        return parse(value)
    folded = fold(display_text(value, MAX_CELL_CHARS))
    return next((code for code, words in _option_words(fact.options) if folded in words), None)


def tag_words(fact: schema.Ticks) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The words that tick the options of a list fact in a cell."""
    return TAG_WORDS.get(fact.name) or _option_words(fact.options)


def parse_cell_tags(
    value: CellValue, table: tuple[tuple[str, tuple[str, ...]], ...]
) -> tuple[list[str], list[str]]:
    return _parse_tags(display_text(value, MAX_CELL_CHARS), table)


CHOICE_PARSERS: Final[dict[str, Callable[[CellValue], str | None]]] = {
    schema.KIND.name: lambda value: parse_kind(str(value)),
    schema.WELCOME_FACT.name: lambda value: parse_welcome(str(value)),
    schema.STEP_FREE_FACT.name: parse_step_free,
}
"""Choice facts with words of their own; the others are read by their options' codes and labels."""
TAG_WORDS: Final = {schema.EQUIPMENT_FACT.name: EQUIPMENT_WORDS, schema.TRANSPORT_FACT.name: TRANSPORT_WORDS}

_COST_FREE: Final = _words(
    "gratuit|gratuite|gratis|free|aucun|aucune|rien|pas de loyer|sans loyer|benevole|0"
)
_COST_CHARGES: Final = _words("charges|participation|contribution|participation aux charges|frais")
_COST_RENT: Final = _words("loyer|payant|payante|location|rent|loue|a louer|mensuel")
_AMOUNT_IN_TEXT_RE: Final = re.compile(r"-?\s*[0-9][0-9 .,']*")


def parse_cost(value: CellValue) -> tuple[str | None, Decimal | None] | NumberError:
    """(cost kind or None, amount or None); NumberError when an amount is there but wrong."""
    if isinstance(value, bool):
        return ("free", None) if value else (None, None)
    if isinstance(value, (int, float)):
        if value < 0:
            return NumberError.NEGATIVE
        if not math.isfinite(value) or value > schema.MAX_RENT_EUR * 100:
            return NumberError.TOO_LARGE
        return None, Decimal(str(value))
    if not isinstance(value, str):
        return None, None
    padded = f" {fold(value)} "
    kind: str | None = None
    if any(f" {word} " in padded for word in _COST_CHARGES):
        kind = "charges"
    elif any(f" {word} " in padded for word in _COST_RENT):
        kind = "rent"
    elif any(f" {word} " in padded for word in _COST_FREE):
        kind = "free"
    numbers = [n.strip() for n in _AMOUNT_IN_TEXT_RE.findall(value) if any(c.isdigit() for c in n)]
    if not numbers:
        if kind is None:
            amount = parse_amount_eur(value[:100])  # "gratuit" is 0
            if isinstance(amount, Decimal):
                return None, amount
        return kind, None
    if len(numbers) > 1:
        return NumberError.NOT_A_NUMBER
    number = numbers[0].replace(" ", "") if numbers[0].startswith("-") else numbers[0]
    amount = parse_amount_eur(number[:100])
    if isinstance(amount, NumberError):
        return amount
    return kind, amount


_ISO_DATE_RE: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_FULL_DATE_RE: Final = re.compile(
    r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})(?:\s*(?:a|à|-)?\s*[0-9]{1,2}[:h][0-9]{2}(?::[0-9]{2})?)?"
)
_EXCEL_EPOCH: Final = date(1899, 12, 30)
_FIRST_PLAUSIBLE: Final = date(2000, 1, 1)


@dataclass(frozen=True)
class DateValue:
    value: date
    explicit: bool  # a calendar date as written (not "maintenant", not "15/03" without a year)


def parse_date(value: CellValue, today: date) -> DateValue | DateError | None:
    """A date cell, an Excel serial number, ISO or dd/mm/yyyy text (any past year), or what
    :func:`parse_user_date` reads. None when empty."""
    explicit: date | None = None
    if isinstance(value, bool):
        return DateError.UNREADABLE
    if isinstance(value, date):
        explicit = value
    elif isinstance(value, (int, float)):
        if not (25_000 <= value <= 80_000):
            return DateError.UNREADABLE
        explicit = _EXCEL_EPOCH + timedelta(days=int(value))
    elif isinstance(value, str):
        text = value.strip()
        match = _ISO_DATE_RE.fullmatch(text) or _FULL_DATE_RE.fullmatch(text)
        if match is not None:
            a, b, c = (int(g) for g in match.groups()[:3])
            year, month, day = (a, b, c) if match.re is _ISO_DATE_RE else (c, b, a)
            try:
                explicit = date(year, month, day)
            except ValueError:
                return DateError.NOT_A_DAY
        else:
            parsed = parse_user_date(text[:100], today)
            if isinstance(parsed, DateError):
                return parsed
            return DateValue(parsed, False)
    else:
        return None
    if explicit > latest_allowed(today):
        return DateError.TOO_FAR
    if explicit < _FIRST_PLAUSIBLE:
        return DateError.PAST
    return DateValue(explicit, True)


def parse_int(value: CellValue, minimum: int, maximum: int) -> int | NumberError:
    if isinstance(value, bool):
        return NumberError.NOT_A_NUMBER
    if isinstance(value, float):
        if not value.is_integer():
            return NumberError.NEGATIVE if value < 0 else NumberError.NOT_WHOLE
        value = int(value)
    if isinstance(value, int):
        if value < 0:
            return NumberError.NEGATIVE
        if value > maximum:
            return NumberError.TOO_LARGE
        if value < minimum:
            return NumberError.TOO_SMALL
        return value
    if isinstance(value, date):
        return NumberError.NOT_A_NUMBER
    return parse_count(str(value)[:100], minimum, maximum)


# --------------------------------------------------------------------------- codes and départements

POSTAL_IN_TEXT_RE: Final = re.compile(r"(?<![0-9])([0-9]{2}\s?[0-9]{3})(?![0-9])")
_DEPARTEMENT_BY_NAME: Final = {normalize(name): code for code, name in DEPARTEMENT_NAMES.items()}


def code_text(value: CellValue, width: int = 5) -> str | None:
    """Digits of a code cell: ``1004`` (leading zero lost by a spreadsheet) → ``"01004"``."""
    if isinstance(value, bool) or value is None or isinstance(value, date):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    if isinstance(value, int):
        return str(value).zfill(width) if 0 < value < 10**width else None
    return str(value)


def departement_of(value: CellValue) -> str | None:
    """The département of a cell: ``44``, ``"2A"``, ``"44 - Loire-Atlantique"``, ``"Loire-Atlantique"``."""
    text = code_text(value, 2)
    if text is None:
        return None
    text = text.strip()
    first = re.split(r"[\s\-–—:(,]+", text, maxsplit=1)[0]
    code = normalise_departement(first[:5]) if first else None
    if code is not None:
        return code
    codes = load_communes().departements_named(PARENTHESES_RE.sub(" ", text))
    return codes[0] if len(codes) == 1 else None
