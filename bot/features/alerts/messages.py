"""What each kind of alert says, in its recipient's language, with the buttons to answer it.

An alert is rendered when it is sent, not when it is recorded: if what it announced no longer holds (the stay
ended, the end date moved, the offer was confirmed meanwhile), `render` gives None and nothing is sent.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.callbacks import OfferEnd, PlacementAlert, StayEnd
from bot.chat.messages import Button, Reply, esc
from bot.domain import reminders
from bot.domain.casework import PlacementStatus
from bot.domain.offers import OPEN_TO_HOSTING, Status
from bot.features.coordination.settings import digest_text
from bot.features.hosting.cards import people
from bot.features.hosting.offers import still_available_question
from bot.i18n import Translator, translator
from storage import users
from storage.models import Alert, Household, Offer, Placement


async def render(session: AsyncSession, alert: Alert, now: datetime) -> Reply | None:
    """The message for this alert in the recipient's language; None if what it announced no longer holds."""
    recipient = await users.find(session, alert.recipient_id)
    t = translator(recipient.language if recipient else None)
    late = reminders.is_late(alert.due_at, now)
    if alert.kind in (reminders.PLACEMENT_END, reminders.HOST_END):
        placement = await session.get(Placement, alert.placement_id)
        if placement is None or placement.status != PlacementStatus.ACTIVE or placement.planned_end is None:
            return None
        if f":{placement.planned_end.isoformat()}:" not in alert.key:
            return None  # the end date changed since: the new date has its own alerts
        household = await session.get(Household, placement.household_id)
        offer = await session.get(Offer, placement.offer_id)
        assert household is not None and offer is not None
        reply = (placement_alert if alert.kind == reminders.PLACEMENT_END else host_question)(
            t, placement, household, offer, reminders.paris_day(now)
        )
    elif alert.kind == reminders.OFFER_END:
        offer = await session.get(Offer, alert.offer_id)
        if offer is None or offer.status not in OPEN_TO_HOSTING or offer.available_until is None:
            return None
        if not alert.key.endswith(offer.available_until.isoformat()):
            return None
        reply = offer_end_question(t, offer, reminders.paris_day(now))
    elif alert.kind == reminders.FRESHNESS:
        offer = await session.get(Offer, alert.offer_id)
        if (
            offer is None
            or offer.status != Status.AVAILABLE
            or not alert.key.endswith(offer.last_confirmed_at.isoformat())
        ):
            return None  # confirmed, paused or withdrawn meanwhile
        reply = still_available_question(t, offer)
    else:
        reply = Reply(await digest_text(session, t, alert.recipient_id, now))
    if late:
        reply.text = t._("(Sent late: the bot was unavailable at the planned time.)") + "\n" + reply.text
    return reply


def placement_alert(
    t: Translator, placement: Placement, household: Household, offer: Offer, today: date
) -> Reply:
    assert placement.planned_end is not None
    left = (placement.planned_end - today).days
    host = (
        t._('host: <a href="tg://user?id={id}">on Telegram</a>').format(id=offer.host_id)
        if offer.host_id
        else t._("managed by: {organisation}").format(organisation=esc(offer.managed_by or "—"))
    )
    text = "\n".join(
        [
            "⏰ " + t.n_("A placement ends in {n} day", "A placement ends in {n} days", left).format(n=left),
            t._("Household {reference} ({people})").format(
                reference=esc(household.reference), people=people(t, household.adults + household.children)),
            t._("Place #{offer}, {commune} ({departement}), {host}").format(
                offer=offer.id, commune=esc(offer.commune_name), departement=offer.departement, host=host),
            t._("Planned end: {date}").format(date=t.date(placement.planned_end)),
        ]
    )  # fmt: skip
    assert placement.id is not None
    buttons = [
        [Button(t._("Rehousing found"), PlacementAlert("rehoused", placement.id)),
         Button(t._("Extend until…"), PlacementAlert("extend", placement.id))],
        [Button(t._("Open placement"), PlacementAlert("open", placement.id))],
    ]  # fmt: skip
    return Reply(text, buttons)


def host_question(
    t: Translator, placement: Placement, household: Household, offer: Offer, today: date
) -> Reply:
    assert placement.planned_end is not None
    text = t._("Does the stay in your place #{offer} end as planned on {date}?").format(
        offer=offer.id, date=t.date(placement.planned_end)
    )
    assert placement.id is not None
    buttons = [
        [Button(t._("Yes"), StayEnd("yes", placement.id))],
        [Button(t._("It will be extended until…"), StayEnd("later", placement.id))],
        [Button(t._("It must end earlier"), StayEnd("earlier", placement.id))],
    ]
    return Reply(text, buttons)


def offer_end_question(t: Translator, offer: Offer, today: date) -> Reply:
    assert offer.available_until is not None
    left = (offer.available_until - today).days
    text = t.n_(
        "Your offer #{offer} is available until {date} (in {n} day). Do you want to extend it?",
        "Your offer #{offer} is available until {date} (in {n} days). Do you want to extend it?",
        left,
    ).format(offer=offer.id, date=t.date(offer.available_until), n=left)
    assert offer.id is not None
    buttons = [
        [
            Button(t._("Extend"), OfferEnd("extend", offer.id)),
            Button(t._("Let it end"), OfferEnd("end", offer.id)),
        ]
    ]
    return Reply(text, buttons)
