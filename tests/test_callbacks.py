"""Button data: typed codecs that refuse anything they could not have built, and forged presses on the real bot."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chat import callbacks
from bot.chat.callbacks import (
    ButtonData,
    DialogueAnswer,
    Either,
    Kind,
    OfferDetails,
    PlacementStep,
    PrivacyAccept,
    Range,
    SearchPage,
    Text,
    Words,
)
from bot.i18n import translator
from storage import users
from tests.casework_fixtures import grant
from tests.harness import BotUnderTest, texts

FR = translator("fr")
FAMILIES = [
    value for value in vars(callbacks).values()
    if isinstance(value, type) and issubclass(value, ButtonData) and hasattr(value, "fields")
]  # fmt: skip
MALFORMED = [
    "od:²", "od:١", "od:99999999999999999999", "od:2147483648", "od:0", "od:-1", "od:007", "od:", "od:1:2",
    "pl:arrive:-1", "pl:explode:3", "pl:arrive", "sr:1:stale:2", "sr:1:0", "mem:revoke:9223372036854775808",
    "lang:ук", "menu:nowhere", "privacy:accept:fr:" + "a" * 41, "d:Bad step:x", "d:step:é",
    "x" * 64, "od:" + "9" * 61, "é" * 32, "od 1", "OD:1", ":", "offer:1:", "offer:1:explode",
]  # fmt: skip


def values_of(kind: Kind) -> st.SearchStrategy[object]:
    if isinstance(kind, Range):
        return st.integers(kind.low, kind.high)
    if isinstance(kind, Text):
        return st.from_regex(kind.pattern, fullmatch=True)
    if isinstance(kind, Words):
        return st.sampled_from(kind.words)
    assert isinstance(kind, Either)
    return st.one_of(*(values_of(alternative) for alternative in kind.kinds))


@st.composite
def buttons(draw: st.DrawFn) -> ButtonData:
    family = draw(st.sampled_from(FAMILIES))
    return family(*(draw(values_of(field.kind)) for field in family.fields))


@given(buttons())
def test_what_is_encoded_decodes_to_the_same_value(button: ButtonData) -> None:
    try:
        data = button.encode()
    except ValueError:  # only over 64 bytes (a long dialogue value)
        assert len(":".join([button.prefix, *(str(getattr(button, f.name)) for f in button.fields)])) > 64
        return
    assert len(data.encode()) <= callbacks.MAX_BYTES
    assert type(button).decode(data) == button


@given(st.sampled_from(FAMILIES), st.text(max_size=80) | st.from_regex(r"[a-z0-9:]{0,70}", fullmatch=True))
def test_decode_never_raises_and_accepts_only_what_encode_builds(family: type[ButtonData], tail: str) -> None:
    for data in (tail, f"{family.prefix}:{tail}"):
        decoded = family.decode(data)
        assert decoded is None or decoded.encode() == data


@pytest.mark.parametrize("data", MALFORMED)
def test_malformed_data_decodes_to_nothing(data: str) -> None:
    assert all(family.decode(data) is None for family in FAMILIES)


def test_typed_values() -> None:
    assert OfferDetails.decode("od:12") == OfferDetails(12)
    assert PlacementStep.decode("pl:arrive:3") == PlacementStep("arrive", 3)
    assert SearchPage.decode("sr:5:stale") == SearchPage(5, "stale") and SearchPage.decode(
        "sr:5:2"
    ) == SearchPage(5, 2)
    assert PrivacyAccept.decode("privacy:accept:uk:") == PrivacyAccept("uk", "")
    assert DialogueAnswer.decode("d:area:dep:44") == DialogueAnswer(
        "area", "dep:44"
    )  # the last field keeps ":"
    assert callbacks.AreaDepartement.decode("dep:2A") == callbacks.AreaDepartement("2A")


def test_encode_refuses_what_could_not_come_back() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        DialogueAnswer("notes", "x" * 60).encode()
    with pytest.raises(ValueError, match="offer_id"):
        OfferDetails(0).encode()
    with pytest.raises(ValueError, match="action"):
        PlacementStep("explode", 3).encode()  # type: ignore[arg-type]


def test_a_prefix_that_makes_data_ambiguous_is_refused() -> None:
    with pytest.raises(TypeError, match="clashes"):

        class Privacy(ButtonData, prefix="privacy"):  # "privacy:accept:…" would be read two ways
            choice: str

    with pytest.raises(TypeError, match="clashes"):

        class Details(ButtonData, prefix="od"):
            offer_id: int


async def test_forged_buttons_are_refused_politely(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    await grant(bot, 601, "caseworker", "44")
    caseworker = bot.user(601, "fr")
    caplog.set_level(logging.INFO)
    for data in [*MALFORMED, "d:unknown:x"]:  # the last is well formed, but no question is in progress
        answer = texts(await caseworker.press_data(data))
        assert FR._("This button is no longer active.") in answer, data
    stranger = bot.user(2002, "fr")  # has not accepted the privacy notice: is shown it, and nothing is stored
    answer = texts(await stranger.press_data("privacy:accept:fr:<b>"))
    assert FR._("Do you accept? Nothing is stored until you do.") in answer
    async with bot.database.transaction() as session:
        assert await users.find(session, 2002) is None
    problems = [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]
    assert not problems, [record.getMessage() for record in problems]
