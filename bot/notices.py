"""Messages to a host about their place, in the host's language. Never the household's identity."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import Reply
from bot.domain.casework import HostNews, HostNotice
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
    else:
        text = t._("The proposal for your place #{offer} was withdrawn. The place is available again.")
    return Reply(
        text.format(
            offer=notice.offer_id, people=people,
            start=t.date(notice.start) if notice.start else "", end=t.date(notice.end) if notice.end else "",
        ),
        to_user=notice.host_id,
    )  # fmt: skip
