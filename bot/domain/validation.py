"""Validators for free-text answers (counts, amounts, text, phone numbers, yes/no, départements).

Everything here is pure: no I/O, no exception on user input. Each validator returns the clean
value or a typed error (an enum member); turning it into a sentence in the user's language is the
caller's job. Nothing is HTML-escaped here: the display code escapes.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from enum import Enum
from typing import Final

import phonenumbers

from bot.domain.vocabulary import (
    AGE_FILLERS,
    AMOUNT_WORDS,
    CONNECTORS,
    FREE,
    MONTHS,
    MULTIPLIERS,
    NO,
    NUMBERS,
    PHONE_WORDS,
    POLITE,
    UNITS,
    VOCABULARY,
    YES,
    YES_DESPITE_NO,
    Unit,
    fold,
    spellings,
)

MAX_NUMBER_INPUT_LENGTH: Final = 100
"""Number, phone and yes/no answers longer than this are refused without further analysis."""


# --------------------------------------------------------------------------- number words

# One spelling per number word ("quatre-vingt-dix" is "quatre vingt dix"). A single letter ("a", which is
# also "à" folded) and a unit ("an", a year) are not numbers here.
_NUMBER_WORDS: Final = {
    key.replace("-", " "): value for key, value in NUMBERS.items() if len(key) > 1 and key not in UNITS
}
_NUMBER_TOKENS: Final = (
    frozenset(token for key in _NUMBER_WORDS for token in key.split()) | MULTIPLIERS.keys()
)
_LONGEST_NUMBER_WORD: Final = max(len(key.split()) for key in _NUMBER_WORDS)
# Words that make a number typed to a count a date or a duration ("через 2 тижні", "2 mars").
_TIME_WORDS: Final = (UNITS.keys() | MONTHS.keys()) - _NUMBER_TOKENS
_WORD_SPLIT_RE: Final = re.compile(r"[\s-]+")


def _can_follow(current: int, value: int) -> bool:
    """Whether ``value`` adds to ``current`` in a number said in words: "vingt cinq", "cent cinquante",
    "soixante douze", "quatre-vingt-quinze"; not "cinq vingt" or "deux trois"."""
    below_hundred = current % 100
    if below_hundred == 0:
        return value < 100
    if below_hundred in (60, 80):  # French counts on from soixante and quatre-vingt: soixante-douze
        return value < 20
    return below_hundred % 10 == 0 and value < 10


def _number_in_words(words: list[str]) -> int | None:
    """The number these words say ("cinquante", "vingt-cinq", "deux cent cinquante", "двісті п'ятдесят",
    "two thousand"), or None."""
    total, current = 0, 0
    started = after_multiplier = False
    n = 0
    while n < len(words):
        word = words[n]
        if word in CONNECTORS and started and n + 1 < len(words):  # "vingt et un", "one hundred and five"
            n += 1
            continue
        multiplier = MULTIPLIERS.get(word)
        if multiplier is not None:
            if multiplier < 1000 and current < 10 and (current or not started or after_multiplier):
                current = (current or 1) * multiplier
            elif multiplier >= 1000 and total == 0 and current < 1000:
                total, current = (current or 1) * multiplier, 0
            else:
                return None
            started = after_multiplier = True
            n += 1
            continue
        for length in range(min(_LONGEST_NUMBER_WORD, len(words) - n), 0, -1):
            value = _NUMBER_WORDS.get(" ".join(words[n : n + length]))
            if value is not None:
                break
        else:
            return None
        if started and not (after_multiplier if current == 0 else _can_follow(current, value)):
            return None
        current += value
        started, after_multiplier = True, False
        n += length
    return total + current if started else None


def _count_in_words(cleaned: str) -> int | None:
    """A count said in words, with up to four other words around it: "deux", "nous sommes deux", "двоє
    дорослих", "three people"; None if there is no such number, or two, or a word of time around it."""
    words = [word for word in _WORD_SPLIT_RE.split(cleaned) if word]
    if not words or not all(word.isalpha() for word in words):
        return None
    is_number = [word in _NUMBER_TOKENS for word in words]
    for n in range(1, len(words) - 1):  # a connector inside a number: "vingt et un"
        if words[n] in CONNECTORS and is_number[n - 1] and is_number[n + 1]:
            is_number[n] = True
    first = is_number.index(True) if True in is_number else -1
    if first < 0:
        return None
    last = len(is_number) - 1 - is_number[::-1].index(True)
    if not all(is_number[first : last + 1]) or first > 4 or len(words) - 1 - last > 4:
        return None
    if any(word in _TIME_WORDS for word in words[:first] + words[last + 1 :]):
        return None
    return _number_in_words(words[first : last + 1])


