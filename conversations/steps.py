"""Kinds of questions dialogues are made of: a choice, ticks, a number, a date, free text, a phone number."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP
from typing import Any

from bot.chat.callbacks import DialogueAnswer
from bot.chat.context import Ctx
from bot.chat.messages import AskFor, Button, Incoming, Reply, esc
from bot.domain import dates, validation
from bot.geo.communes import Commune, load_communes
from bot.geo.resolve import commune_label, load_resolver
from bot.i18n import N_, Translator
from conversations.engine import Accepted, Invalid, Outcome, Stay, Step

DONE = "-done"

DATE_PROBLEMS = {
    dates.DateError.UNREADABLE: N_("I could not read this date."),
    dates.DateError.NOT_A_DAY: N_("This day does not exist in the calendar."),
    dates.DateError.TOO_FAR: N_("This date is more than three years away."),
    dates.DateError.PAST: N_("This date is in the past."),
    dates.DateError.END_BEFORE_START: N_("The end cannot be before the start."),
    dates.DateError.END_SAME_AS_START: N_("The end must be at least one day after the start."),
    dates.DateError.NOT_POSITIVE: N_("The duration must be at least one day."),
}
DURATION_PROBLEMS = {  # parse_duration_days gives no other error
    dates.DateError.UNREADABLE: N_("I could not read this duration."),
    dates.DateError.NOT_POSITIVE: N_("The duration must be at least one day."),
    dates.DateError.TOO_FAR: N_("This is longer than three years."),
}
NUMBER_PROBLEMS = {
    validation.NumberError.NOT_A_NUMBER: N_("Please answer with a number."),
    validation.NumberError.NEGATIVE: N_("The number cannot be negative."),
    validation.NumberError.NOT_WHOLE: N_("Please give a whole number."),
    validation.NumberError.TOO_SMALL: N_("This number is too small."),
    validation.NumberError.TOO_LARGE: N_("This number is too large."),
}
TEXT_PROBLEMS = {
    validation.TextError.EMPTY: N_("The answer is empty."),
    validation.TextError.TOO_LONG: N_("The answer is too long."),
    validation.TextError.TOO_SHORT: N_("The answer is too short."),
    validation.TextError.NO_WORDS: N_("Please write words, not only symbols."),
}
PHONE_PROBLEMS = {error: N_("This does not look like a phone number.") for error in validation.PhoneError}


def use_buttons(t: Translator) -> Invalid:
    return Invalid(t._("Please choose one of the buttons."))


def _typed_text(incoming: Incoming) -> str | None:
    """The text of an ordinary message (commands and button presses are not answers to type)."""
    if incoming.text is None or incoming.command is not None:
        return None
    return incoming.text


def _matching_label(ctx: Ctx, options: Mapping[str, str], text: str) -> str | None:
    """Lets people type a choice instead of tapping it (e.g. "oui", "Так")."""
    wanted = text.strip().casefold()
    for value, label in options.items():
        if wanted in (ctx.t._(label).casefold(), value.casefold()):
            return value
    return None


class Choice(Step):
    """One answer among buttons; the stored value is the option's key."""

    def __init__(
        self, name: str, question: str, options: Mapping[str, str], *, per_row: int = 1, as_bool: bool = False,
        followed_by: str | None = None,
    ) -> None:  # fmt: skip
        self.name, self.question, self.options, self.per_row, self.as_bool, self.followed_by = (
            name, question, options, per_row, as_bool, followed_by,
        )  # fmt: skip

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        buttons = [
            Button(ctx.t._(label), DialogueAnswer(self.name, value)) for value, label in self.options.items()
        ]
        rows = [buttons[i : i + self.per_row] for i in range(0, len(buttons), self.per_row)]
        return Reply(ctx.t._(self.question), rows)

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        text = _typed_text(incoming)
        value = (
            choice if choice in self.options else (_matching_label(ctx, self.options, text) if text else None)
        )
        if value is None:
            return use_buttons(ctx.t)
        return Accepted({self.name: value == "yes" if self.as_bool else value})


TERRITORY = "_territory"  # the départements the user may choose from, set when the dialogue begins


