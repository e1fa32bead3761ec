"""What the bot's buttons carry: every family of buttons is declared here once, as a prefix and typed fields.

A family is a frozen dataclass: `OfferDetails(offer_id=12).encode()` is `"od:12"`, and
`OfferDetails.decode("od:12")` gives back `OfferDetails(offer_id=12)`. Telegram returns at most 64 bytes of
whatever a button carried, and anything may come back: a button sent by an older version, or data forged by a
modified client. `decode` therefore never raises and returns None for anything `encode` could not have built
(another prefix, a missing or extra field, non-ASCII, "²" for a digit, a number out of range, an unknown word),
so handlers only ever see well-formed, typed values. `bot/routes.py` says which handler each family goes to.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal, Self, dataclass_transform, get_args, get_origin

MAX_BYTES = 64  # Telegram's limit for callback data
SEPARATOR = ":"
PREFIX = re.compile(r"[a-z]+(:[a-z]+)*")


@dataclass(frozen=True)
class Range:
    """A whole number from `low` to `high`, written in ASCII digits, without sign or leading zeros."""

    low: int
    high: int

    def read(self, text: str) -> int | None:
        if not (text.isascii() and text.isdigit()) or (len(text) > 1 and text.startswith("0")):
            return None
        number = int(text)
        return number if self.low <= number <= self.high else None

    def write(self, value: object) -> str | None:
        ok = type(value) is int and self.low <= value <= self.high
        return str(value) if ok else None


@dataclass(frozen=True)
class Text:
    """ASCII text matching `pattern` entirely."""

    pattern: str

    def read(self, text: str) -> str | None:
        return text if text.isascii() and re.fullmatch(self.pattern, text) else None

    def write(self, value: object) -> str | None:
        return value if isinstance(value, str) and self.read(value) is not None else None


@dataclass(frozen=True)
class Words:
    """One of a few fixed words (a `Literal` field)."""

    words: tuple[str, ...]

    def read(self, text: str) -> str | None:
        return text if text in self.words else None

    def write(self, value: object) -> str | None:
        return value if isinstance(value, str) and value in self.words else None


@dataclass(frozen=True)
class Either:
    """The first of several kinds that accepts the value (a union field, such as a page number or "stale")."""

    kinds: tuple[Kind, ...]

    def read(self, text: str) -> object | None:
        return next((value for kind in self.kinds if (value := kind.read(text)) is not None), None)

    def write(self, value: object) -> str | None:
        return next((text for kind in self.kinds if (text := kind.write(value)) is not None), None)


Kind = Range | Text | Words | Either

# Field types shared by several families.
RowId = Annotated[int, Range(1, 2**31 - 1)]  # a row of our tables (an `integer` key on PostgreSQL)
UserId = Annotated[int, Range(1, 2**63 - 1)]  # a Telegram user (a `bigint`)
Page = Annotated[int, Range(1, 2**31 - 1)]
Language = Annotated[str, Text(r"[a-z]{2,3}")]
StartPayload = Annotated[str, Text(r"[A-Za-z0-9_-]{0,40}")]  # what a t.me/<bot>?start= link carries
InvitationCode = Annotated[str, Text(r"[A-Za-z0-9_-]{1,40}")]
Insee = Annotated[str, Text(r"[0-9][0-9AB][0-9]{3}")]
DepartementCode = Annotated[str, Text(r"[0-9][0-9AB][0-9]?")]
StepName = Annotated[str, Text(r"[a-z][a-z0-9_]{0,39}")]
StepValue = Annotated[str, Text(r"[A-Za-z0-9_.:-]*")]


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind


def kind_of(annotation: object) -> Kind:
    """The kind of a field from its type: an `Annotated` rule, `int`, a `Literal` of words, or a union."""
    origin = get_origin(annotation)
    if origin is Annotated:
        rule = annotation.__metadata__[0]  # type: ignore[attr-defined]
        if not isinstance(rule, Range | Text):
            raise TypeError(f"unsupported rule {rule!r}")
        return rule
    if annotation is int:
        return Range(0, 2**63 - 1)
    if origin is Literal:
        return Words(tuple(str(word) for word in get_args(annotation)))
    if origin in (typing.Union, types.UnionType):
        return Either(tuple(kind_of(alternative) for alternative in get_args(annotation)))
    raise TypeError(f"unsupported field type {annotation!r}")


_prefixes: dict[str, str] = {}  # prefix -> family, to refuse a prefix that would make data ambiguous


@dataclass_transform(frozen_default=True)
class ButtonData:
    """A family of button data. Subclasses give a `prefix` (or None for a group of families) and typed fields."""

    prefix: ClassVar[str]
    fields: ClassVar[tuple[Field, ...]]

    def __init_subclass__(cls, *, prefix: str | None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if prefix is None:
            return
        if not PREFIX.fullmatch(prefix):
            raise TypeError(f"{cls.__name__}: invalid prefix {prefix!r}")
        for other, family in _prefixes.items():
            if (prefix + SEPARATOR).startswith(other + SEPARATOR) or (other + SEPARATOR).startswith(
                prefix + SEPARATOR
            ):
                raise TypeError(f"{cls.__name__}: prefix {prefix!r} clashes with {family} ({other!r})")
        _prefixes[prefix] = cls.__name__
        dataclass(frozen=True)(cls)
        hints = typing.get_type_hints(cls, include_extras=True)
        cls.prefix = prefix
        cls.fields = tuple(Field(name, kind_of(hints[name])) for name in inspect.get_annotations(cls))
        if not cls.fields:
            raise TypeError(f"{cls.__name__}: a family needs at least one field")

    def encode(self) -> str:
        """The data to put in a button; a ValueError for a value out of its field's bounds or over 64 bytes."""
        parts = [self.prefix]
        for position, field in enumerate(self.fields, start=1):
            text = field.kind.write(getattr(self, field.name))
            if text is None or (SEPARATOR in text and position < len(self.fields)):
                raise ValueError(
                    f"{type(self).__name__}.{field.name}: {getattr(self, field.name)!r} not allowed"
                )
            parts.append(text)
        data = SEPARATOR.join(parts)
        if len(data) > MAX_BYTES:  # ASCII only: one byte per character
            raise ValueError(f"button data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def decode(cls, data: object) -> Self | None:
        """The typed value, or None for anything `encode` could not have built (never an exception)."""
        head = cls.prefix + SEPARATOR
        if (
            not isinstance(data, str)
            or len(data) > MAX_BYTES
            or not data.isascii()
            or not data.startswith(head)
        ):
            return None
        parts = data[len(head) :].split(SEPARATOR, len(cls.fields) - 1)
        if len(parts) != len(cls.fields):
            return None
        values = [field.kind.read(part) for field, part in zip(cls.fields, parts, strict=True)]
        if any(value is None for value in values):
            return None
        return cls(*values)


# /start, the main menu, /language and /mydata.


class PrivacyAccept(ButtonData, prefix="privacy:accept"):
    language: Language
    payload: StartPayload  # an invitation code from a deep link, kept through the privacy notice


class PrivacyDecline(ButtonData, prefix="privacy:decline"):
    language: Language


class PrivacyLanguage(ButtonData, prefix="privacy:lang"):
    language: Language
    payload: StartPayload


MenuChoice = Literal["host", "pro", "search", "placements", "household", "invite", "members", "seek"]


class Menu(ButtonData, prefix="menu"):
    choice: MenuChoice


class SeekingIn(ButtonData, prefix="seek"):
    """Someone looking for a place chose their département (to see its reception contacts)."""

    departement: DepartementCode


class LanguageChoice(ButtonData, prefix="lang"):
    language: Language


class Erase(ButtonData, prefix="erase"):
    # "sure": yes, after the warning about a household living in one of their places
    answer: Literal["ask", "yes", "sure", "no"]


# Hosts.

# "delete_sure": yes, after the warning about a household living in the place
OfferAction = Literal[
    "confirm",
    "pause",
    "resume",
    "stay_paused",
    "unavailable",
    "dates",
    "edit",
    "photos",
    "delete",
    "delete_yes",
    "delete_sure",
    "keep",
    "revisit",
]


class HostOffer(ButtonData, prefix="offer"):
    offer_id: RowId
    action: OfferAction


class StillAvailable(ButtonData, prefix="fresh"):
    offer_id: RowId
    answer: Literal["yes", "later", "no"]


class OfferEnd(ButtonData, prefix="oe"):
    answer: Literal["extend", "end"]
    offer_id: RowId


class StayEnd(ButtonData, prefix="hq"):
    answer: Literal["yes", "later", "earlier"]
    placement_id: RowId


class ConsentAnswer(ButtonData, prefix="hc"):
    """A host's answer to a proposal for their place."""

    answer: Literal["accept", "decline", "call"]
    placement_id: RowId


DeclineWord = Literal["dates", "too_many", "children", "pets", "not_available", "other"]  # domain.consent


class ConsentDecline(ButtonData, prefix="hcd"):
    """Why a host declines a proposal."""

    reason: DeclineWord
    placement_id: RowId


# Caseworkers: search results, offers, placements.


class SearchPage(ButtonData, prefix="sr"):
    search_id: RowId
    page: Page | Literal["stale"]  # "stale": the same search, paused and unconfirmed offers included


class SearchCommune(ButtonData, prefix="sn"):
    search_id: RowId
    insee: Insee


class OfferDetails(ButtonData, prefix="od"):
    offer_id: RowId


class OfferContact(ButtonData, prefix="oc"):
    offer_id: RowId


class OfferQualify(ButtonData, prefix="oq"):
    offer_id: RowId


class OfferPropose(ButtonData, prefix="op"):
    offer_id: RowId


class ProposeTo(ButtonData, prefix="pp"):
    offer_id: RowId
    household_id: RowId


class PlacementStep(ButtonData, prefix="pl"):
    action: Literal["arrive", "leave", "cancel", "correct", "undo", "undo_yes", "undo_no", "history"]
    placement_id: RowId


class PastPlacements(ButtonData, prefix="plp"):
    page: Page


class PlacementAlert(ButtonData, prefix="al"):
    action: Literal["rehoused", "extend", "open"]
    placement_id: RowId


# The waiting list (/waiting) and the search for exactly one household's needs.


class WaitingPage(ButtonData, prefix="wl"):
    page: Page


class FindPlaces(ButtonData, prefix="fp"):
    household_id: RowId


# /match: the plan for a territory, its pairs ticked one by one or all, then proposed.

PairIndex = Annotated[int, Range(0, 9999)]  # a pair's place in its plan


class MatchTick(ButtonData, prefix="mt"):
    plan_id: RowId
    pair: PairIndex | Literal["all"]  # "all": every pair not proposed yet
    page: Page  # the page the button is on, shown again


class MatchPage(ButtonData, prefix="mp"):
    plan_id: RowId
    page: Page


class MatchPropose(ButtonData, prefix="mx"):
    plan_id: RowId


# Keepers of the offers organisations manage: the "still available?" round, and /keepers.


class KeeperConfirm(ButtonData, prefix="kr:ok"):
    offer_id: RowId | Literal["all"]  # "all": every offer listed on the message


class KeeperWithdraw(ButtonData, prefix="kr:gone"):
    offer_id: RowId
    answer: Literal["ask", "yes", "no"]


OrganisationRef = Annotated[str, Text(r"[0-9a-f]{12}")]  # bot.domain.keepers.organisation_ref


class KeeperPick(ButtonData, prefix="kp:pick"):
    departement: DepartementCode
    organisation: OrganisationRef


class KeeperSet(ButtonData, prefix="kp:set"):
    action: Literal["name", "remove"]
    departement: DepartementCode
    organisation: OrganisationRef
    user_id: UserId


# Coordinators.


class SituationSwitch(ButtonData, prefix="sit"):
    """A coordinator switches one situation of the waiting list on or off for a département."""

    departement: DepartementCode
    situation: Annotated[str, Text(r"[a-z_]{1,20}")]  # a name of bot.domain.situations
    state: Literal["on", "off"]


class MemberRevoke(ButtonData, prefix="mem:revoke"):
    user_id: UserId


class MemberRevokeConfirmed(ButtonData, prefix="mem:sure"):
    user_id: UserId


class InvitationCancel(ButtonData, prefix="mem:uninvite"):
    code: InvitationCode


# Dialogues: the answer to a step (a button of an older question names another step).


class DialogueAnswer(ButtonData, prefix="d"):
    step: StepName
    value: StepValue


class AnswerValue(ButtonData, prefix=None):
    """A structured `DialogueAnswer.value`, read by the step that offered it."""


class AreaDepartement(AnswerValue, prefix="dep"):
    code: DepartementCode


class ImportColumn(AnswerValue, prefix="col"):
    column: Annotated[int, Range(0, 999)]
    target: Annotated[str, Text(r"[a-z_]{1,30}")]


class RemovePhoto(AnswerValue, prefix="rm"):
    index: Annotated[int, Range(0, 99)]
