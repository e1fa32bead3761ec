"""Messages to a host about their place, in the host's language. Never the household's identity."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.messages import Reply, esc
from bot.domain.casework import HostAnswer, HostNews, HostNotice
from bot.i18n import translator
from storage import users


async def host_notice(session: AsyncSession, notice: HostNotice) -> Reply:
    host = await users.find(session, notice.host_id)
    t = translator(host.language if host else None)
    people = t.n_("{n} person", "{n} people", notice.people).format(n=notice.people)
    if notice.news is HostNews.RESERVED:
        text = t._("Good news: a social worker proposed your place #{offer} to a household of {people}. "
                   "They will contact you to arrange the arrival.")  # fmt: skip
    elif notice.news is HostNews.OCCUPIED:
        text = t._(
            "Your place #{offer} is now occupied by a household of {people}, from {start} until {end}."
        )
    elif notice.news is HostNews.ENDED:
        text = t._("The stay in your place #{offer} has ended. Thank you! The place is available again: "
                   "pause it with /myoffers if you need a break.")  # fmt: skip
    elif notice.news is HostNews.EXTENDED:
        text = t._("The stay in your place #{offer} is now planned until {end}.")
    else:
        text = t._("The proposal for your place #{offer} was withdrawn. The place is available again.")
    return Reply(
        text.format(
            offer=notice.offer_id, people=people,
            start=t.date(notice.start) if notice.start else "", end=t.date(notice.end) if notice.end else "",
        ),
        to_user=notice.host_id,
    )  # fmt: skip


async def caseworker_echo(session: AsyncSession, answer: HostAnswer) -> Reply | None:
    """The host's answer about the end of a stay, told to the caseworker in charge."""
    if answer.caseworker_id is None:
        return None
    caseworker = await users.find(session, answer.caseworker_id)
    t = translator(caseworker.language if caseworker else None)
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
