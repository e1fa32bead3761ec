"""Kinds of questions dialogues are made of: a choice, ticks, a number, a date, free text, a phone number."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from bot.chat import AskFor, Button, Incoming, Reply, esc
from bot.context import Ctx
from bot.domain import dates, validation
from bot.i18n import N_, Translator
from conversations.engine import Accepted, Invalid, Outcome, Stay, Step, button_data

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
            Button(ctx.t._(label), button_data(self.name, value)) for value, label in self.options.items()
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


def yes_no(name: str, question: str) -> Choice:
    return Choice(name, question, {"yes": N_("Yes"), "no": N_("No")}, per_row=2, as_bool=True)


class Ticks(Step):
    """Several answers: each tap ticks or unticks an option, "Done" moves on (none ticked is a valid answer)."""

    def __init__(self, name: str, question: str, options: Mapping[str, str], *, per_row: int = 2) -> None:
        self.name, self.question, self.options, self.per_row = name, question, options, per_row

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        ticked = set(answers.get(self.name) or [])
        buttons = [
            Button(("✅ " if value in ticked else "") + ctx.t._(label), button_data(self.name, value))
            for value, label in self.options.items()
        ]
        rows = [buttons[i : i + self.per_row] for i in range(0, len(buttons), self.per_row)]
        rows.append([Button(ctx.t._("Done"), button_data(self.name, DONE))])
        return Reply(ctx.t._(self.question), rows)

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        ticked = [value for value in self.options if value in (answers.get(self.name) or [])]
        if choice == DONE:
            return Accepted({self.name: ticked})
        if choice in self.options:
            ticked = [v for v in self.options if (v in ticked) != (v == choice)]
            return Stay({self.name: ticked})
        return Invalid(ctx.t._("Tap the options that apply, then “Done”."))


class Count(Step):
    """A whole number typed or tapped, within bounds."""

    def __init__(
        self, name: str, question: str, minimum: int, maximum: int, *, quick: tuple[int, ...] = (),
        at_most: Callable[[dict[str, Any]], int | None] | None = None,
    ) -> None:  # fmt: skip
        self.name, self.question, self.minimum, self.maximum, self.quick, self.at_most = (
            name, question, minimum, maximum, quick, at_most,
        )  # fmt: skip

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        rows = [[Button(str(n), button_data(self.name, str(n))) for n in self.quick]] if self.quick else []
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


class DateAnswer(Step):
    """A day typed as people write it (15/03, 15.03.2027, "dès maintenant", "через 2 тижні"…)."""

    def __init__(
        self, name: str, question: str, *, now_button: bool = False, open_ended: bool = False,
        not_before: str | None = None, followed_by: str | None = None,
    ) -> None:  # fmt: skip
        self.name, self.question, self.now_button, self.open_ended, self.not_before, self.followed_by = (
            name, question, now_button, open_ended, not_before, followed_by,
        )  # fmt: skip

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        buttons = []
        if self.now_button:
            buttons.append(Button(ctx.t._("From now"), button_data(self.name, "now")))
        if self.open_ended:
            buttons.append(Button(ctx.t._("No end date"), button_data(self.name, "open")))
        example = ctx.t._("For example: {numeric} or {words}.").format(
            numeric=ctx.today.replace(day=15).strftime("%d/%m"), words=ctx.t._("in 2 weeks")
        )
        return Reply(f"{ctx.t._(self.question)}\n<i>{esc(example)}</i>", [buttons] if buttons else [])

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        text = _typed_text(incoming)
        if (choice == "open" or (text and dates.parse_open_ended(text))) and self.open_ended:
            return Accepted({self.name: None})
        if choice == "now" and self.now_button:
            return Accepted({self.name: ctx.today.isoformat()})
        if text is None:
            return Invalid(ctx.t._("Please type a date, for example 15/03."))
        parsed = dates.parse_user_date(text, ctx.today)
        if isinstance(parsed, dates.DateError):
            return Invalid(ctx.t._(DATE_PROBLEMS[parsed]))
        if self.not_before is None:
            # An availability start in the past means "already available".
            return Accepted({self.name: dates.resolve_available_from(parsed, ctx.today).isoformat()})
        start = date.fromisoformat(answers[self.not_before]) if answers.get(self.not_before) else ctx.today
        problem = dates.check_period(start, parsed)
        if problem is not None:
            explanation = ctx.t._("It must come after {start}.").format(start=ctx.t.date(start))
            return Invalid(f"{ctx.t._(DATE_PROBLEMS[problem])} {explanation}")
        return Accepted({self.name: parsed.isoformat()})


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
            ctx.t._(self.question), [[Button(label, button_data(self.name, str(d))) for d, label in quick]]
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
            return Invalid(f"{ctx.t._(DATE_PROBLEMS[days])} {example}")
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
        phone = validation.parse_phone(text)
        if isinstance(phone, validation.PhoneError):
            example = ctx.t._("For example: 06 12 34 56 78.")
            return Invalid(f"{ctx.t._(PHONE_PROBLEMS[phone])} {example}")
        return Accepted({self.name: phone}, acknowledgement=ctx.t._("Phone number saved."))