class Departement(Step):
    """One of the user's départements (not asked when there is only one: the dialogue sets it at the start)."""

    def __init__(self, name: str, question: str) -> None:
        self.name, self.question = name, question

    def applies(self, answers: dict[str, Any]) -> bool:
        return len(answers.get(TERRITORY) or []) > 1

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        names = load_communes()
        buttons = [
            [Button(f"{code} — {names.departement_name(code)}", DialogueAnswer(self.name, code))]
            for code in answers.get(TERRITORY) or []
        ]
        return Reply(ctx.t._(self.question), buttons)

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        typed = validation.normalise_departement(_typed_text(incoming) or "")
        value = choice or typed
        if value not in (answers.get(TERRITORY) or []):
            return use_buttons(ctx.t)
        return Accepted({self.name: value})


def with_territory(answers: dict[str, Any], territory: frozenset[str], key: str) -> dict[str, Any]:
    """Answers for a dialogue that asks for one of these départements (answered already if only one)."""
    answers = {**answers, TERRITORY: sorted(territory)}
    if len(territory) == 1:
        answers[key] = next(iter(territory))
    return answers


def _as_button(label: str) -> str:
    """A button starts with a capital ("ukrainien" mid-sentence in French, "Ukrainien" on its button)."""
    return label[:1].upper() + label[1:]


def yes_no(name: str, question: str) -> Choice:
    return Choice(name, question, {"yes": N_("Yes"), "no": N_("No")}, per_row=2, as_bool=True)


class Ticks(Step):
    """Several answers: each tap ticks or unticks an option, "Done" moves on (none ticked is a valid answer,
    unless `at_least_one`). Options are fixed, or read from the answers (`options_from`: a key holding a list
    of values shown as they are, e.g. the départements a coordinator may choose from)."""

    def __init__(
        self, name: str, question: str, options: Mapping[str, str] | None = None, *, per_row: int = 2,
        options_from: str | None = None, at_least_one: bool = False,
    ) -> None:  # fmt: skip
        self.name, self.question, self.per_row = name, question, per_row
        self.fixed, self.options_from, self.at_least_one = options or {}, options_from, at_least_one

    def options(self, answers: dict[str, Any]) -> Mapping[str, str]:
        if self.options_from is not None:
            return {str(value): str(value) for value in answers.get(self.options_from) or []}
        return self.fixed

    def applies(self, answers: dict[str, Any]) -> bool:
        return self.options_from is None or len(answers.get(self.options_from) or []) > 1

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        ticked = set(answers.get(self.name) or [])
        translate = self.options_from is None
        buttons = [
            Button(("✅ " if value in ticked else "") + _as_button(ctx.t._(label) if translate else label),
                   DialogueAnswer(self.name, value))
            for value, label in self.options(answers).items()
        ]  # fmt: skip
        rows = [buttons[i : i + self.per_row] for i in range(0, len(buttons), self.per_row)]
        rows.append([Button(ctx.t._("Done"), DialogueAnswer(self.name, DONE))])
        return Reply(ctx.t._(self.question), rows)

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        options = self.options(answers)
        ticked = [value for value in options if value in (answers.get(self.name) or [])]
        if choice == DONE:
            if self.at_least_one and not ticked:
                return Invalid(ctx.t._("Tick at least one option, then “Done”."))
            return Accepted({self.name: ticked})
        if choice in options:
            ticked = [v for v in options if (v in ticked) != (v == choice)]
            return Stay({self.name: ticked})
        return Invalid(ctx.t._("Tap the options that apply, then “Done”."))


class Count(Step):
    """A whole number typed or tapped, within bounds."""

    def __init__(
        self, name: str, question: str, minimum: int, maximum: int, *, quick: tuple[int, ...] = (),
        followed_by: str | None = None,
    ) -> None:  # fmt: skip
        self.name, self.question, self.minimum, self.maximum, self.quick = (
            name,
            question,
            minimum,
            maximum,
            quick,
        )
        self.followed_by = followed_by

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        rows = [[Button(str(n), DialogueAnswer(self.name, str(n))) for n in self.quick]] if self.quick else []
        return Reply(ctx.t._(self.question), rows)

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        text = choice if choice is not None else _typed_text(incoming)
        if text is None:
            return Invalid(ctx.t._("Please answer with a number, for example 3."))
        value = validation.parse_count(text, self.minimum, self.maximum)
        if isinstance(value, validation.NumberError):
            bounds = ctx.t._(
                "Please give a number from {minimum} to {maximum}, for example {example}."
            ).format(
                minimum=self.minimum, maximum=self.maximum, example=min(max(self.minimum, 2), self.maximum)
            )
            return Invalid(f"{ctx.t._(NUMBER_PROBLEMS[value])} {bounds}")
        return Accepted({self.name: value})