# --------------------------------------------------------------------------- numbers


class NumberError(Enum):
    """Why a numeric answer was refused.

    NOT_A_NUMBER
        No number, several numbers, other characters, non-ASCII digits (after NFKC), an amount
        with more than two decimals.
    NEGATIVE
        A minus sign: ``-3``.
    NOT_WHOLE
        A count with a fractional part or an exponent: ``3.5``, ``3,5``, ``1e9``.
    TOO_SMALL
        Below the minimum: ``0`` when at least 1 is required.
    TOO_LARGE
        Above the maximum.
    """

    NOT_A_NUMBER = "not_a_number"
    NEGATIVE = "negative"
    NOT_WHOLE = "not_whole"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"


_COUNT_RE: Final = re.compile(
    r"(?P<before>[^\W\d_]+(?:\s+[^\W\d_]+){0,3}\s+)?"
    r"(?P<sign>[+-]\s*)?"
    r"(?P<int>[0-9]+)"
    r"(?P<fraction>[.,][0-9]+|e[+-]?[0-9]+)?"
    r"(?P<after>\s*[^\W\d_]+(?:\s+[^\W\d_]+){0,3})?"
)


def parse_count(text: str, minimum: int, maximum: int) -> int | NumberError:
    """Read a whole number of people, rooms, beds…, between ``minimum`` and ``maximum``.

    Accepts ``3``, `` 3 ``, ``3.`` and the number surrounded by up to four words: ``3 personnes``,
    ``3 people``, ``3 особи``, ``environ 3``; number words of the vocabulary too: ``trois``,
    ``nous sommes deux``, ``двоє``, ``three people``, ``vingt-cinq``. Digits are compared after NFKC
    normalisation and must then be ASCII: full-width ``３`` is accepted as 3, Arabic-Indic ``٣`` or
    Devanagari digits are NOT_A_NUMBER. A word of time around the number makes it a date or a
    duration, not a count: ``через 2 тижні``, ``2 mars``, ``3 ans`` are NOT_A_NUMBER.

    Errors: NEGATIVE (``-3``), NOT_WHOLE (``3.5``, ``3,5``, ``1e9``), TOO_SMALL, TOO_LARGE,
    NOT_A_NUMBER (empty, emoji, garbage, ``3 ou 4``). Never raises on user input; raises
    ValueError if the bounds themselves are wrong (``minimum < 0`` or ``minimum > maximum``).
    """
    if minimum < 0 or minimum > maximum:
        raise ValueError(f"invalid bounds [{minimum}, {maximum}]")
    if len(text) > MAX_NUMBER_INPUT_LENGTH:
        return NumberError.NOT_A_NUMBER
    cleaned = " ".join(fold(text).split()).rstrip(".!").strip()
    match = _COUNT_RE.fullmatch(cleaned)
    if match is None:
        in_words = _count_in_words(cleaned)
        if in_words is None:
            return NumberError.NOT_A_NUMBER
        value = in_words
    else:
        around = f"{match.group('before') or ''} {match.group('after') or ''}".split()
        if any(word in _TIME_WORDS for word in around):
            return NumberError.NOT_A_NUMBER
        if (match.group("sign") or "").startswith("-"):
            return NumberError.NEGATIVE
        if match.group("fraction") is not None:
            return NumberError.NOT_WHOLE
        digits = match.group("int").lstrip("0") or "0"
        if len(digits) > len(str(maximum)):
            return NumberError.TOO_LARGE
        value = int(digits)
    if value < minimum:
        return NumberError.TOO_SMALL
    if value > maximum:
        return NumberError.TOO_LARGE
    return value


MAX_AGES_INPUT_LENGTH: Final = 300
"""An answer listing children's ages longer than this is refused without further analysis."""
_AGE_SEPARATORS_RE: Final = re.compile(r"[,;/\s]+|(?<=[0-9])(?=[^\W\d_])")  # "7ans" is "7 ans"
_AGE_DECIMAL_RE: Final = re.compile(r"[0-9]\.[0-9]")
_AGE_NEGATIVE_RE: Final = re.compile(r"(?:^|[\s,;])-\s*[0-9]")


