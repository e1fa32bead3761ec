"""The host's dialogue: declare an offer step by step, then confirm it on a summary card.

The same steps serve to change an existing offer: its answers are loaded, the host picks a field (or the dates),
and confirming the summary updates the offer instead of creating one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.callbacks import DialogueAnswer, RemovePhoto
from bot.cards import offer_card
from bot.chat import Button, Incoming, Reply, esc
from bot.context import Ctx
from bot.domain import offers as domain
from bot.geo.communes import Commune
from bot.i18n import N_
from conversations import engine
from conversations.engine import Accepted, GoTo, Invalid, Outcome, Stay, Step
from conversations.steps import (
    Choice,
    CommuneAnswer,
    Count,
    DateAnswer,
    Duration,
    FreeText,
    Phone,
    Ticks,
    commune_label,
    yes_no,
)  # fmt: skip
from storage import offers
from storage.models import Offer

NAME = "host_offer"
OFFER_ID = "_offer_id"  # set when the dialogue changes an existing offer

# Steps, in the order they are asked.
KIND = "kind"
COMMUNE = "commune"
ADDRESS = "address"
PEOPLE = "people"
BEDS = "beds"
BEDROOMS = "bedrooms"
WELCOME = "welcome"
AVAILABLE_FROM = "available_from"
AVAILABLE_UNTIL = "available_until"
MIN_STAY = "min_stay_days"
STEP_FREE = "step_free"
PETS = "pets"
CHILDREN = "children"
SMOKING = "smoking"
EQUIPMENT = "equipment"
TRANSPORT = "transport"
LANGUAGES = "languages"
COST = "cost"
COST_EUR = "cost_eur"
NOTES = "notes"
PHOTOS = "photos"
PHONE = "phone"
SUMMARY = "summary"
CHANGE_FIELD = "change_field"

COMMUNE_FIELDS = ("commune_insee", "commune_name", "departement", "latitude", "longitude")

# What the host may change from the summary, with the step that asks it.
CHANGEABLE = {
    KIND: N_("Kind of place"),
    COMMUNE: N_("Commune"),
    ADDRESS: N_("Address"),
    PEOPLE: N_("Number of people"),
    BEDS: N_("Beds"),
    BEDROOMS: N_("Bedrooms"),
    WELCOME: N_("Who can be welcomed"),
    AVAILABLE_FROM: N_("Dates"),
    MIN_STAY: N_("Minimum stay"),
    STEP_FREE: N_("Step-free access"),
    PETS: N_("Pets"),
    CHILDREN: N_("Children"),
    SMOKING: N_("Smoking"),
    EQUIPMENT: N_("Equipment"),
    TRANSPORT: N_("Getting around"),
    LANGUAGES: N_("Languages spoken"),
    COST: N_("Cost"),
    NOTES: N_("Notes"),
    PHOTOS: N_("Photos"),
    PHONE: N_("Phone number"),
}


class CommuneStep(CommuneAnswer):
    """Where the place is; the commune's code, name, département and centroid go into the offer."""

    name = COMMUNE

    def question(self, ctx: Ctx) -> str:
        return ctx.t._("In which commune is the place? Type its name or postal code, or share a location.")

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
        text = ctx.t._("You can send up to {n} photos of the place (optional).").format(n=domain.MAX_PHOTOS)
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
            if len(photos) >= domain.MAX_PHOTOS:
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


class OptionalAmount(Count):
    def applies(self, answers: dict[str, Any]) -> bool:
        return answers.get(COST) in ("charges", "rent")


