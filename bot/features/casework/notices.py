"""Messages to a host about their place, in the host's language (never the household's identity); and the
answers of hosts told to the caseworkers concerned, in theirs."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.callbacks import OfferDetails, OfferQualify
from bot.chat.messages import Button, Reply, esc
from bot.domain.casework import HostAnswer, HostNews, HostNotice
from bot.domain.offers import TURN_DOWN_LABELS, TurnDown
from bot.features.hosting.cards import period
from bot.features.hosting.turned_down import turned_down_notice
from bot.i18n import Translator, translator
from storage import users
from storage.models import Offer


async def language_of(session: AsyncSession, user_id: int) -> Translator:
    found = await users.find(session, user_id)
    return translator(found.language if found else None)


async def host_notice(session: AsyncSession, notice: HostNotice) -> Reply:
    t = await language_of(session, notice.host_id)
    people = t.n_("{n} person", "{n} people", notice.people).format(n=notice.people)
    if notice.news is HostNews.OCCUPIED:
        text = t._(
            "Your place #{offer} is now occupied by a household of {people}, from {start} until {end}."
        )
    elif notice.news is HostNews.ENDED:
        text = t._("The stay in your place #{offer} has ended. Thank you! The place is available again: "
                   "pause it with /myoffers if you need a break.")  # fmt: skip
    elif notice.news is HostNews.EXTENDED:
        text = t._("The stay in your place #{offer} is now planned until {end}.")
    elif notice.news is HostNews.CORRECTED:
        text = t._("The social worker corrected the stay in your place #{offer}: {people}, from {start} until "
                   "{end}.")  # fmt: skip
    elif notice.news is HostNews.UNDONE:
        text = t._("The arrival in your place #{offer} was recorded by mistake and is cancelled: the household "
                   "has not moved in yet. The place stays reserved for them.")  # fmt: skip
    else:
        text = t._("The proposal for your place #{offer} was withdrawn. The place is available again.")
    available = ""
    if notice.availability is not None:
        available = period(t, notice.availability.available_from, notice.availability.available_until)
        text += "\n\n" + t._("As agreed with the social worker, your offer is now available {period}. If that "
                             "is not right, change the dates with /myoffers.")  # fmt: skip
    return Reply(
        text.format(
            offer=notice.offer_id, people=people,
            start=t.date(notice.start) if notice.start else "", end=t.date(notice.end) if notice.end else "",
            period=available,
        ),
        to_user=notice.host_id,
    )  # fmt: skip


async def turned_down(session: AsyncSession, offer: Offer) -> Reply | None:
    """Tell the host, kindly and in their language, that their offer is turned down, why, and what they can do."""
    if offer.host_id is None:
        return None  # an imported offer: its association is the one to talk to
    return turned_down_notice(await language_of(session, offer.host_id), offer, to_user=offer.host_id)


async def new_visit_requests(session: AsyncSession, offer: Offer, recipients: list[int]) -> list[Reply]:
    """To those who may qualify it again: the host changed a turned-down offer and asks for a new visit."""
    assert offer.id is not None
    replies = []
    for recipient in recipients:
        t = await language_of(session, recipient)
        reason = (
            TURN_DOWN_LABELS.get(TurnDown(offer.turned_down_reason)) if offer.turned_down_reason else None
        )
        text = t._("The host of offer #{offer} ({commune}), turned down ({reason}), changed it and asks for a new "
                   "visit.").format(offer=offer.id, commune=esc(offer.commune_name),
                                    reason=t._(reason) if reason else "—")  # fmt: skip
        buttons = [
            [Button(t._("Details"), OfferDetails(offer.id)), Button(t._("Qualify"), OfferQualify(offer.id))]
        ]
        replies.append(Reply(text, buttons, to_user=recipient))
    return replies


async def caseworker_echo(session: AsyncSession, answer: HostAnswer) -> Reply | None:
    """The host's answer about the end of a stay, told to the caseworker in charge."""
    if answer.caseworker_id is None:
        return None
    t = await language_of(session, answer.caseworker_id)
    if answer.changed:
        text = t._("The host of #{offer} (household {reference}) gives a new end of stay: {date}. "
                   "The placement is updated.")  # fmt: skip
    else:
        text = t._("The host of #{offer} (household {reference}) confirms the stay ends on {date}.")
    return Reply(
        text.format(
            offer=answer.offer_id, reference=esc(answer.household_reference), date=t.date(answer.planned_end)
        ),
        to_user=answer.caseworker_id,
    )