def _years(amount: int, unit: Unit | None) -> int:
    """An age said in some unit, in whole years: a baby of 18 months is 1."""
    if unit is Unit.MONTH:
        return amount // 12
    if unit is Unit.WEEK:
        return amount * 7 // 365
    if unit is Unit.DAY:
        return amount // 365
    return amount


def parse_ages(text: str, maximum: int) -> list[int] | NumberError:
    """Children's ages in whole years, in the order given: ``3, 7, 12``, ``3 7 12``, ``7 ans``,
    ``7 years old``, ``7 років``, ``sept ans et trois ans``, ``18 mois`` (1), ``6 months`` (0).

    Errors: NOT_A_NUMBER (nothing, or words that are not ages), NEGATIVE, NOT_WHOLE (``3.5``: a comma
    separates two ages), TOO_LARGE (above ``maximum``). Never raises."""
    if len(text) > MAX_AGES_INPUT_LENGTH:
        return NumberError.NOT_A_NUMBER
    folded = fold(text).strip().rstrip(".!")
    if _AGE_NEGATIVE_RE.search(folded):
        return NumberError.NEGATIVE
    if _AGE_DECIMAL_RE.search(folded):
        return NumberError.NOT_WHOLE
    tokens = [part for raw in _AGE_SEPARATORS_RE.split(folded) for part in raw.strip(".").split("-") if part]
    ages: list[tuple[int, Unit | None]] = []
    words: list[str] = []  # number words waiting to be read together ("dix-sept")
    for token in [*tokens, ""]:
        if token in _NUMBER_TOKENS:
            words.append(token)
            continue
        if words:
            value = _number_in_words(words)
            if value is None:  # "trois cinq": two ages
                values = [_number_in_words([word]) for word in words]
                if None in values:
                    return NumberError.NOT_A_NUMBER
                ages.extend((v, None) for v in values if v is not None)
            else:
                ages.append((value, None))
            words = []
        if token.isascii() and token.isdigit():
            ages.append((int(token), None))
        elif token in UNITS:
            if not ages or ages[-1][1] is not None:
                return NumberError.NOT_A_NUMBER
            ages[-1] = (ages[-1][0], UNITS[token])
        elif token and token not in AGE_FILLERS and token not in CONNECTORS:
            return NumberError.NOT_A_NUMBER
    if not ages:
        return NumberError.NOT_A_NUMBER
    years = [_years(amount, unit) for amount, unit in ages]
    if any(age > maximum for age in years):
        return NumberError.TOO_LARGE
    return years


MAX_AMOUNT_EUR: Final = Decimal(100_000)
"""Largest accepted amount, in euros."""

_CENT: Final = Decimal("0.01")
# Currency and period words accepted around an amount, longest first so that "par mois" is
# removed before "mois".
_AMOUNT_WORDS: Final = sorted(AMOUNT_WORDS | {"€", "~", "≈"}, key=len, reverse=True)
_AMOUNT_RE: Final = re.compile(r"(?P<sign>[+-]?)\s*(?P<number>[0-9][0-9 .,']*)")
_GROUPED_RE: Final = re.compile(r"[0-9]{1,3}(?:[ .,'][0-9]{3})+")


def _amount_number(number: str) -> Decimal | None:
    """Interpret digits with French/English separators; None if it is not a clean amount."""
    number = number.rstrip(" .,'")
    # A decimal part is 1 or 2 digits after the last "." or ",".
    decimal_part = ""
    last_separator = max(number.rfind("."), number.rfind(","))
    if last_separator >= 0:
        tail = number[last_separator + 1 :]
        if 1 <= len(tail) <= 2 and tail.isdigit():
            decimal_part = tail
            number = number[:last_separator]
        elif len(tail) != 3:  # a 3-digit tail is a thousands group: "1,500", "1.500.000"
            return None
    if not number.isdigit():
        if _GROUPED_RE.fullmatch(number) is None:
            return None
        number = "".join(c for c in number if c.isdigit())
    if len(number.lstrip("0")) > len(str(MAX_AMOUNT_EUR)) + 1:
        return Decimal(MAX_AMOUNT_EUR) * 10  # clearly too large, no need to be precise
    return Decimal(f"{number}.{decimal_part or '0'}")


