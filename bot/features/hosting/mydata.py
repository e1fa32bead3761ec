"""/mydata: what the bot holds about a person, shown as it is; erasing it, without leaving a household in the
dark (a host with a household in their place is warned first, and the people following the stay are told)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.callbacks import Erase
from bot.chat.context import PARIS, Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain.access import CASEWORKER
from bot.domain.casework import PlacementStatus
from bot.domain.offers import STATUS_LABELS, Status
from bot.features.hosting.cards import offer_card
from bot.features.start.start import operator_lines
from bot.i18n import LANGUAGE_NAMES, Translator, translator
from bot.services.privacy import StayWithoutHost, erase
from storage import privacy, users
from storage.models import Household, Offer, Placement

Stay = tuple[Placement, Household, Offer]


async def my_data(ctx: Ctx) -> list[Reply]:
    assert ctx.user is not None
    held = await privacy.what_we_hold(ctx.session, ctx.user)
    t = ctx.t
    lines = [
        t._("<b>What the bot holds about you</b>"),
        t._("Telegram account number: {id}").format(id=ctx.user_id),
        t._("Language: {language}").format(language=LANGUAGE_NAMES[t.language]),
        t._("Privacy notice accepted on {date}").format(date=t.date(held.user.privacy_accepted_at.date())),
    ]
    for grant in held.grants:
        role = t._("caseworker") if grant.role == CASEWORKER else t._("coordinator")
        lines.append(t._("Role: {role} in {departement} ({organisation})").format(
            role=role, departement=grant.departement, organisation=esc(grant.organisation or "—")))  # fmt: skip
    if held.digest:
        lines.append(t._("Weekly digest: subscribed"))
    if held.households:
        lines.append(t._("Households in your charge: {n}").format(n=held.households))
    if held.searches:
        lines.append(t._("Searches kept for their result pages: {n}").format(n=held.searches))
    if held.dialogue:
        lines.append(t._("Answers of a question series in progress (/cancel discards them)"))
    lines.append(t.n_("{n} offer", "{n} offers", len(held.offers)).format(n=len(held.offers)))
    replies = [Reply("\n".join(lines))]
    replies += [_offer(t, offer, photos) for offer, photos in held.offers]
    if held.offers:
        replies.append(Reply(_reveals(t, held.reveals)))
    ending = [t._("You can erase all of it. Offers where a household was placed keep only anonymous facts."),
              *operator_lines(t, ctx.policy)]  # fmt: skip
    replies.append(Reply("\n".join(ending), [[Button(t._("Erase my data"), Erase("ask"))]]))
    return replies


def _offer(t: Translator, offer: Offer, photos: int) -> Reply:
    status = t._(STATUS_LABELS[Status(offer.status)])
    lines = [f"<b>#{offer.id}</b> · {status}", offer_card(t, offer.model_dump())]
    if offer.phone is None:
        lines.append(t._("Phone number: not given"))
    lines.append(t.n_("{n} photo", "{n} photos", photos).format(n=photos))
    return Reply("\n".join(lines))


def _reveals(t: Translator, reveals: list[privacy.Reveal]) -> str:
    if not reveals:
        return t._("Nobody has looked at your contact details yet.")
    lines = [t._("<b>When caseworkers looked at your contact details</b>")]
    for reveal in reveals:
        local = reveal.at.astimezone(PARIS)
        lines.append(t._("{date} at {time}: offer #{offer}, {organisation}").format(
            date=t.date(local.date()), time=local.strftime("%H:%M"), offer=reveal.offer_id,
            organisation=esc(reveal.organisation) if reveal.organisation else t._("organisation not recorded"),
        ))  # fmt: skip
    return "\n".join(lines)


def stays_warning(t: Translator, stays: list[Stay]) -> str:
    """What removing their data means for the households in the host's places (said before they confirm)."""
    lines = []
    for placement, _household, offer in stays:
        place = {"offer": offer.id, "commune": esc(offer.commune_name)}
        if placement.planned_end is not None and placement.status == PlacementStatus.ACTIVE:
            lines.append("⚠️ " + t._("A household lives in your place #{offer} ({commune}) until {date}.").format(
                date=t.date(placement.planned_end), **place))  # fmt: skip
        else:
            lines.append(
                "⚠️ " + t._("Your place #{offer} ({commune}) is proposed to a household.").format(**place)
            )
    lines.append(t._(
        "If you go on, the stay is not cancelled: the household keeps living there. The social worker in charge "
        "and the coordinators of the département will be told that you removed your data (nothing else about you). "
        "Your phone number, address and notes will be erased: nobody can reach you about this stay through the "
        "bot any more. If you can, talk to the social worker first."
    ))  # fmt: skip
    return "\n\n".join(lines)


async def stays_told(session: AsyncSession, stays: list[StayWithoutHost]) -> list[Reply]:
    """To the caseworker in charge and the coordinators: the host of a place with a stay removed their data."""
    told = []
    for stay in stays:
        for recipient in stay.recipients:
            found = await users.find(session, recipient)
            t = translator(found.language if found else None)
            place = t._(
                "The host of place #{offer} ({commune}, {departement}) removed their data from the bot."
            )
            if stay.proposed or stay.planned_end is None:
                what = t._("The proposal to household {reference} is kept, but the host can no longer be reached "
                           "through the bot: withdraw it in /placements if the arrival will not happen.")  # fmt: skip
            else:
                what = t._("Household {reference} still lives there: the placement is kept, with its end date "
                           "({date}) and its alerts, but the host's contact is no longer available.")  # fmt: skip
            values = {"offer": stay.offer_id, "commune": esc(stay.commune), "departement": stay.departement,
                      "reference": esc(stay.household), "date": t.date(stay.planned_end) if stay.planned_end else ""}  # fmt: skip
            told.append(
                Reply("ℹ️ " + place.format(**values) + "\n" + what.format(**values), to_user=recipient)
            )
    return told


async def on_erase_button(ctx: Ctx, pressed: Erase) -> list[Reply]:
    """Erasing everything the bot holds about the user: asked (with a warning if a household lives in one of
    their places), confirmed, or not."""
    t = ctx.t
    if pressed.answer == "no":
        return [Reply(t._("Nothing was erased."), edit=True)]
    stays = await privacy.open_stays(ctx.session, ctx.user_id)
    question = t._("Erase everything the bot holds about you? This cannot be undone.")
    if stays and pressed.answer != "sure":  # asked, or confirmed before a household came: warned first
        return [Reply(question + "\n\n" + stays_warning(t, stays), [[
            Button(t._("Erase anyway"), Erase("sure")), Button(t._("No"), Erase("no")),
        ]], edit=True)]  # fmt: skip
    if pressed.answer == "ask":
        return [Reply(question, [[
            Button(t._("Yes, erase everything"), Erase("yes")), Button(t._("No"), Erase("no")),
        ]], edit=True)]  # fmt: skip
    told = await erase(ctx.session, ctx.user_id, ctx.now)
    done = Reply(t._("Your data is erased. Send /start if you want to use the bot again."), edit=True)
    menu = [Reply(menu=True)] if ctx.grants else []  # a professional's own command menu goes with their roles
    return [done, *menu, *await stays_told(ctx.session, told)]
