"""The host's dialogue: declare an offer step by step, then confirm it on a summary card.

The same steps serve to change an existing offer: its answers are loaded, the host picks a field (or the dates),
and confirming the summary updates the offer instead of creating one.
"""

from __future__ import annotations

from typing import Any

from bot.chat.callbacks import DialogueAnswer, RemovePhoto
from bot.chat.context import Ctx
from bot.chat.messages import Button, Incoming, Reply, esc
from bot.domain import offer_schema as schema
from bot.domain import offers as domain
from bot.features.casework.notices import new_visit_requests
from bot.features.hosting.cards import offer_card
from bot.geo.communes import Commune
from bot.geo.resolve import commune_label
from bot.i18n import N_
from bot.services.casework import request_new_visit
from conversations import engine
from conversations.engine import Accepted, GoTo, Invalid, Outcome, Stay, Step
from conversations.steps import (
    Amount,
    Choice,
    CommuneAnswer,
    Count,
    DateAnswer,
    Duration,
    FreeText,
    Phone,
    Ticks,
    yes_no,
)  # fmt: skip
from storage import offers
from storage.models import Offer

NAME = "host_offer"
OFFER_ID = "_offer_id"  # set when the dialogue changes an existing offer
NEW_VISIT = "_new_visit"  # set when the host changes a turned-down offer to ask for a new visit

# Step names: the facts' names (bot/domain/offer_schema.py), plus the dialogue's own steps.
KIND = schema.KIND.name
COMMUNE = schema.PLACE.name
AVAILABLE_FROM = schema.AVAILABLE_FROM.name
AVAILABLE_UNTIL = schema.AVAILABLE_UNTIL.name
MIN_STAY = schema.MIN_STAY.name
COST = schema.COST.name
COST_EUR = schema.COST_EUR.name
PEOPLE = schema.PEOPLE.name
BEDS = schema.BEDS.name
BEDS_CHECK = "beds_check"
PHOTOS = "photos"
SUMMARY = "summary"
CHANGE_FIELD = "change_field"

# A question that always goes with another one, even when the host changes only the first from the summary.
ASKED_WITH = {AVAILABLE_FROM: AVAILABLE_UNTIL, AVAILABLE_UNTIL: MIN_STAY, COST: COST_EUR, PEOPLE: BEDS_CHECK,
              BEDS: BEDS_CHECK}  # fmt: skip

# The host's photos are asked just before the phone number (the last fact).
FACTS_BEFORE_PHOTOS = tuple(fact for fact in schema.FACTS if fact is not schema.PHONE)

# What the host may change from the summary, with the step that asks it (followers come with their lead).
CHANGEABLE = {
    **{
        fact.name: N_("Dates") if fact is schema.AVAILABLE_FROM else fact.label
        for fact in FACTS_BEFORE_PHOTOS
        if fact.name not in (AVAILABLE_UNTIL, COST_EUR)
    },
    PHOTOS: N_("Photos"),
    schema.PHONE.name: schema.PHONE.label,
}


class CommuneStep(CommuneAnswer):
    """Where the place is; the commune's code, name, département and centroid go into the offer."""

    name = COMMUNE

    def question(self, ctx: Ctx) -> str:
        return ctx.t._(schema.PLACE.question)

    def chosen(self, ctx: Ctx, commune: Commune) -> Accepted:
        values: dict[str, Any] = {
            "commune_insee": commune.insee, "commune_name": commune.name, "departement": commune.departement,
            "latitude": commune.lat, "longitude": commune.lon, COMMUNE: commune.insee,
        }  # fmt: skip
        return Accepted(values, acknowledgement=f"📍 {esc(commune_label(commune))}")


class Photos(Step):
    """Up to a few photos, sent one by one; each can be removed again."""

    name = PHOTOS
    optional = True

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        photos = answers.get(PHOTOS) or []
        text = ctx.t._("You can send up to {n} photos of the place (optional).").format(n=schema.MAX_PHOTOS)
        if photos:
            count = ctx.t.n_("{n} photo received.", "{n} photos received.", len(photos)).format(n=len(photos))
            text += "\n" + count
        rows = [
            [
                Button(
                    ctx.t._("Remove photo {n}").format(n=i + 1),
                    DialogueAnswer(PHOTOS, RemovePhoto(i).encode()),
                )
            ]
            for i in range(len(photos))
        ]
        rows.append([Button(ctx.t._("Done"), DialogueAnswer(PHOTOS, "-done"))])
        return Reply(text, rows)

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        photos = list(answers.get(PHOTOS) or [])
        if choice == "-done":
            return Accepted({PHOTOS: photos})
        removed = RemovePhoto.decode(choice)
        if removed is not None and removed.index < len(photos):
            del photos[removed.index]
            return Stay({PHOTOS: photos})
        if incoming.photo_id is not None:
            if len(photos) >= schema.MAX_PHOTOS:
                return Invalid(ctx.t._("That is the maximum number of photos. Tap “Done” to continue."))
            return Stay({PHOTOS: [*photos, incoming.photo_id]})
        return Invalid(ctx.t._("Please send a photo, or tap “Done”."))