def parse_amount_eur(text: str) -> Decimal | NumberError:
    """Read an amount in euros: ``350``, ``350 €``, ``350€``, ``€350``, ``350,50``,
    ``350.50 EUR``, ``1 500 €``, ``1.500,50``, ``1,500.50``, ``350 € par mois``, ``gratuit``/
    ``free``/``безкоштовно`` (0), number words (``cinquante euros``, ``двісті п'ятдесят``).

    Separators: the last ``.`` or ``,`` followed by one or two digits is the decimal point; groups
    of three digits separated by spaces, ``.``, ``,`` or ``'`` are thousands (so ``1,500`` and
    ``1.500`` are 1500: nobody writes a rent to a thousandth of a euro).

    Returns a Decimal with two decimals (``Decimal("350.50")``) between 0 and
    :data:`MAX_AMOUNT_EUR`, or NEGATIVE, TOO_LARGE, NOT_A_NUMBER (garbage, several numbers, more
    than two decimals, ``1e9``). Never raises.
    """
    if len(text) > MAX_NUMBER_INPUT_LENGTH:
        return NumberError.NOT_A_NUMBER
    cleaned = " ".join(fold(text).split()).rstrip("!").strip()
    if cleaned in FREE:
        return Decimal(0).quantize(_CENT)
    padded = f" {cleaned} "
    for word in _AMOUNT_WORDS:
        if word[0].isalnum():
            # a word: remove it where it stands alone or sticks to the number ("350eur", "350e")
            padded = re.sub(rf"(?<=[\s0-9]){re.escape(word)}(?=[\s/.])", " ", padded)
        else:  # a symbol ("€", "~") or "/mois": remove it anywhere
            padded = padded.replace(word, " ")
    cleaned = " ".join(padded.split()).strip(" .")
    match = _AMOUNT_RE.fullmatch(cleaned)
    if match is None:
        words = [word for word in _WORD_SPLIT_RE.split(cleaned) if word]
        in_words = _number_in_words(words) if words else None
        if in_words is None:
            return NumberError.NOT_A_NUMBER
        if in_words > MAX_AMOUNT_EUR:
            return NumberError.TOO_LARGE
        return Decimal(in_words).quantize(_CENT)
    value = _amount_number(match.group("number"))
    if value is None:
        return NumberError.NOT_A_NUMBER
    if match.group("sign") == "-" and value != 0:
        return NumberError.NEGATIVE
    if value > MAX_AMOUNT_EUR:
        return NumberError.TOO_LARGE
    return value.quantize(_CENT)


# --------------------------------------------------------------------------- free text


class TextError(Enum):
    """Why a free-text answer was refused.

    EMPTY
        Nothing left after cleaning (only spaces, control or invisible characters).
    NO_WORDS
        No letter and no digit: emoji-only, punctuation-only, symbols-only.
    TOO_SHORT
        Fewer characters than ``min_length`` after cleaning.
    TOO_LONG
        More characters than ``max_length`` after cleaning.
    """

    EMPTY = "empty"
    NO_WORDS = "no_words"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"


# Zero-width characters, bidi controls and the BOM, removed from free text.
_INVISIBLE: Final = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2060, 0x2065)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\ufeff", "\u00ad", "\u180e"]
)
_LINE_BREAKS: Final = str.maketrans(
    {"\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n", "\t": " "}
)
_MANY_NEWLINES: Final = re.compile(r"\n{3,}")