class Radius(Step):
    """A distance in km around the commune answered at `around` (asked only when there is one); "No limit"
    keeps every distance, nearest first."""

    CHOICES = (10, 20, 50, 100)

    def __init__(self, name: str, *, around: str) -> None:
        self.name, self.around = name, around

    def applies(self, answers: dict[str, Any]) -> bool:
        return bool(answers.get(self.around))

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        buttons = [Button(f"{km} km", DialogueAnswer(self.name, str(km))) for km in self.CHOICES]
        return Reply(ctx.t._("Within how many kilometres?"),
                     [buttons, [Button(ctx.t._("No limit (nearest first)"), DialogueAnswer(self.name, "0"))]])  # fmt: skip

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        text = choice if choice is not None else (_typed_text(incoming) or "").lower().replace("km", "")
        km = validation.parse_count(text, 0, 300)
        if isinstance(km, validation.NumberError):
            return Invalid(ctx.t._("Please give a distance from 1 to 300 km, for example 20."))
        return Accepted({self.name: km or None})


def day_month(t: Translator, day: date) -> str:
    """A day as an example to type, the way this language writes it: 15/03 in French, 15.03 in Ukrainian."""
    return t._("{day}/{month}").format(day=f"{day.day:02d}", month=f"{day.month:02d}")


class Amount(Count):
    """Whole euros typed as people write them ("350", "350 €", "50 euros", "cinquante"); cents are rounded."""

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        text = choice if choice is not None else _typed_text(incoming)
        parsed = validation.parse_amount_eur(text or "")
        if isinstance(parsed, validation.NumberError):
            problem = parsed
        else:
            euros = int(parsed.to_integral_value(ROUND_HALF_UP))
            if self.minimum <= euros <= self.maximum:
                return Accepted({self.name: euros})
            problem = (
                validation.NumberError.TOO_SMALL if euros < self.minimum else validation.NumberError.TOO_LARGE
            )
        bounds = ctx.t._("Please give an amount in euros from {minimum} to {maximum}, for example {example}.")
        example = min(max(self.minimum, 350), self.maximum)
        return Invalid(
            f"{ctx.t._(NUMBER_PROBLEMS[problem])} "
            + bounds.format(minimum=self.minimum, maximum=self.maximum, example=example)
        )


