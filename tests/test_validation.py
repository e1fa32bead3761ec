"""Tests for bot.domain.validation: tables of what people type, and properties on arbitrary text."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.domain.validation import (
    DEPARTEMENTS,
    MAX_AMOUNT_EUR,
    NumberError,
    PhoneError,
    TextError,
    clean_free_text,
    is_valid_departement,
    normalise_departement,
    parse_ages,
    parse_amount_eur,
    parse_count,
    parse_phone,
    parse_yes_no,
)


def _split(spec: str) -> list[str]:
    return spec.split("|")


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, database=None)
any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
# Any code point, lone surrogates included (they can come out of a bad decode).
raw_text = st.text(alphabet=st.characters(), max_size=200)
numberish = st.lists(
    st.one_of(
        st.sampled_from(
            _split("1|2|0|9|-|+|.|,| |e|€|EUR|personnes|06|+33|(0)|oui|non|2A|٣|３|\u202f|\u00a0|00|380")
        ),
        st.text(max_size=3),
    ),
    max_size=8,
).map("".join)
long_text = st.text(min_size=1, max_size=30).map(lambda s: (s * 10_000)[:10_000])


# --------------------------------------------------------------------------- parse_count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        (" 3 ", 3),
        ("3.", 3),
        ("03", 3),
        ("+3", 3),
        ("3 personnes", 3),
        ("3 Personnes", 3),
        ("3personnes", 3),
        ("1 personne", 1),
        ("3 people", 3),
        ("3 adults", 3),
        ("3 особи", 3),
        ("3 людини", 3),
        ("environ 3", 3),
        ("nous sommes 3", 3),
        ("３", 3),  # full-width digit, NFKC-normalised
        ("1", 1),
        ("20", 20),
        ("trois", 3),  # number words are understood now (issue "Words people use")
    ],
)
def test_parse_count_accepts(text: str, expected: int) -> None:
    assert parse_count(text, 1, 20) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-3", NumberError.NEGATIVE),
        ("- 3", NumberError.NEGATIVE),
        ("−3", NumberError.NEGATIVE),  # U+2212 minus sign
        ("-3.5", NumberError.NEGATIVE),
        ("0", NumberError.TOO_SMALL),
        ("00", NumberError.TOO_SMALL),
        ("1e9", NumberError.NOT_WHOLE),
        ("1E9", NumberError.NOT_WHOLE),
        ("3.5", NumberError.NOT_WHOLE),
        ("3,5", NumberError.NOT_WHOLE),
        ("3,0", NumberError.NOT_WHOLE),
        ("21", NumberError.TOO_LARGE),
        ("999999", NumberError.TOO_LARGE),
        ("9" * 4000, NumberError.NOT_A_NUMBER),  # longer than any answer
        ("0" * 50 + "3", 3),
        ("", NumberError.NOT_A_NUMBER),
        ("   ", NumberError.NOT_A_NUMBER),
        ("😀", NumberError.NOT_A_NUMBER),
        ("3️⃣", NumberError.NOT_A_NUMBER),
        ("abc", NumberError.NOT_A_NUMBER),
        ("3 ou 4", NumberError.NOT_A_NUMBER),
        ("3-4", NumberError.NOT_A_NUMBER),
        ("3 + 2", NumberError.NOT_A_NUMBER),
        ("٣", NumberError.NOT_A_NUMBER),  # Arabic-Indic digit
        ("३", NumberError.NOT_A_NUMBER),  # Devanagari digit
        ("3 😀", NumberError.NOT_A_NUMBER),
        ("\x003", NumberError.NOT_A_NUMBER),
        ("0x10", NumberError.NOT_A_NUMBER),
    ],
)
def test_parse_count_refuses(text: str, expected: int | NumberError) -> None:
    assert parse_count(text, 1, 20) == expected


def test_parse_count_zero_allowed_when_minimum_is_zero() -> None:
    assert parse_count("0", 0, 10) == 0
    assert parse_count("-0", 0, 10) is NumberError.NEGATIVE  # any minus sign
    assert parse_count("-1", 0, 10) is NumberError.NEGATIVE


def test_parse_count_rejects_wrong_bounds() -> None:
    with pytest.raises(ValueError, match="invalid bounds"):
        parse_count("3", 5, 1)
    with pytest.raises(ValueError, match="invalid bounds"):
        parse_count("3", -1, 1)


@PROPERTY_SETTINGS
@given(
    text=st.one_of(raw_text, numberish),
    minimum=st.integers(min_value=0, max_value=50),
    span=st.integers(min_value=0, max_value=10_000),
)
def test_parse_count_never_raises_and_respects_bounds(text: str, minimum: int, span: int) -> None:
    result = parse_count(text, minimum, minimum + span)
    assert isinstance(result, (int, NumberError))
    if isinstance(result, int):
        assert minimum <= result <= minimum + span


@PROPERTY_SETTINGS
@given(n=st.integers(min_value=-1000, max_value=1000))
def test_parse_count_integers(n: int) -> None:
    result = parse_count(f" {n} ", 1, 100)
    if n < 0:
        assert result is NumberError.NEGATIVE
    elif n < 1:
        assert result is NumberError.TOO_SMALL
    elif n > 100:
        assert result is NumberError.TOO_LARGE
    else:
        assert result == n


# --------------------------------------------------------------------------- parse_amount_eur


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("350", "350.00"),
        ("350 €", "350.00"),
        ("350€", "350.00"),
        ("€350", "350.00"),
        ("€ 350", "350.00"),
        ("350,50", "350.50"),
        ("350,5", "350.50"),
        ("350.50 EUR", "350.50"),
        ("350.50EUR", "350.50"),
        ("350 euros", "350.00"),
        ("350e", "350.00"),
        ("350 євро", "350.00"),
        ("1 500 €", "1500.00"),
        ("1\u00a0500 €", "1500.00"),  # no-break space
        ("1\u202f500 €", "1500.00"),  # narrow no-break space (French typography)
        ("1.500,50", "1500.50"),
        ("1,500.50", "1500.50"),
        ("1,500", "1500.00"),
        ("1.500", "1500.00"),
        ("1'500", "1500.00"),
        ("350 € par mois", "350.00"),
        ("350€/mois", "350.00"),
        ("350 euros par mois", "350.00"),
        ("350 per month", "350.00"),
        ("350 на місяць", "350.00"),
        ("environ 350 €", "350.00"),
        ("+350", "350.00"),
        ("0", "0.00"),
        ("0,99", "0.99"),
        ("gratuit", "0.00"),
        ("Free", "0.00"),
        ("безкоштовно", "0.00"),
        ("100000", "100000.00"),
        ("100 000 €", "100000.00"),
        ("350.", "350.00"),
    ],
)
def test_parse_amount_eur_accepts(text: str, expected: str) -> None:
    result = parse_amount_eur(text)
    assert result == Decimal(expected)
    assert isinstance(result, Decimal)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-350", NumberError.NEGATIVE),
        ("- 350 €", NumberError.NEGATIVE),
        ("−350", NumberError.NEGATIVE),
        ("100000,01", NumberError.TOO_LARGE),
        ("100001", NumberError.TOO_LARGE),
        ("1 000 000 €", NumberError.TOO_LARGE),
        ("99999999999999999999999", NumberError.TOO_LARGE),
        ("1e9", NumberError.NOT_A_NUMBER),
        ("3,5555", NumberError.NOT_A_NUMBER),
        ("1.2.3", NumberError.NOT_A_NUMBER),
        ("12 34", NumberError.NOT_A_NUMBER),
        ("300 ou 400", NumberError.NOT_A_NUMBER),
        ("", NumberError.NOT_A_NUMBER),
        ("€", NumberError.NOT_A_NUMBER),
        ("abc", NumberError.NOT_A_NUMBER),
        ("😀", NumberError.NOT_A_NUMBER),
        ("350 $", NumberError.NOT_A_NUMBER),
        ("350 грн", NumberError.NOT_A_NUMBER),
        ("NaN", NumberError.NOT_A_NUMBER),
        ("Infinity", NumberError.NOT_A_NUMBER),
        ("٣٥٠", NumberError.NOT_A_NUMBER),
    ],
)
def test_parse_amount_eur_refuses(text: str, expected: NumberError) -> None:
    assert parse_amount_eur(text) == expected


@PROPERTY_SETTINGS
@given(st.one_of(raw_text, numberish))
def test_parse_amount_eur_never_raises_and_respects_bounds(text: str) -> None:
    result = parse_amount_eur(text)
    assert isinstance(result, (Decimal, NumberError))
    if isinstance(result, Decimal):
        assert Decimal(0) <= result <= MAX_AMOUNT_EUR
        assert result.is_finite()
        assert result.as_tuple().exponent == -2


@PROPERTY_SETTINGS
@given(st.decimals(min_value=0, max_value=100_000, places=2))
def test_parse_amount_eur_round_trips(amount: Decimal) -> None:
    assert parse_amount_eur(f"{amount}") == amount
    assert parse_amount_eur(f"{amount} €".replace(".", ",")) == amount


# --------------------------------------------------------------------------- clean_free_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", "hello"),
        ("  hello  ", "hello"),
        ("Bonjour, j'ai une chambre.", "Bonjour, j'ai une chambre."),
        ("Привіт", "Привіт"),
        ("a\n\n\n\nb", "a\n\nb"),
        ("a\n\nb", "a\n\nb"),
        ("a\nb", "a\nb"),
        ("a  \n \n \n \nb", "a\n\nb"),
        ("a\r\nb", "a\nb"),
        ("a\rb", "a\nb"),
        ("a\u2028b", "a\nb"),
        ("a\tb", "a b"),
        ("\x00a\x07b\x1b", "ab"),
        ("\u200bhi\u200b", "hi"),
        ("h\u200ci\u200d", "hi"),
        ("\u202eevil\u202c", "evil"),
        ("\u2066x\u2069", "x"),
        ("\ufeffBOM", "BOM"),
        ("e\u0301", "é"),  # NFC
        ("<b>gras</b>", "<b>gras</b>"),
        ("a & b < c", "a & b < c"),
        ("3", "3"),
        ("😀 ok", "😀 ok"),
        ("\ud800x", "x"),  # lone surrogate dropped
        ("一二三", "一二三"),
        ("٣", "٣"),  # a digit in any script counts
    ],
)
def test_clean_free_text_accepts(text: str, expected: str) -> None:
    assert clean_free_text(text, 100) == expected


@pytest.mark.parametrize(
    ("text", "max_length", "min_length", "expected"),
    [
        ("", 100, 1, TextError.EMPTY),
        ("   ", 100, 1, TextError.EMPTY),
        ("\n\n\t", 100, 1, TextError.EMPTY),
        ("\u200b\u200b", 100, 1, TextError.EMPTY),
        ("\x00\x01", 100, 1, TextError.EMPTY),
        ("😀😀😀", 100, 1, TextError.NO_WORDS),
        ("...", 100, 1, TextError.NO_WORDS),
        ("!?!", 100, 1, TextError.NO_WORDS),
        ("€ $ %", 100, 1, TextError.NO_WORDS),
        ("<>", 100, 1, TextError.NO_WORDS),
        ("👍🏽", 100, 1, TextError.NO_WORDS),
        ("ok", 100, 10, TextError.TOO_SHORT),
        ("x" * 11, 10, 1, TextError.TOO_LONG),
        ("x" * 10, 10, 1, "x" * 10),
        ("  " + "x" * 10 + "  ", 10, 1, "x" * 10),  # measured after cleaning
        ("x\u200b" * 10, 10, 1, "x" * 10),
        ("e\u0301" * 10, 10, 1, "é" * 10),
        ("a\n\n\n\n\n\nb", 4, 1, "a\n\nb"),
    ],
)
def test_clean_free_text_refuses_or_measures_after_cleaning(
    text: str, max_length: int, min_length: int, expected: str | TextError
) -> None:
    assert clean_free_text(text, max_length, min_length) == expected


_FORBIDDEN = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


@PROPERTY_SETTINGS
@given(
    text=st.one_of(raw_text, long_text),
    max_length=st.integers(min_value=1, max_value=500),
    min_length=st.integers(min_value=1, max_value=20),
)
def test_clean_free_text_never_raises_and_respects_bounds(
    text: str, max_length: int, min_length: int
) -> None:
    result = clean_free_text(text, max_length, min_length)
    assert isinstance(result, (str, TextError))
    if isinstance(result, str):
        assert min_length <= len(result) <= max_length
        assert any(unicodedata.category(c)[0] in "LN" for c in result)
        assert result == result.strip()
        assert "\n\n\n" not in result
        assert _FORBIDDEN.search(result) is None
        assert all(c == "\n" or unicodedata.category(c) not in ("Cc", "Cs") for c in result)
        assert unicodedata.is_normalized("NFC", result)
        result.encode("utf-8")  # sendable


@PROPERTY_SETTINGS
@given(st.text(alphabet=st.characters(whitelist_categories=("L", "Nd")), min_size=1, max_size=50))
def test_clean_free_text_keeps_plain_words(text: str) -> None:
    assert clean_free_text(text, 50) == unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------- parse_phone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("06/12/34/56/78", "+33612345678"),
        ("01 23 45 67 89", "+33123456789"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("+33 06 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("33612345678", "+33612345678"),
        ("＋33 6 12 34 56 78", "+33612345678"),  # full-width plus
        ("tel: 06 12 34 56 78", "+33612345678"),
        ("Tél. 06 12 34 56 78", "+33612345678"),
        ("+380 67 123 4567", "+380671234567"),
        ("+380671234567", "+380671234567"),
        ("+38 067 123 45 67", "+380671234567"),
        ("00380 67 123 45 67", "+380671234567"),
        ("380671234567", "+380671234567"),
        ("+380 (67) 123-45-67", "+380671234567"),
        ("+1 415 555 2671", "+14155552671"),
        ("+49 30 1234567", "+49301234567"),
        ("0049 30 1234567", "+49301234567"),
        ("  06 12 34 56 78  ", "+33612345678"),
        ("6 12 34 56 78", "+33612345678"),  # the leading 0 lost, as spreadsheets do
        ("+33 612 345 678", "+33612345678"),
        ("0033 (0)6 12 34 56 78", "+33612345678"),
        ("+380 44 123 45 67", "+380441234567"),
        ("+38 (067) 123-45-67", "+380671234567"),
        ("380 67 123 45 67", "+380671234567"),
        ("tel: +380671234567", "+380671234567"),
        # Typed without +380, Ukrainian mobile numbers are valid French numbers too, and French comes first.
        ("067 123 45 67", "+33671234567"),
        ("(067) 123-45-67", "+33671234567"),
        ("071 123 45 67", "+380711234567"),  # no French number starts 071: Ukrainian
        ("4915112345678", "+4915112345678"),  # a contact shared through Telegram comes without its +
        ("+44 20 7946 0958", "+442079460958"),
        ("+683 4002", "+6834002"),  # Niue: short numbers are real numbers too
    ],
)
def test_parse_phone_accepts(text: str, expected: str) -> None:
    assert parse_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", PhoneError.NOT_A_PHONE),
        ("abc", PhoneError.NOT_A_PHONE),
        ("06 12 34 56 7a", PhoneError.NOT_A_PHONE),
        ("😀", PhoneError.NOT_A_PHONE),
        ("+", PhoneError.NOT_A_PHONE),
        ("06 12 + 34", PhoneError.NOT_A_PHONE),
        ("+0123456789", PhoneError.NOT_A_PHONE),
        ("00 0 123456789", PhoneError.TOO_LONG),  # 00 then 0 is no international prefix: French, too long
        ("0012345678901234567", PhoneError.TOO_LONG),
        ("00 12345", PhoneError.TOO_SHORT),
        ("0012", PhoneError.TOO_SHORT),
        ("00", PhoneError.TOO_SHORT),
        ("00 12345678 12345678", PhoneError.TOO_LONG),
        ("12345", PhoneError.TOO_SHORT),
        ("0", PhoneError.TOO_SHORT),
        ("06 12 34", PhoneError.TOO_SHORT),
        ("06 12 34 56 78 9", PhoneError.TOO_LONG),
        ("00 12 34 56 7", PhoneError.TOO_SHORT),
        ("+33 6 12 34", PhoneError.TOO_SHORT),
        ("+33 6 12 34 56 78 90", PhoneError.TOO_LONG),
        ("+33 0 0 12 34 56 78", PhoneError.NOT_A_PHONE),  # national part starts with 0
        ("+33 6 12 34 56 78 0", PhoneError.TOO_LONG),
        ("+380 67 123", PhoneError.TOO_SHORT),
        ("+380 67 123 4567 8", PhoneError.NOT_A_PHONE),  # a possible length in Ukraine, but no such number
        ("+1234567", PhoneError.TOO_SHORT),
        ("+1234567890123456", PhoneError.TOO_LONG),
        ("1234567890123", PhoneError.TOO_LONG),  # no + or 00, not a country code either: read as French
        ("1" * 10_000, PhoneError.TOO_LONG),
        ("06 12 34 56 78 ou 07 12 34 56 78", PhoneError.NOT_A_PHONE),
        ("+33 6 12 34 56 78 ext 12", PhoneError.NOT_A_PHONE),
        ("07 00 00 00 00", PhoneError.NOT_A_PHONE),  # no operator has these, in France or in Ukraine
        ("+33 7 00 00 00 00", PhoneError.NOT_A_PHONE),
        ("08 70 00 00 00", PhoneError.NOT_A_PHONE),
    ],
)
def test_parse_phone_refuses(text: str, expected: PhoneError) -> None:
    assert parse_phone(text) == expected


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


@PROPERTY_SETTINGS
@given(st.one_of(raw_text, numberish, st.from_regex(r"\+?[0-9 .()-]{0,25}", fullmatch=True)))
def test_parse_phone_never_raises_and_returns_e164(text: str) -> None:
    result = parse_phone(text)
    assert isinstance(result, (str, PhoneError))
    if isinstance(result, str):
        assert _E164.fullmatch(result)
        assert phonenumbers.is_valid_number(phonenumbers.parse(result))
        if result.startswith("+33"):
            assert len(result) == 12


@PROPERTY_SETTINGS
@given(st.from_regex(r"0[1-9][0-9]{8}", fullmatch=True))
def test_parse_phone_french_national_numbers(number: str) -> None:
    assume(phonenumbers.is_valid_number(phonenumbers.parse(number, "FR")))  # most are: 040…, 070… are not
    expected = "+33" + number[1:]
    spaced = " ".join(number[i : i + 2] for i in range(0, 10, 2))
    assert parse_phone(number) == expected
    assert parse_phone(spaced) == expected
    assert parse_phone(spaced.replace(" ", ".")) == expected
    assert parse_phone("+33 " + spaced[1:]) == expected


# --------------------------------------------------------------------------- parse_yes_no


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oui", True),
        ("Oui", True),
        ("OUI !", True),
        ("o", True),
        ("O", True),
        ("ouais", True),
        ("oui merci", True),
        ("oui, bien sûr", True),
        ("bien sûr", True),
        ("d'accord", True),
        ("d’accord", True),
        ("oui c'est possible", True),
        ("pas de souci", True),
        ("так", True),
        ("Так", True),
        ("так, звісно", True),
        ("ага", True),
        ("yes", True),
        ("Yes please", True),
        ("y", True),
        ("Y", True),
        ("yeah", True),
        ("sure", True),
        ("of course", True),
        ("no problem", True),
        ("ok", True),
        ("👍", True),
        ("👍🏽", True),
        ("✅", True),
        ("✔️", True),
        ("non", False),
        ("Non.", False),
        ("n", False),
        ("N", False),
        ("non merci", False),
        ("non, merci", False),
        ("pas du tout", False),
        ("non pas vraiment", False),
        ("ні", False),
        ("Ні", False),
        ("ні, дякую", False),
        ("no", False),
        ("No thanks", False),
        ("nope", False),
        ("👎", False),
        ("❌", False),
        ("", None),
        ("   ", None),
        ("peut-être", None),
        ("maybe", None),
        ("може", None),
        ("je ne sais pas", None),
        ("не знаю", None),
        ("oui et non", None),
        ("yes no", None),
        ("non, oui", None),
        ("si possible", None),
        ("n'importe", None),
        ("o la la", None),
        ("3", None),
        ("😀", None),
        ("👍👎", None),
        ("oui" * 10_000, None),
    ],
)
def test_parse_yes_no(text: str, expected: bool | None) -> None:
    assert parse_yes_no(text) is expected


@PROPERTY_SETTINGS
@given(st.one_of(raw_text, numberish))
def test_parse_yes_no_never_raises(text: str) -> None:
    assert parse_yes_no(text) in (True, False, None)


# --------------------------------------------------------------------------- départements


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("44", "44"),
        (" 44 ", "44"),
        ("01", "01"),
        ("1", "01"),
        ("9", "09"),
        ("2a", "2A"),
        ("2A", "2A"),
        ("2b", "2B"),
        ("2 B", "2B"),
        ("19", "19"),
        ("21", "21"),
        ("75", "75"),
        ("95", "95"),
        ("971", "971"),
        ("972", "972"),
        ("973", "973"),
        ("974", "974"),
        ("976", "976"),
        ("４４", "44"),
        ("", None),
        ("0", None),
        ("00", None),
        ("20", None),
        ("96", None),
        ("99", None),
        ("975", None),
        ("977", None),
        ("978", None),
        ("2C", None),
        ("44000", None),
        ("001", None),
        ("-44", None),
        ("4 4 4", None),
        ("Loire-Atlantique", None),
        ("٤٤", None),
        ("😀", None),
        ("4" * 10_000, None),
    ],
)
def test_normalise_departement(text: str, expected: str | None) -> None:
    assert normalise_departement(text) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("01", True),
        ("44", True),
        ("2A", True),
        ("2B", True),
        ("971", True),
        ("976", True),
        ("1", False),
        ("2a", False),
        (" 44", False),
        ("20", False),
        ("96", False),
        ("99", False),
        ("975", False),
        ("977", False),
        ("", False),
    ],
)
def test_is_valid_departement(code: str, expected: bool) -> None:
    assert is_valid_departement(code) is expected


def test_departement_list() -> None:
    assert len(DEPARTEMENTS) == 101
    assert all(normalise_departement(code) == code for code in DEPARTEMENTS)


@PROPERTY_SETTINGS
@given(st.one_of(raw_text, numberish))
def test_normalise_departement_never_raises_and_is_valid(text: str) -> None:
    result = normalise_departement(text)
    assert result is None or is_valid_departement(result)


def test_a_ukrainian_speaker_s_national_number_is_read_as_ukrainian_first() -> None:
    assert parse_phone("067 123 45 67", "uk") == "+380671234567"  # a Ukrainian mobile
    assert parse_phone("06 12 34 56 78", "uk") == "+33612345678"  # 061 is a Ukrainian landline: French first
    assert parse_phone("067 123 45 67", "fr") == "+33671234567"


# --------------------------------------------------------------------------- numbers in words, ages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deux", 2),
        ("Deux personnes", 2),
        ("nous sommes deux", 2),
        ("два", 2),
        ("двоє", 2),
        ("двоє дорослих", 2),
        ("нас троє", 3),
        ("three", 3),
        ("three people", 3),
        ("douze", 12),
        ("quinze", 15),
        ("vingt", 20),
        ("vingt-cinq", 25),
        ("vingt et un", 21),
        ("trente", 30),
        ("двадцять п'ять", 25),
        ("zéro", NumberError.TOO_SMALL),
        ("cinquante", NumberError.TOO_LARGE),
        ("через 2 тижні", NumberError.NOT_A_NUMBER),  # a date, not a count
        ("dans 2 semaines", NumberError.NOT_A_NUMBER),
        ("2 weeks", NumberError.NOT_A_NUMBER),
        ("3 ans", NumberError.NOT_A_NUMBER),
        ("2 mars", NumberError.NOT_A_NUMBER),
        ("deux semaines", NumberError.NOT_A_NUMBER),
        ("3.5", NumberError.NOT_WHOLE),  # never a day in May
        ("trois ou quatre", NumberError.NOT_A_NUMBER),
        ("deux trois", NumberError.NOT_A_NUMBER),
        ("cinq vingt", NumberError.NOT_A_NUMBER),
        ("deux adultes et un enfant", NumberError.NOT_A_NUMBER),  # two numbers: which one?
        ("a", NumberError.NOT_A_NUMBER),
        ("un an", NumberError.NOT_A_NUMBER),
    ],
)
def test_parse_count_reads_number_words_but_not_durations(text: str, expected: int | NumberError) -> None:
    assert parse_count(text, 1, 30) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50 €", "50.00"),
        ("50€", "50.00"),
        ("50 euros", "50.00"),
        ("cinquante", "50.00"),
        ("cinquante euros", "50.00"),
        ("Cinquante € par mois", "50.00"),
        ("deux cents euros", "200.00"),
        ("deux cent cinquante", "250.00"),
        ("cent cinquante", "150.00"),
        ("quatre-vingt-dix", "90.00"),
        ("quatre vingt quinze", "95.00"),
        ("soixante-douze", "72.00"),
        ("mille deux cents", "1200.00"),
        ("двісті п'ятдесят євро", "250.00"),
        ("сто двадцять п'ять", "125.00"),
        ("дві тисячі", "2000.00"),
        ("пятьсот евро", "500.00"),
        ("one hundred and fifty", "150.00"),
        ("twenty-five euros", "25.00"),
        ("fifty", "50.00"),
    ],
)
def test_parse_amount_eur_reads_number_words(text: str, expected: str) -> None:
    assert parse_amount_eur(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cinq vingt", NumberError.NOT_A_NUMBER),
        ("deux trois", NumberError.NOT_A_NUMBER),
        ("cent cent", NumberError.NOT_A_NUMBER),
        ("mille mille", NumberError.NOT_A_NUMBER),
        ("vingt cent", NumberError.NOT_A_NUMBER),
        ("et", NumberError.NOT_A_NUMBER),
        ("cinquante chats", NumberError.NOT_A_NUMBER),
        ("deux cent mille", NumberError.TOO_LARGE),
    ],
)
def test_parse_amount_eur_refuses_words_that_are_no_number(text: str, expected: NumberError) -> None:
    assert parse_amount_eur(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3, 7, 12", [3, 7, 12]),
        ("3 7 12", [3, 7, 12]),
        ("3;7", [3, 7]),
        ("7 ans", [7]),
        ("7ans", [7]),
        ("7 years", [7]),
        ("7 years old", [7]),
        ("7 років", [7]),
        ("2 роки і 7 років", [2, 7]),
        ("7 лет", [7]),
        ("3 ans et 7 ans", [3, 7]),
        ("3 ans, 7 ans", [3, 7]),
        ("sept ans", [7]),
        ("dix-sept", [17]),
        ("trois cinq", [3, 5]),
        ("18 mois", [1]),
        ("6 months", [0]),
        ("0", [0]),
        ("3, 7 ans, 12", [3, 7, 12]),
        ("18", NumberError.TOO_LARGE),
        ("3.5", NumberError.NOT_WHOLE),
        ("-3", NumberError.NEGATIVE),
        ("", NumberError.NOT_A_NUMBER),
        ("ans", NumberError.NOT_A_NUMBER),
        ("7 ans ans", NumberError.NOT_A_NUMBER),
        ("7 mars", NumberError.NOT_A_NUMBER),
        ("bébé", NumberError.NOT_A_NUMBER),
        ("x" * 400, NumberError.NOT_A_NUMBER),
    ],
)
def test_parse_ages(text: str, expected: list[int] | NumberError) -> None:
    assert parse_ages(text, 17) == expected


@PROPERTY_SETTINGS
@given(st.one_of(raw_text, numberish))
def test_parse_ages_never_raises_and_respects_bounds(text: str) -> None:
    result = parse_ages(text, 17)
    assert isinstance(result, (list, NumberError))
    if isinstance(result, list):
        assert result and all(0 <= age <= 17 for age in result)