class Summary(Step):
    name = SUMMARY

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        heading = (
            ctx.t._("Please check your offer:")
            if not answers.get(OFFER_ID)
            else ctx.t._("Your offer, changed:")
        )
        photos = len(answers.get(PHOTOS) or [])
        photo_line = ctx.t.n_("{n} photo", "{n} photos", photos).format(n=photos)
        buttons = [
            [Button(ctx.t._("Confirm"), DialogueAnswer(SUMMARY, "confirm"))],
            [Button(ctx.t._("Change a field"), DialogueAnswer(SUMMARY, "change"))],
        ]
        return Reply(f"{heading}\n\n{offer_card(ctx.t, answers)}\n📷 {photo_line}", buttons)

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        if choice == "confirm":
            return Accepted({SUMMARY: True})
        if choice == "change":
            return GoTo(CHANGE_FIELD)
        return Invalid(ctx.t._("Please choose one of the buttons."))


class ChangeField(Step):
    """Reached only from the summary: which answer to change."""

    name = CHANGE_FIELD

    def applies(self, answers: dict[str, Any]) -> bool:
        return False

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        buttons = [
            Button(ctx.t._(label), DialogueAnswer(CHANGE_FIELD, step)) for step, label in CHANGEABLE.items()
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([Button(ctx.t._("Back to the summary"), DialogueAnswer(CHANGE_FIELD, SUMMARY))])
        return Reply(ctx.t._("Which answer do you want to change?"), rows)

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        if choice == SUMMARY:
            return GoTo(SUMMARY)
        if choice in CHANGEABLE:
            return GoTo(choice, return_to=SUMMARY)
        return Invalid(ctx.t._("Please choose one of the buttons."))


class BedsCheck(Step):
    """Fewer beds than people is possible (a baby's cot, a couple's bed) but often a slip: the host confirms it
    for these numbers, or changes one of them."""

    name = BEDS_CHECK

    def applies(self, answers: dict[str, Any]) -> bool:
        people, beds = answers.get(PEOPLE), answers.get(BEDS)
        return (
            people is not None
            and beds is not None
            and beds < people
            and answers.get(BEDS_CHECK) != [people, beds]
        )

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        t = ctx.t
        people, beds = answers[PEOPLE], answers[BEDS]
        question = t._("{people} for {beds}: is that right?").format(
            people=t.n_("{n} person", "{n} people", people).format(n=people),
            beds=t.n_("{n} bed", "{n} beds", beds).format(n=beds),
        )
        return Reply(question, [
            [Button(t._("Yes, that's right"), DialogueAnswer(BEDS_CHECK, "yes"))],
            [Button(t._("Change the number of people"), DialogueAnswer(BEDS_CHECK, PEOPLE)),
             Button(t._("Change the number of beds"), DialogueAnswer(BEDS_CHECK, BEDS))],
        ])  # fmt: skip

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        if choice == "yes":
            return Accepted({BEDS_CHECK: [answers[PEOPLE], answers[BEDS]]})
        if choice in (PEOPLE, BEDS):
            return GoTo(choice)
        return Invalid(ctx.t._("Please choose one of the buttons."))


class OptionalAmount(Amount):
    def applies(self, answers: dict[str, Any]) -> bool:
        return answers.get(COST) in schema.PAYING


def step_for(fact: schema.Fact) -> Step:
    """The question that asks a fact, by its kind; a "Skip" button when the schema says it is optional."""
    step = _question_for(fact)
    step.optional = fact.optional
    return step


def _question_for(fact: schema.Fact) -> Step:
    follower = ASKED_WITH.get(fact.name)
    if isinstance(fact, schema.Place):
        return CommuneStep()
    if isinstance(fact, schema.Choice):
        return Choice(fact.name, fact.question, fact.options, per_row=fact.per_row, followed_by=follower)
    if isinstance(fact, schema.YesNo):
        return yes_no(fact.name, fact.question)
    if isinstance(fact, schema.Days):
        return Duration(
            fact.name, fact.question, optional=fact.optional, period=(AVAILABLE_FROM, AVAILABLE_UNTIL)
        )
    if isinstance(fact, schema.Amount):
        return OptionalAmount(fact.name, fact.question, fact.minimum, fact.maximum)
    if isinstance(fact, schema.Count):
        return Count(
            fact.name, fact.question, fact.minimum, fact.maximum, quick=fact.quick, followed_by=follower
        )
    if isinstance(fact, schema.Ticks):
        return Ticks(fact.name, fact.question, fact.options)
    if isinstance(fact, schema.Phone):
        return Phone(fact.name, fact.question, optional=fact.optional)
    if isinstance(fact, schema.Text):
        return FreeText(fact.name, fact.question, fact.max_length, optional=fact.optional)
    if isinstance(fact, schema.Day) and fact.open_ended:
        return DateAnswer(fact.name, fact.question, when="after", open_ended=True, not_before=AVAILABLE_FROM,
                          followed_by=follower)  # fmt: skip
    if isinstance(fact, schema.Day):
        return DateAnswer(fact.name, fact.question, now_button=True, followed_by=follower)
    raise TypeError(f"no question for {fact!r}")


class HostOffer(engine.Dialogue):
    name = NAME
    steps = (
        *(
            step
            for fact in FACTS_BEFORE_PHOTOS
            for step in (step_for(fact), *([BedsCheck()] if fact is schema.BEDS else []))
        ),
        Photos(),
        step_for(schema.PHONE),
        Summary(),
        ChangeField(),
    )

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        fields = schema.stated_facts(answers)
        problems = domain.check_offer(fields)
        if problems:
            # Cannot happen through the steps; kept as a guard so a bad offer is never stored.
            raise ValueError(f"incomplete offer: {problems}")
        photos = list(answers.get(PHOTOS) or [])
        if answers.get(OFFER_ID):
            offer = await offers.of_host_by_id(ctx.session, ctx.user_id, int(answers[OFFER_ID]))
            if offer is None:
                return [Reply(ctx.t._("This offer no longer exists."))]
            await offers.update(ctx.session, offer, ctx.user_id, fields, ctx.now)
            assert offer.id is not None
            if photos != await offers.photos(ctx.session, offer.id):
                await offers.replace_photos(ctx.session, offer.id, photos)
                await offers.record(ctx.session, offer.id, ctx.user_id, "photos", ctx.now, count=len(photos))
            if answers.get(NEW_VISIT) and offer.qualification == domain.Qualification.TURNED_DOWN:
                return await _ask_new_visit(ctx, offer)
            return [Reply(ctx.t._("Your offer is updated."), remove_keyboard=True)]
        await offers.create(ctx.session, ctx.user_id, fields, photos, ctx.now)
        return [
            Reply(
                ctx.t._(
                    "Thank you! Your offer is now visible to the social workers of the département. "
                    "They may contact you. See and update it at any time with /myoffers."
                ),
                remove_keyboard=True,
            )
        ]


DIALOGUE = HostOffer()


async def _ask_new_visit(ctx: Ctx, offer: Offer) -> list[Reply]:
    recipients = await request_new_visit(ctx.session, offer, ctx.now)
    done = ctx.t._("Your offer is updated. The association is asked to visit it again; it will contact you.")
    return [Reply(done, remove_keyboard=True), *await new_visit_requests(ctx.session, offer, recipients)]


def answers_from(offer: Offer, photos: list[str]) -> dict[str, Any]:
    """The dialogue's answers for an existing offer (dates as ISO text, as saved answers hold them)."""
    answers: dict[str, Any] = {column: getattr(offer, column) for column in schema.COLUMNS}
    for key in schema.DAYS:
        answers[key] = answers[key].isoformat() if answers[key] else None
    answers[COMMUNE] = offer.commune_insee
    answers[PHOTOS] = photos
    answers[OFFER_ID] = offer.id
    answers[BEDS_CHECK] = [offer.people, offer.beds]  # as stored: asked again only if the host changes them
    return answers


async def begin(ctx: Ctx) -> list[Reply]:
    intro = Reply(
        ctx.t._("Let's describe your offer. It takes about two minutes; /cancel stops at any time.")
    )
    return [intro, *await engine.begin(ctx, DIALOGUE)]


async def change(ctx: Ctx, offer: Offer, at: str, *, new_visit: bool = False) -> list[Reply]:
    """Change an existing offer from the question `at` (a field, or the list of fields); `new_visit`: the host
    changes a turned-down offer and asks for a new visit once the change is confirmed."""
    assert offer.id is not None
    answers = answers_from(offer, await offers.photos(ctx.session, offer.id))
    answers[NEW_VISIT] = new_visit
    if at != CHANGE_FIELD:
        answers[engine.RETURN_TO] = SUMMARY
    return await engine.begin(ctx, DIALOGUE, answers, at=at)