class DateAnswer(Step):
    """A day typed as people write it (15/03, 15.03.2027, "dès maintenant", "через 2 тижні"…), echoed back.

    `when` says which days make sense: "start" (a day in the past means today: already available),
    "after" (strictly after the day answered at `not_before`, or today; "3 mois" counts from that day),
    "past" (today or before: a visit; 15/11 is the last 15 November), "any" (a day recorded late or ahead,
    such as an arrival).
    """

    def __init__(
        self, name: str, question: str, *, when: str = "start", now_button: bool = False,
        open_ended: bool = False, not_before: str | None = None, followed_by: str | None = None,
    ) -> None:  # fmt: skip
        self.name, self.question, self.when, self.now_button, self.open_ended = (
            name, question, when, now_button, open_ended,
        )  # fmt: skip
        self.not_before, self.followed_by = not_before, followed_by

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        buttons = []
        if self.now_button:
            # "From now" only where a day is the start of something; a departure or a visit happens today.
            label = ctx.t._("From now") if self.when == "start" else ctx.t._("Today")
            buttons.append(Button(label, DialogueAnswer(self.name, "now")))
        if self.open_ended:
            buttons.append(Button(ctx.t._("No end date"), DialogueAnswer(self.name, "open")))
        past = self.when == "past"
        example = ctx.t._("For example: {numeric} or {words}.").format(
            numeric=day_month(ctx.t, ctx.today - timedelta(days=7) if past else ctx.today.replace(day=15)),
            words=ctx.t._("yesterday") if past else ctx.t._("in 2 weeks"),
        )
        return Reply(f"{ctx.t._(self.question)}\n<i>{esc(example)}</i>", [buttons] if buttons else [])

    def _start(self, ctx: Ctx, answers: dict[str, Any]) -> date:
        """The day an answer must come after ("after"), and that "3 mois" counts from."""
        if self.not_before and answers.get(self.not_before):
            return date.fromisoformat(answers[self.not_before])
        return ctx.today

    def _accepted(self, ctx: Ctx, answers: dict[str, Any], day: date | None) -> Accepted:
        """The answer, echoed as understood: "→ du 7 décembre 2026 au 7 mars 2027"."""
        t = ctx.t
        if self.when == "after":
            start = t.date(self._start(ctx, answers))
            understood = (
                t._("from {start}, no end date").format(start=start)
                if day is None
                else t._("from {start} to {end}").format(start=start, end=t.date(day))
            )
        elif day is None:
            understood = t._("No end date")
        elif self.when == "start":
            understood = t._("from {date}").format(date=t.date(day))
        else:
            understood = t.date(day)
        return Accepted(
            {self.name: None if day is None else day.isoformat()}, acknowledgement=f"→ {esc(understood)}"
        )

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        text = _typed_text(incoming)
        if (choice == "open" or (text and dates.parse_open_ended(text))) and self.open_ended:
            return self._accepted(ctx, answers, None)
        if choice == "now" and self.now_button:
            return self._accepted(ctx, answers, ctx.today)
        if text is None:
            example = day_month(ctx.t, ctx.today.replace(day=15))
            return Invalid(ctx.t._("Please type a date, for example {example}.").format(example=example))
        start = self._start(ctx, answers)
        parsed = dates.parse_user_date(
            text,
            ctx.today,
            relative_to=start if self.when == "after" else None,
            in_the_past=self.when == "past",
        )
        if isinstance(parsed, dates.DateError):
            return Invalid(ctx.t._(DATE_PROBLEMS[parsed]))
        if self.when == "start":
            return self._accepted(ctx, answers, dates.resolve_available_from(parsed, ctx.today))
        if self.when == "past" and parsed > ctx.today:
            return Invalid(ctx.t._("The date cannot be in the future: give today or an earlier day."))
        if self.when == "after":
            problem = dates.check_period(start, parsed)
            if problem is not None:
                explanation = ctx.t._("It must come after {start}.").format(start=ctx.t.date(start))
                return Invalid(f"{ctx.t._(DATE_PROBLEMS[problem])} {explanation}")
        return self._accepted(ctx, answers, parsed)


class Duration(Step):
    """A length of stay in days ("3 mois", "2 тижні", "90")."""

    def __init__(
        self, name: str, question: str, *, optional: bool = False, period: tuple[str, str] | None = None
    ) -> None:
        # `period`: the answers holding the start and end of availability, which a stay cannot exceed.
        self.name, self.question, self.optional, self.period = name, question, optional, period

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        quick = [(30, ctx.t._("1 month")), (90, ctx.t._("3 months")), (180, ctx.t._("6 months"))]
        return Reply(
            ctx.t._(self.question), [[Button(label, DialogueAnswer(self.name, str(d))) for d, label in quick]]
        )

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        text = choice if choice is not None else _typed_text(incoming)
        if text is None:
            return Invalid(ctx.t._("Please type a duration, for example “3 months”."))
        days = dates.parse_duration_days(text)
        if isinstance(days, dates.DateError):
            example = ctx.t._("For example: 3 months, 6 weeks or 90 days.")
            problem = DURATION_PROBLEMS.get(days, DURATION_PROBLEMS[dates.DateError.UNREADABLE])
            return Invalid(f"{ctx.t._(problem)} {example}")
        if self.period is not None and answers.get(self.period[0]) and answers.get(self.period[1]):
            start, end = (date.fromisoformat(answers[key]) for key in self.period)
            if days > (end - start).days:
                available = ctx.t.n_("{n} day", "{n} days", (end - start).days).format(n=(end - start).days)
                return Invalid(
                    ctx.t._("This is longer than the place is available ({days}).").format(days=available)
                )
        return Accepted({self.name: days})


class FreeText(Step):
    """Free text, cleaned and bounded; shown to others only escaped."""

    def __init__(self, name: str, question: str, max_length: int, *, optional: bool = False) -> None:
        self.name, self.question, self.max_length, self.optional = name, question, max_length, optional

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        return Reply(ctx.t._(self.question))

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        text = _typed_text(incoming)
        if text is None:
            return Invalid(ctx.t._("Please answer with a text message."))
        cleaned = validation.clean_free_text(text, self.max_length)
        if isinstance(cleaned, validation.TextError):
            limit = ctx.t.n_("At most {n} character.", "At most {n} characters.", self.max_length)
            return Invalid(f"{ctx.t._(TEXT_PROBLEMS[cleaned])} {limit.format(n=self.max_length)}")
        return Accepted({self.name: cleaned})