class HostOffer(engine.Dialogue):
    name = NAME
    steps = (
        Choice(KIND, N_("What kind of place do you offer?"), domain.KINDS),
        CommuneStep(),
        FreeText(ADDRESS, N_("The exact address (optional). Only authorised social workers will see it."),
                 domain.MAX_ADDRESS, optional=True),
        Count(PEOPLE, N_("How many people can you welcome?"), 1, domain.MAX_PEOPLE, quick=(1, 2, 3, 4, 5, 6)),
        Count(BEDS, N_("How many beds?"), 1, domain.MAX_PEOPLE * 2, quick=(1, 2, 3, 4, 5, 6)),
        Count(BEDROOMS, N_("How many bedrooms?"), 0, domain.MAX_BEDROOMS, quick=(0, 1, 2, 3, 4)),
        Choice(WELCOME, N_("Who can you welcome?"), domain.WELCOME),
        DateAnswer(AVAILABLE_FROM, N_("From when is the place available?"), now_button=True,
                   followed_by=AVAILABLE_UNTIL),
        DateAnswer(AVAILABLE_UNTIL, N_("Until when? (or no end date)"), when="after", open_ended=True,
                   not_before=AVAILABLE_FROM,
                   followed_by=MIN_STAY),
        Duration(MIN_STAY, N_("Is there a minimum stay? (optional)"), optional=True,
                 period=(AVAILABLE_FROM, AVAILABLE_UNTIL)),
        Choice(STEP_FREE, N_("Is the place accessible without steps (wheelchair)?"), domain.STEP_FREE, per_row=2),
        yes_no(PETS, N_("Are pets accepted?")),
        yes_no(CHILDREN, N_("Are children welcome?")),
        yes_no(SMOKING, N_("Is smoking allowed?")),
        Ticks(EQUIPMENT, N_("What equipment is there? Tap all that apply, then “Done”."), domain.EQUIPMENT),
        Ticks(TRANSPORT, N_("Getting around: tap all that apply, then “Done”."), domain.TRANSPORT),
        Ticks(LANGUAGES, N_("Which languages do you speak? Tap all that apply, then “Done”."), domain.LANGUAGES),
        Choice(COST, N_("Does it cost anything for the people you welcome?"), domain.COSTS, followed_by=COST_EUR),
        OptionalAmount(COST_EUR, N_("How much per month, in euros?"), 1, domain.MAX_RENT_EUR),
        FreeText(NOTES, N_("Anything else to know (house rules, access…)? (optional)"), domain.MAX_NOTES,
                 optional=True),
        Photos(),
        Phone(PHONE, N_("A phone number for the social workers (optional). Only authorised social workers of "
                        "your département will see it.")),
        Summary(),
        ChangeField(),
    )  # fmt: skip

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        fields = offer_fields(answers)
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


def offer_fields(answers: dict[str, Any]) -> dict[str, Any]:
    """The offer's columns from the dialogue answers (dates travel as ISO strings in the saved answers)."""
    fields = {key: answers.get(key) for key in offers.EDITABLE}
    for key in (AVAILABLE_FROM, AVAILABLE_UNTIL):
        fields[key] = date.fromisoformat(answers[key]) if answers.get(key) else None
    for key in (EQUIPMENT, TRANSPORT, LANGUAGES):
        fields[key] = list(answers.get(key) or [])
    if answers.get(COST) == "free":
        fields[COST_EUR] = None
    return fields


def answers_from(offer: Offer, photos: list[str]) -> dict[str, Any]:
    answers: dict[str, Any] = {key: getattr(offer, key) for key in offers.EDITABLE}
    for key in (AVAILABLE_FROM, AVAILABLE_UNTIL):
        answers[key] = answers[key].isoformat() if answers[key] else None
    answers[COMMUNE] = offer.commune_insee
    answers[PHOTOS] = photos
    answers[OFFER_ID] = offer.id
    return answers


async def begin(ctx: Ctx) -> list[Reply]:
    intro = Reply(
        ctx.t._("Let's describe your offer. It takes about two minutes; /cancel stops at any time.")
    )
    return [intro, *await engine.begin(ctx, DIALOGUE)]


async def change(ctx: Ctx, offer: Offer, at: str) -> list[Reply]:
    """Change an existing offer from the question `at` (a field, or the list of fields)."""
    assert offer.id is not None
    answers = answers_from(offer, await offers.photos(ctx.session, offer.id))
    if at != CHANGE_FIELD:
        answers[engine.RETURN_TO] = SUMMARY
    return await engine.begin(ctx, DIALOGUE, answers, at=at)
