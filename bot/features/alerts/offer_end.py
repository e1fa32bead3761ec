"""An offer's availability ends in a week and nobody is staying: its host is asked whether to extend it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.callbacks import OfferEnd
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply
from bot.domain.offers import OPEN_TO_HOSTING
from bot.domain.reminders import OFFER_END_NOTICE_DAYS, morning_of, paris_day
from bot.features.alerts.base import AlertKind, Sweep
from bot.i18n import N_, Translator
from conversations import host_offer
from storage import offers, reminders
from storage.models import Alert, Offer


async def _due(session: AsyncSession, sweep: Sweep) -> list[dict[str, Any]]:
    until = sweep.today + timedelta(days=OFFER_END_NOTICE_DAYS)
    due = []
    for ending in await reminders.vacant_offers_ending(session, sweep.today, until):
        assert ending.available_until is not None
        when = morning_of(ending.available_until - timedelta(days=OFFER_END_NOTICE_DAYS))
        due.append(KIND.row(f"oe:{ending.offer_id}:{ending.available_until.isoformat()}", ending.host_id, when,
                            offer_id=ending.offer_id, departement=ending.departement))  # fmt: skip
    return due


async def _render(session: AsyncSession, alert: Alert, t: Translator, now: datetime) -> Reply | None:
    offer = await session.get(Offer, alert.offer_id)
    if offer is None or offer.status not in OPEN_TO_HOSTING or offer.available_until is None:
        return None
    if not alert.key.endswith(offer.available_until.isoformat()):
        return None  # the host changed the date since
    return offer_end_question(t, offer, paris_day(now))


KIND = AlertKind(name="offer_end", label=N_("End of an offer's availability"), due=_due, render=_render)


def offer_end_question(t: Translator, offer: Offer, today: date) -> Reply:
    assert offer.available_until is not None and offer.id is not None
    left = (offer.available_until - today).days
    text = (
        t.n_(
            "Your offer #{offer} is available until {date} (in {n} day). Do you want to extend it?",
            "Your offer #{offer} is available until {date} (in {n} days). Do you want to extend it?",
            left,
        )
        if left > 0
        else t._("Your offer #{offer} is available until today, {date}. Do you want to extend it?")
    ).format(offer=offer.id, date=t.date(offer.available_until), n=left)
    buttons = [
        [
            Button(t._("Extend"), OfferEnd("extend", offer.id)),
            Button(t._("Let it end"), OfferEnd("end", offer.id)),
        ]
    ]
    return Reply(text, buttons)


async def on_button(ctx: Ctx, pressed: OfferEnd) -> list[Reply]:
    """The host's answer when their offer's availability ends soon."""
    offer = await offers.of_host_by_id(ctx.session, ctx.user_id, pressed.offer_id)
    if offer is None:
        return [Reply(ctx.t._("This offer no longer exists."))]
    if pressed.answer == "extend":
        return await host_offer.change(ctx, offer, host_offer.AVAILABLE_UNTIL)
    return [Reply(ctx.t._("Noted: the offer ends as planned. Thank you!"), edit=True)]
