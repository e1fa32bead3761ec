"""The host's offer dialogue walked by step name, as a host answers it, for the tests.

Each question the bot asks is recognised by the step saved in the database, not by its position, so a new
optional fact in `bot/domain/offer_schema.py` changes no test: it is skipped like any optional question nobody
answered. A new required fact needs its answer in `SIMPLE` (one line).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.i18n import Translator
from conversations import host_offer
from storage import dialogues
from tests.harness import Message, Running, User, texts


@dataclass(frozen=True)
class Tap:
    """Press the button with this label (English source text, translated for the host; names as they are)."""

    label: str


@dataclass(frozen=True)
class Tick:
    """Tick these options (English source text), then press "Done"."""

    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pin:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Contact:
    phone: str


@dataclass(frozen=True)
class Photo:
    data: bytes


Answer = str | Tap | Tick | Pin | Contact | Photo  # a str is typed
Answers = Mapping[str, Answer | tuple[Answer, ...]]  # several answers to one step: given in turn

SIMPLE: Answers = {
    "kind": Tap("A room in my home"),
    "commune": "Nantes",
    "people": "2",
    "beds": "2",
    "beds_check": Tap("Yes, that's right"),  # asked only when there are fewer beds than people
    "bedrooms": "1",
    "welcome": Tap("No preference"),
    "available_from": Tap("From now"),
    "available_until": Tap("No end date"),
    "step_free": Tap("I don't know"),
    "pets": Tap("No"),
    "children": Tap("No"),
    "smoking": Tap("No"),
    "equipment": Tick(),
    "transport": Tick(),
    "languages": Tick(),
    "cost": Tap("Free"),
    "photos": Tap("Done"),
}
"""The answers of a simple offer: a room for two in Nantes, free, from now on."""

STEPS = {step.name: step for step in host_offer.DIALOGUE.steps}


async def step_of(bot: Running, user_id: int) -> str | None:
    """The step of the host's dialogue that waits for an answer (None outside it)."""
    async with bot.database.transaction() as session:
        state = await dialogues.current(session, user_id)
    return state.step if state is not None and state.dialogue == host_offer.NAME else None


async def answer(user: User, t: Translator, given: Answer) -> list[Message]:
    if isinstance(given, Tap):
        return await user.press(t._(given.label))
    if isinstance(given, Tick):
        for label in given.labels:
            await user.press(t._(label))
        return await user.press(t._("Done"))
    if isinstance(given, Pin):
        return await user.location(given.latitude, given.longitude)
    if isinstance(given, Contact):
        return await user.contact(given.phone)
    if isinstance(given, Photo):
        return await user.photo(given.data)
    return await user.send(given)


async def declare(
    bot: Running,
    user: User,
    t: Translator,
    answers: Answers | None = None,
    *,
    until: str | None = None,
    resume: bool = False,
) -> dict[str, list[Message]]:
    """Offer a place from the main menu (or go on from where the dialogue is, with `resume`): each step gets
    `answers[step]`, else `SIMPLE[step]`, else "Skip" if it is optional. Stops at the summary (not confirmed),
    or when step `until` is asked (not answered). Returns the bot's messages after each step's answers."""
    given = {**SIMPLE, **(answers or {})}
    said = {"": [] if resume else await user.press(t._("I offer a place"))}
    while (step := await step_of(bot, user.user_id)) not in (None, host_offer.SUMMARY, until):
        assert step is not None
        if step in given:
            value = given[step]
            said[step] = []
            for one in value if isinstance(value, tuple) else (value,):
                said[step] += await answer(user, t, one)
        elif STEPS[step].optional:
            said[step] = await user.send(t._("Skip"))
        else:
            raise AssertionError(f"the dialogue asks {step!r}, which is required: give an answer in SIMPLE")
        assert await step_of(bot, user.user_id) != step, f"{step!r} asked again: {texts(said[step])}"
    return said
