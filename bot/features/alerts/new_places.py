"""New places reach the households that need them: when an offer becomes available (new, freed by a placement or
a proposal, confirmed again after being stale), the caseworkers of the waiting households it fits get one digest
listing the new places, for each the households it fits (best first) with "Propose" (the consent flow).

Nobody gets more than one such digest an hour: a place that becomes available meanwhile is an alert due an hour
after the last digest, and the alerts due to one caseworker are said together. What became available since the
last sweep is read from the offers' history (`storage.reminders.became_available`), a few minutes further back
(an update's transaction may commit after a sweep, with an event dated before it); an alert's key (the event,
the caseworker) makes each place announced once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.callbacks import OfferDetails, ProposeTo
from bot.chat.messages import Button, Reply, esc, pages
from bot.domain.offers import Status
from bot.domain.reminders import paris_day
from bot.features.alerts.base import AlertKind, Sweep
from bot.features.hosting.cards import people, period
from bot.features.search.results import explained
from bot.i18n import N_, Translator
from bot.services import new_places
from bot.services.new_places import Fit
from bot.services.waiting import SEE_WAITING
from storage import offers as offer_rows
from storage import reminders, roles
from storage.alerts import read_up_to
from storage.models import Alert, Offer

READER = "new-places-read"  # how far the offers' history was read (storage.alerts.read_up_to)
OVERLAP = timedelta(minutes=10)  # read again before the last sweep: transactions that committed after it
LOOKBACK = timedelta(days=7)  # the first sweep, or the first after a long stop, reads this far back at most
EVERY = timedelta(hours=1)  # at most one digest an hour to a caseworker
PER_PLACE = 5  # households listed under a place (each with its button)
MAX_BUTTONS = 60  # of one message (Telegram: 100)
HEAD_CHARACTERS = 200  # of the message's head and end


async def _available(session: AsyncSession, offer_ids: set[int]) -> list[Offer]:
    found = await offer_rows.by_ids(session, offer_ids)
    return [found[offer_id] for offer_id in sorted(found) if found[offer_id].status == Status.AVAILABLE]


async def _due(session: AsyncSession, sweep: Sweep) -> list[dict[str, Any]]:
    last = await read_up_to(session, READER, sweep.now)
    since = max(sweep.now - LOOKBACK, last - OVERLAP) if last is not None else sweep.now - LOOKBACK
    fresh = {found.offer_id: found for found in await reminders.became_available(session, since)}
    if not fresh:
        return []
    places = await _available(session, set(fresh))
    waiting = await new_places.waiting_households(session, frozenset(place.departement for place in places))
    fitting = await new_places.fits(session, places, waiting, sweep.today, sweep.now)
    departement = {place.id: place.departement for place in places}
    pairs = sorted({(offer_id, fit.caseworker) for offer_id, fits in fitting.items() for fit in fits})
    said = await reminders.last_said(session, KIND.name, sorted({caseworker for _, caseworker in pairs}))
    due = []
    for offer_id, caseworker in pairs:
        event = fresh[offer_id]
        previous = said.get(caseworker)
        at = max(event.at, previous + EVERY) if previous is not None else event.at
        due.append(KIND.row(f"np:{event.event_id}:{caseworker}", caseworker, at, offer_id=offer_id,
                            departement=departement[offer_id]))  # fmt: skip
    return due


async def _render_together(
    session: AsyncSession, alerts: list[Alert], t: Translator, now: datetime
) -> list[tuple[Reply, list[Alert]]]:
    """The places still available that still fit the recipient's waiting households, best fit first, in as few
    messages as Telegram's limits allow; each message carries the alerts of the places it lists."""
    recipient = alerts[0].recipient_id
    assert recipient is not None
    actor = await roles.actor_of(session, recipient)
    places = [
        place
        for place in await _available(session, {alert.offer_id for alert in alerts if alert.offer_id})
        if actor.may(SEE_WAITING, place.departement)
    ]
    waiting = [
        household
        for household in await new_places.waiting_households(session, actor.territory(SEE_WAITING))
        if household.caseworker_id == recipient
    ]
    fitting = await new_places.fits(session, places, waiting, paris_day(now), now)
    listed = sorted((place for place in places if place.id in fitting),
                    key=lambda place: (-fitting[place.id or 0][0].match.score, place.id or 0))  # fmt: skip
    said = []
    for page in _pages(t, listed, fitting):
        carried = [alert for alert in alerts if alert.offer_id in {place.id for place in page}]
        said.append((_message(t, page, fitting), carried))
    return said


KIND = AlertKind(name="new_places", label=N_("New places for waiting households"), due=_due,
                 render_together=_render_together)  # fmt: skip


# The message.


def _place_lines(t: Translator, place: Offer, fits: list[Fit]) -> list[str]:
    """A place as search results show it (no personal data of its host), then the households it fits."""
    lines = [f"\n🏠 <b>#{place.id}</b> · {esc(place.commune_name)} ({place.departement}) · {people(t, place.people)}"
             f" · {period(t, place.available_from, place.available_until)}"]  # fmt: skip
    for fit in fits[:PER_PLACE]:
        line = f"• <b>{esc(fit.household.reference)}</b>"
        reasons, caveats = explained(t, fit.match.reasons, fit.match.caveats)
        if reasons:
            line += " — " + reasons
        if caveats:
            line += "\n  " + caveats
        lines.append(line)
    if len(fits) > PER_PLACE:
        more = len(fits) - PER_PLACE
        lines.append(t.n_("…and {n} other household: /waiting", "…and {n} other households: /waiting",
                          more).format(n=more))  # fmt: skip
    return lines


def _place_buttons(t: Translator, place: Offer, fits: list[Fit]) -> list[list[Button]]:
    assert place.id is not None
    rows = [[Button(t._("Propose #{offer} for {reference}").format(offer=place.id, reference=fit.household.reference),
                    ProposeTo(place.id, fit.household.id or 0))] for fit in fits[:PER_PLACE]]  # fmt: skip
    return [*rows, [Button(t._("Details of #{offer}").format(offer=place.id), OfferDetails(place.id))]]


def _pages(t: Translator, listed: list[Offer], fitting: dict[int, list[Fit]]) -> list[list[Offer]]:
    """The places cut into messages within Telegram's limits (MAX_BUTTONS buttons, MESSAGE_CHARACTERS)."""
    lengths = {
        place.id: len("\n".join(_place_lines(t, place, fitting[place.id or 0]))) + 1 for place in listed
    }
    counts = {place.id: len(_place_buttons(t, place, fitting[place.id or 0])) for place in listed}
    return pages(
        listed,
        lambda page, place: lengths[place.id] + (0 if page else HEAD_CHARACTERS),
        lambda page, place: sum(counts[shown.id] for shown in page) + counts[place.id] <= MAX_BUTTONS,
    )


def _message(t: Translator, page: list[Offer], fitting: dict[int, list[Fit]]) -> Reply:
    lines = [t.n_("<b>A new place</b> for your waiting households:",
                  "<b>{n} new places</b> for your waiting households:", len(page)).format(n=len(page))]  # fmt: skip
    buttons: list[list[Button]] = []
    for place in page:
        fits = fitting[place.id or 0]
        lines += _place_lines(t, place, fits)
        buttons += _place_buttons(t, place, fits)
    lines.append("\n" + t._("“Propose” holds the place and asks its host whether they accept."))
    return Reply("\n".join(lines), buttons)