def _has_letter_or_digit(text: str) -> bool:
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def clean_free_text(text: str, max_length: int, min_length: int = 1) -> str | TextError:
    """Clean a free-text answer (description, remark, name…).

    Cleaning, in order: ``\\r\\n``, ``\\r``, U+2028/2029 become newlines, tabs become spaces;
    control characters (category Cc, except newline), lone surrogates, zero-width and bidi
    characters (U+200B–U+200F, U+202A–U+202E, U+2060–U+2069, U+FEFF, soft hyphen) are removed;
    trailing spaces of each line are removed; more than two consecutive newlines become two;
    leading/trailing whitespace is stripped; the result is NFC-normalised. Markup such as
    ``<b>`` is kept as literal text (escaping is the display code's job).

    Lengths are counted in code points of the cleaned text. Errors, checked in this order:
    EMPTY, NO_WORDS (no letter or digit in any script), TOO_SHORT (``< min_length``), TOO_LONG
    (``> max_length``). Never raises.
    """
    text = text.replace("\r\n", "\n").translate(_LINE_BREAKS)
    kept = [
        c for c in text if c not in _INVISIBLE and (c == "\n" or unicodedata.category(c) not in ("Cc", "Cs"))
    ]
    lines = "".join(kept).split("\n")
    joined = "\n".join(line.rstrip() for line in lines)
    cleaned = unicodedata.normalize("NFC", _MANY_NEWLINES.sub("\n\n", joined).strip())
    if not cleaned:
        return TextError.EMPTY
    if not _has_letter_or_digit(cleaned):
        return TextError.NO_WORDS
    if len(cleaned) < min_length:
        return TextError.TOO_SHORT
    if len(cleaned) > max_length:
        return TextError.TOO_LONG
    return cleaned


# --------------------------------------------------------------------------- phone numbers


class PhoneError(Enum):
    """Why a phone number was refused.

    NOT_A_PHONE
        Letters or other characters that have no place in a phone number, a misplaced ``+``,
        an unknown country code, or digits of the right length that no operator was given.
    TOO_SHORT
        Too few digits for the country (libphonenumber's judgement).
    TOO_LONG
        Too many digits for the country (libphonenumber's judgement).
    """

    NOT_A_PHONE = "not_a_phone"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"


# Longest first, so that "telephone" goes before "tel"; a dot after the word goes with the separators.
_PHONE_PREFIXES: Final = sorted(PHONE_WORDS, key=len, reverse=True)
# libphonenumber also reads letters (vanity numbers) and picks a number out of a sentence; people here
# type digits, so anything else is refused before it gets a chance to guess.
_PHONE_CHARS_RE: Final = re.compile(r"\+?[0-9 .\-/()]+")
# A number typed without a country code: French first (the service runs in France), then Ukrainian.
_NATIONAL_REGIONS: Final = ("FR", "UA")
_PARSE_ERRORS: Final = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: PhoneError.NOT_A_PHONE,
    phonenumbers.NumberParseException.NOT_A_NUMBER: PhoneError.NOT_A_PHONE,
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: PhoneError.TOO_SHORT,
    phonenumbers.NumberParseException.TOO_SHORT_NSN: PhoneError.TOO_SHORT,
    phonenumbers.NumberParseException.TOO_LONG: PhoneError.TOO_LONG,
}
_LENGTH_ERRORS: Final = {
    phonenumbers.ValidationResult.TOO_SHORT: PhoneError.TOO_SHORT,
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: PhoneError.TOO_SHORT,  # a number without its area code
    phonenumbers.ValidationResult.TOO_LONG: PhoneError.TOO_LONG,
}


def _read_phone(text: str, region: str | None, *, mobile_only: bool = False) -> str | PhoneError:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        return _PARSE_ERRORS.get(error.error_type, PhoneError.NOT_A_PHONE)
    if mobile_only and phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        return PhoneError.NOT_A_PHONE
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return _LENGTH_ERRORS.get(phonenumbers.is_possible_number_with_reason(number), PhoneError.NOT_A_PHONE)


def parse_phone(text: str, writer_language: str | None = None) -> str | PhoneError:
    """Any country's number that libphonenumber finds valid, as E.164 (``+33612345678``), or why not.

    Without a country code the number is French if it can be, else Ukrainian; but for someone who
    writes in Ukrainian, a Ukrainian mobile number comes first (their 067 123 45 67 is a valid French
    number too). When nothing fits, the reason is the French reading's."""
    if len(text) > MAX_NUMBER_INPUT_LENGTH:
        return PhoneError.TOO_LONG
    cleaned = " ".join(fold(text).split())
    for prefix in _PHONE_PREFIXES:
        if cleaned.startswith(prefix):
            cleaned = cleaned[len(prefix) :].lstrip(" :.")
            break
    if not cleaned or _PHONE_CHARS_RE.fullmatch(cleaned) is None:
        return PhoneError.NOT_A_PHONE
    digits = "".join(c for c in cleaned if c.isdigit())
    if len(digits) < 2:
        return PhoneError.TOO_SHORT if digits else PhoneError.NOT_A_PHONE
    if cleaned.startswith("+"):
        return _read_phone("+" + digits, None)
    words = VOCABULARY.get(writer_language or "")
    home = words.phone_region if words else ""
    if home:
        mobile = _read_phone(digits, home, mobile_only=True)
        if isinstance(mobile, str):
            return mobile
    readings = [_read_phone(digits, region) for region in _NATIONAL_REGIONS]
    if not digits.startswith("0"):  # Telegram shares a contact's number without its +
        readings.append(_read_phone("+" + digits, None))
    return next((reading for reading in readings if isinstance(reading, str)), readings[0])