class Phone(Step):
    """A phone number shared with Telegram's contact button, or typed."""

    def __init__(self, name: str, question: str, *, optional: bool = True) -> None:
        self.name, self.question, self.optional = name, question, optional

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        return Reply(ctx.t._(self.question), ask_for=[AskFor(ctx.t._("Share my phone number"), "contact")])

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        if incoming.contact_phone is not None and not incoming.contact_is_own:
            return Invalid(ctx.t._("Please share your own number with the button below, or type it."))
        text = incoming.contact_phone or _typed_text(incoming)
        if text is None:
            return Invalid(
                ctx.t._("Please use the button below, or type your number, for example 06 12 34 56 78.")
            )
        phone = validation.parse_phone(text, ctx.t.language)
        if isinstance(phone, validation.PhoneError):
            example = ctx.t._("For example: 06 12 34 56 78.")
            return Invalid(f"{ctx.t._(PHONE_PROBLEMS[phone])} {example}")
        return Accepted({self.name: phone}, acknowledgement=ctx.t._("Phone number saved."))


PENDING_COMMUNES = "_commune_candidates"
ALIKE = "_communes_alike"  # the candidates only sound like what was typed


class CommuneAnswer(Step):
    """A commune typed by name or postal code, or a location pin; ambiguous names offer the candidates.
    Subclasses say what to ask and what to keep of the chosen commune; they may offer other buttons."""

    def question(self, ctx: Ctx) -> str:
        raise NotImplementedError

    def chosen(self, ctx: Ctx, commune: Commune) -> Accepted:
        raise NotImplementedError

    def other_buttons(self, ctx: Ctx, answers: dict[str, Any]) -> list[list[Button]]:
        return []

    def other_choice(self, ctx: Ctx, answers: dict[str, Any], choice: str) -> Outcome | None:
        return None

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        resolver = load_resolver()
        candidates = [c for code in answers.get(PENDING_COMMUNES) or [] if (c := resolver.by_insee(code))]
        if candidates:
            buttons = [[Button(commune_label(c), DialogueAnswer(self.name, c.insee))] for c in candidates]
            if answers.get(ALIKE):
                return Reply(ctx.t._("I do not know this commune. Did you mean one of these? (or type it again)"),
                             buttons)  # fmt: skip
            return Reply(ctx.t._("Several communes match. Which one?"), buttons)
        example = ctx.t._("For example: Nantes, 44000 or Saint-Denis 93.")
        text = f"{self.question(ctx)}\n<i>{esc(example)}</i>"
        other = self.other_buttons(ctx, answers)
        if other:
            return Reply(text, other)
        return Reply(text, ask_for=[AskFor(ctx.t._("Share a location"), "location")])

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        resolver = load_resolver()
        if choice is not None:
            other = self.other_choice(ctx, answers, choice)
            if other is not None:
                return _without_candidates(other)
            picked = resolver.by_insee(choice)
            return _without_candidates(self.chosen(ctx, picked)) if picked else use_buttons(ctx.t)
        if incoming.location is not None:
            nearest = resolver.at(*incoming.location)
            if nearest is None:
                return Invalid(ctx.t._("This location is not in France. Please type the commune instead."))
            return _without_candidates(self.chosen(ctx, nearest))
        text = _typed_text(incoming)
        if not text or not text.strip():
            return Invalid(ctx.t._("Please type the name or the postal code of the commune."))
        found = resolver.resolve(text[:100])
        if found.commune is not None and not found.approximate:
            return _without_candidates(self.chosen(ctx, found.commune))
        alike = [found.commune] if found.commune else list(found.candidates)
        if not alike:
            return Invalid(
                ctx.t._("I do not know this commune. Check the spelling, or type its postal code.")
            )
        return Stay({PENDING_COMMUNES: [c.insee for c in alike], ALIKE: found.approximate})


def _without_candidates(outcome: Outcome) -> Outcome:
    if isinstance(outcome, Accepted):
        return Accepted({PENDING_COMMUNES: None, ALIKE: None, **outcome.values}, outcome.acknowledgement)
    return outcome