# --------------------------------------------------------------------------- yes / no

_YES_EMOJI: Final = frozenset("👍✅✔☑🆗👌")
_NO_EMOJI: Final = frozenset("👎❌✖❎🚫⛔")
# Too ambiguous to decide from the first word of a longer answer ("si possible", "y a…").
_WHOLE_ANSWER_ONLY: Final = spellings("o|n|y|si|e")
_WORD_RE: Final = re.compile(r"[^\W_]+")


def _yes_no_phrase(phrase: str) -> bool | None:
    if phrase in YES:
        return True
    if phrase in NO:
        return False
    return None


def parse_yes_no(text: str) -> bool | None:
    """True for yes, False for no, None when unclear (fr/uk/en/ru, plus 👍/👎, ✅/❌).

    Understood: ``oui``, ``o``, ``ouais``, ``bien sûr``, ``non``, ``n``, ``так``, ``ага``,
    ``звісно``, ``ні``, ``yes``, ``y``, ``of course``, ``no``, ``nope``… An answer may add polite
    words or repeat itself (``oui merci``, ``non, merci``, ``yes please``, ``ні, дякую``,
    ``oui oui``) or start with yes/no followed by anything that does not contain the opposite
    word (``oui c'est possible``). Mixed or other answers (``oui et non``, ``peut-être``,
    ``je ne sais pas``) give None. Never raises.
    """
    if len(text) > MAX_NUMBER_INPUT_LENGTH:
        return None
    folded = fold(text)
    symbols = {c for c in folded if c not in "\ufe0f\u200d" and not ("\U0001f3fb" <= c <= "\U0001f3ff")}
    symbols -= set(" .!,;")
    if symbols and symbols <= _YES_EMOJI:
        return True
    if symbols and symbols <= _NO_EMOJI:
        return False
    words = _WORD_RE.findall(folded)
    if not words:
        return None
    whole = _yes_no_phrase(" ".join(words))
    if whole is not None:
        return whole
    meaningful = [w for w in words if w not in POLITE]
    phrase = _yes_no_phrase(" ".join(meaningful))
    if phrase is not None:
        return phrase
    padded = f" {' '.join(words)} "
    if any(f" {phrase} " in padded for phrase in YES_DESPITE_NO):
        return True
    if words[0] in _WHOLE_ANSWER_ONLY:
        return None
    first = _yes_no_phrase(words[0])
    if first is None:
        return None
    opposite = NO if first else YES
    if any(w in opposite for w in words[1:]):
        return None
    return first


# --------------------------------------------------------------------------- départements

DEPARTEMENTS: Final = frozenset(
    [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "971", "972", "973", "974", "976"]
)
"""The 101 département codes, in canonical form: ``01``–``95`` without ``20``, ``2A``, ``2B``,
``971`` Guadeloupe, ``972`` Martinique, ``973`` Guyane, ``974`` La Réunion, ``976`` Mayotte.
975 (Saint-Pierre-et-Miquelon) and 977/978 are collectivités, not départements."""


def is_valid_departement(code: str) -> bool:
    """True if ``code`` is a département code in canonical form (``01``, ``2A``, ``971``).

    Non-canonical spellings (``1``, ``2a``, `` 44 ``) are False: use :func:`normalise_departement`
    on user input.
    """
    return code in DEPARTEMENTS


def normalise_departement(text: str) -> str | None:
    """The canonical département code for what a user typed, or None.

    ``44``, `` 44 ``, ``1`` → ``01``, ``2a`` / ``2 A`` → ``2A``, ``971``. ``20``, ``96``, ``99``,
    ``975``, ``977``, postcodes and names give None. Never raises.
    """
    if len(text) > 20:
        return None
    compact = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    if compact.isascii() and compact.isdigit() and len(compact) == 1:
        compact = "0" + compact
    return compact if compact in DEPARTEMENTS else None
