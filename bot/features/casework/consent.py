"""Proposing a place, and its host's consent: the question to the host (in their language, never the household's
reference), their answers (accept, decline with a reason, ask to be called), and what the caseworker is told —
with the next best places for the household when the proposal is released."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import cast, get_args

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.callbacks import (
    ConsentAnswer,
    ConsentDecline,
    DeclineWord,
    OfferContact,
    OfferDetails,
    PlacementStep,
    ProposeTo,
)
from bot.chat.context import PARIS, Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain.access import Action
from bot.domain.casework import AlreadyPlaced, NotFound, PlacementStatus, Taken, Unfollowed
from bot.domain.consent import DECLINE_LABELS, DeclineReason, HostConsent
from bot.domain.search.ranking import Match
from bot.features.casework.notices import language_of
from bot.features.hosting.cards import people, period
from bot.features.search.results import explained
from bot.i18n import Translator
from bot.services import casework
from bot.services import consent as service
from bot.services.consent import Proposal, State
from storage.models import Household, Offer, Placement

assert set(get_args(DeclineWord)) == set(DeclineReason), "the decline buttons carry every reason, no other"


def moment(t: Translator, at: datetime) -> str:
    local = at.astimezone(PARIS)
    return t._("{date} at {time}").format(date=t.date(local.date()), time=f"{local:%H:%M}")


def dates(t: Translator, household: Household, today: date) -> str:
    """When the household would come and for how long, as its caseworker stated it (else to be agreed)."""
    wanted = household.wanted_from
    start = (t._("from {date}").format(date=t.date(wanted)) if wanted and wanted > today
             else t._("as soon as possible") if wanted else t._("arrival date to be agreed"))  # fmt: skip
    days = household.stay_days
    length = (
        t.n_("for {n} day", "for {n} days", days).format(n=days)
        if days
        else t._("length of stay to be agreed")
    )
    return f"{start}, {length}"


def host_question(t: Translator, placement: Placement, household: Household, offer: Offer, today: date, *,
                  reminder: bool = False) -> Reply:  # fmt: skip
    """To the host: who would come (how many, children's ages, a pet), when, and until when to answer."""
    assert placement.id is not None and placement.consent_due_at is not None
    lines = [
        ("⏰ " + t._("Reminder: a social worker is waiting for your answer.") + "\n" if reminder else "")
        + t._("A social worker proposes your place #{offer} ({commune}) to a household:").format(
            offer=offer.id, commune=esc(offer.commune_name)),
        "👥 " + t.n_("{n} adult", "{n} adults", household.adults).format(n=household.adults),
        "🧒 " + (t.n_("{n} child, aged {ages}", "{n} children, aged {ages}", household.children).format(
            n=household.children, ages=", ".join(str(age) for age in household.children_ages) or "—")
            if household.children else t._("no children")),
        "🐾 " + (t._("a pet") if household.pets else t._("no pets")),
        "📅 " + dates(t, household, today),
        "",
        t._("Do you accept? Your place is held for them until {deadline}; without an answer by then it is "
            "available again.").format(deadline=moment(t, placement.consent_due_at)),
    ]  # fmt: skip
    buttons = [
        [Button(t._("Accept"), ConsentAnswer("accept", placement.id)),
         Button(t._("Decline"), ConsentAnswer("decline", placement.id))],
        [Button(t._("Ask the social worker to call me"), ConsentAnswer("call", placement.id))],
    ]  # fmt: skip
    return Reply("\n".join(lines), buttons)


def unfollowed(t: Translator, departement: str, pairs: list[str]) -> Reply:
    """Pairs ("REF → #offer") not proposed: no caseworker of the département follows their household any more."""
    return Reply("\n".join([
        t._("Not proposed, no caseworker of {departement} follows the household any more:").format(
            departement=departement),
        *(f"• {pair}" for pair in pairs),
        t._("A caseworker of the territory must follow it before a place is proposed: the host would have "
            "nobody to agree the arrival with."),
    ]))  # fmt: skip


async def propose(ctx: Ctx, pressed: ProposeTo) -> list[Reply]:
    """The offer is held for the household; its host is asked to consent (an organisation's offer: reserved)."""
    t = ctx.t
    try:
        placement, household, offer = await casework.propose(ctx.session, ctx.actor, pressed.offer_id,
                                                             pressed.household_id, ctx.now)  # fmt: skip
    except AlreadyPlaced as already:
        return [await _already_placed(ctx, already.placement_id)]
    except Unfollowed:
        household = await casework.household_for(ctx.session, ctx.actor, pressed.household_id, Action.PROPOSE)
        return [unfollowed(t, household.departement, [f"{esc(household.reference)} → #{pressed.offer_id}"])]
    except Taken:
        household = await casework.household_for(ctx.session, ctx.actor, pressed.household_id, Action.PROPOSE)
        heading = t._("Offer #{offer} was proposed to another household a moment ago, or is no longer "
                      "available.").format(offer=pressed.offer_id)  # fmt: skip
        return [await next_best_reply(ctx.session, t, household, ctx.today, ctx.now, heading)]
    made = (placement, household, offer)
    return await proposed(ctx, placement, household, offer, edit=True) + await caseworkers_told(ctx, [made])


async def _already_placed(ctx: Ctx, placement_id: int) -> Reply:
    """Someone proposed a place for the household a moment before (two people on the same list): which one, and
    where it stands."""
    t = ctx.t
    placement, household, offer = await casework.placement_for(ctx.session, ctx.actor, placement_id,
                                                               Action.PROPOSE)  # fmt: skip
    where = {"reference": esc(household.reference), "offer": offer.id, "commune": esc(offer.commune_name)}
    waiting = placement.status == PlacementStatus.PROPOSED and placement.host_answer is None
    if waiting and placement.consent_due_at is not None and offer.host_id is not None:
        return Reply(t._("A proposal for household {reference} is already waiting for the host's answer: place "
                         "#{offer} ({commune}), until {deadline}.").format(
            deadline=moment(t, placement.consent_due_at), **where))  # fmt: skip
    lines = [t._("Household {reference} already has a place proposed or recorded: #{offer} ({commune}). See "
                 "/placements.").format(**where)]  # fmt: skip
    if placement.status == PlacementStatus.PROPOSED and placement.host_answer == HostConsent.ACCEPTED:
        lines.append("✅ " + t._("Accepted by the host"))
    return Reply("\n".join(lines))


async def proposed(
    ctx: Ctx, placement: Placement, household: Household, offer: Offer, *, edit: bool
) -> list[Reply]:
    """What the proposer is told of a proposal just made, and the host's question (when the host is on Telegram);
    a coordinator, who leaves the household to its caseworker, gets no buttons to record the stay."""
    t = ctx.t
    assert placement.id is not None
    if placement.caseworker_id != ctx.user_id:
        return await _proposed_by_coordinator(ctx, placement, household, offer, edit=edit)
    if offer.host_id is None or placement.consent_due_at is None:
        text = t._("Offer #{offer} is reserved for household {reference}. It is managed by {organisation}, not by "
                   "a host on Telegram: agree the arrival with them, then record it.").format(
            offer=offer.id, reference=esc(household.reference), organisation=esc(offer.managed_by or "—"))  # fmt: skip
        return [Reply(text, [[Button(t._("Record the arrival"), PlacementStep("arrive", placement.id))]],
                      edit=edit)]  # fmt: skip
    text = t._("Offer #{offer} is held for household {reference} until {deadline}. Its host is asked whether they "
               "accept: you will be told of their answer.").format(
        offer=offer.id, reference=esc(household.reference), deadline=moment(t, placement.consent_due_at))  # fmt: skip
    question = await _host_asked(ctx, placement, household, offer)
    buttons = [[Button(t._("Record the arrival"), PlacementStep("arrive", placement.id)),
                Button(t._("Withdraw the proposal"), PlacementStep("cancel", placement.id))]]  # fmt: skip
    return [Reply(text, buttons, edit=edit), question]


async def _proposed_by_coordinator(
    ctx: Ctx, placement: Placement, household: Household, offer: Offer, *, edit: bool
) -> list[Reply]:
    """A coordinator's proposal: said to them, and the host asked; the household's caseworker is told apart."""
    t, where = ctx.t, {"offer": offer.id, "reference": esc(household.reference)}
    if offer.host_id is None or placement.consent_due_at is None:
        return [Reply(t._("Offer #{offer} is reserved for household {reference}. It is managed by {organisation}, "
                          "not by a host on Telegram: the household's caseworker agrees the arrival with them.").format(
            organisation=esc(offer.managed_by or "—"), **where), edit=edit)]  # fmt: skip
    text = t._("Offer #{offer} is held for household {reference} until {deadline}. Its host is asked whether they "
               "accept: you and the household's caseworker will be told of their answer.").format(
        deadline=moment(t, placement.consent_due_at), **where)  # fmt: skip
    return [Reply(text, edit=edit), await _host_asked(ctx, placement, household, offer)]


async def _host_asked(ctx: Ctx, placement: Placement, household: Household, offer: Offer) -> Reply:
    """The consent question, to the host in their language."""
    assert offer.host_id is not None
    question = host_question(
        await language_of(ctx.session, offer.host_id), placement, household, offer, ctx.today
    )
    question.to_user = offer.host_id
    return question


async def caseworkers_told(ctx: Ctx, made: Sequence[tuple[Placement, Household, Offer]]) -> list[Reply]:
    """To each caseworker whose households someone else (a coordinator) just proposed places for: one message
    listing them, in their language."""
    theirs: dict[int, list[tuple[Placement, Household, Offer]]] = {}
    for placement, household, offer in made:
        if placement.caseworker_id is not None and placement.caseworker_id != ctx.user_id:
            theirs.setdefault(placement.caseworker_id, []).append((placement, household, offer))
    replies = []
    for caseworker, proposals in theirs.items():
        t = await language_of(ctx.session, caseworker)
        head = t.n_("A coordinator of {departement} proposed a place for your household:",
                    "A coordinator of {departement} proposed places for {n} of your households:", len(proposals))  # fmt: skip
        lines = ["📨 " + head.format(departement=proposals[0][1].departement, n=len(proposals))]
        for placement, household, offer in proposals:
            where = {
                "reference": esc(household.reference),
                "offer": offer.id,
                "commune": esc(offer.commune_name),
            }
            if placement.consent_due_at is None:
                line = t._("{reference} → #{offer} ({commune}): reserved, managed by {organisation}: agree the "
                           "arrival with them").format(organisation=esc(offer.managed_by or "—"), **where)  # fmt: skip
            else:
                line = t._("{reference} → #{offer} ({commune}): its host is asked, answer by {deadline}").format(
                    deadline=moment(t, placement.consent_due_at), **where)  # fmt: skip
            lines.append("• " + line)
        lines.append(t._("You will be told of each host's answer; these proposals are in /placements."))
        replies.append(Reply("\n".join(lines), to_user=caseworker))
    return replies


def place_line(t: Translator, rank: int, match: Match, offer: Offer) -> str:
    line = (f"<b>{rank}.</b> #{offer.id} · {esc(offer.commune_name)} ({offer.departement}) · {people(t, offer.people)}"
            f" · {period(t, offer.available_from, offer.available_until)}")  # fmt: skip
    reasons, caveats = explained(t, match.reasons, match.caveats)
    return line + "".join("\n" + text for text in (reasons, caveats) if text)


async def next_best_reply(session: AsyncSession, t: Translator, household: Household, today: date, now: datetime,
                          heading: str, to_user: int | None = None) -> Reply:  # fmt: skip
    """`heading`, then the best places for the household now, each with "Propose"."""
    assert household.id is not None
    found = await service.next_best(session, household, today, now)
    if not found:
        more = t._("No other place matches household {reference} now. Search with other criteria: /search.")
        return Reply(heading + "\n\n" + more.format(reference=esc(household.reference)), to_user=to_user)
    lines = [
        heading,
        "",
        t._("Next best places for household {reference}:").format(reference=esc(household.reference)),
    ]
    lines += [place_line(t, rank, match, offer) for rank, (match, offer) in enumerate(found, start=1)]
    buttons = [
        [Button(t._("Propose #{offer}").format(offer=offer.id), ProposeTo(offer.id or 0, household.id)),
         Button(t._("Details of #{offer}").format(offer=offer.id), OfferDetails(offer.id or 0))]
        for _, offer in found
    ]  # fmt: skip
    return Reply("\n".join(lines), buttons, to_user=to_user)


async def released_notice(session: AsyncSession, proposal: Proposal, t: Translator, today: date, now: datetime,
                          to_user: int | None) -> Reply:  # fmt: skip
    """To the caseworker (and the coordinator who proposed): the host declined (why) or did not answer in time;
    the place is free; the next best places, to propose."""
    placement, household, offer = proposal.placement, proposal.household, proposal.offer
    where = {"offer": offer.id, "commune": esc(offer.commune_name), "reference": esc(household.reference)}
    if placement.host_answer == HostConsent.DECLINED:
        reason = t._(DECLINE_LABELS[DeclineReason(placement.decline_reason or DeclineReason.OTHER)])
        heading = "❌ " + t._("The host of place #{offer} ({commune}) declines household {reference}: {reason}. "
                             "The place is available again.").format(reason=reason, **where)  # fmt: skip
    else:
        heading = "⏰ " + t._("The host of place #{offer} ({commune}) did not answer in time for household "
                             "{reference}. The proposal is released and the place is available again.").format(**where)  # fmt: skip
    return await next_best_reply(session, t, household, today, now, heading, to_user=to_user)


async def _released_notices(ctx: Ctx, proposal: Proposal) -> list[Reply]:
    """The released proposal said to each person told of the host's answer, in their language."""
    return [await released_notice(ctx.session, proposal, await language_of(ctx.session, user), ctx.today, ctx.now,
                                  to_user=user) for user in service.told_of_answer(proposal.placement)]  # fmt: skip


async def on_answer(ctx: Ctx, pressed: ConsentAnswer) -> list[Reply]:
    """The host's answer to a proposal for their place: accept, decline (then why), or ask to be called."""
    proposal = await _proposal(ctx, pressed.placement_id)
    if proposal is None or proposal.state is not State.WAITING:
        return await _not_waiting(ctx, proposal)
    t, offer, placement = ctx.t, proposal.offer, proposal.placement
    assert placement.id is not None and placement.consent_due_at is not None
    if pressed.answer == "decline":
        buttons = [
            [Button(t._(label), ConsentDecline(cast(DeclineWord, str(reason)), placement.id))]
            for reason, label in DECLINE_LABELS.items()
        ]
        return [Reply(t._("Why do you decline? The social worker will read it, and it helps to propose better."),
                      buttons, edit=True)]  # fmt: skip
    where = {
        "offer": offer.id,
        "commune": esc(offer.commune_name),
        "reference": esc(proposal.household.reference),
    }
    if pressed.answer == "accept":
        await service.accept(ctx.session, proposal, ctx.now)
        replies = [
            Reply(t._("Thank you! The social worker will contact you to arrange the arrival."), edit=True)
        ]
        for user in service.told_of_answer(placement):
            replies.append(_accepted(await language_of(ctx.session, user), proposal, where, user))
        return replies
    if not await service.ask_for_call(ctx.session, proposal, ctx.now):
        return [Reply(t._("The social worker was already asked to call you."))]
    replies = [Reply(t._("The social worker is asked to call you. Your place stays held until {deadline}: answer "
                         "above once you have talked.").format(deadline=moment(t, placement.consent_due_at)))]  # fmt: skip
    for user in service.told_of_answer(placement):
        replies.append(_call_request(await language_of(ctx.session, user), proposal, where, user))
    return replies


def _accepted(t: Translator, proposal: Proposal, where: Mapping[str, object], user: int) -> Reply:
    """To the caseworker: agree the arrival and record it; to the coordinator who proposed: the caseworker will."""
    placement = proposal.placement
    assert placement.id is not None
    if user != placement.caseworker_id:
        return Reply("✅ " + t._("The host of place #{offer} ({commune}) accepts household {reference}. The "
                                "household's caseworker is told: they agree the arrival with the host and record "
                                "it.").format(**where), to_user=user)  # fmt: skip
    text = "✅ " + t._("The host of place #{offer} ({commune}) accepts household {reference}. Agree the arrival "
                      "with them, then record it.").format(**where)  # fmt: skip
    buttons = [[Button(t._("Record the arrival"), PlacementStep("arrive", placement.id)),
                Button(t._("Contact host"), OfferContact(proposal.offer.id or 0))]]  # fmt: skip
    return Reply(text, buttons, to_user=user)


def _call_request(t: Translator, proposal: Proposal, where: Mapping[str, object], user: int) -> Reply:
    """To the caseworker: call the host (their contact, if they may see it, the disclosure logged); to the
    coordinator who proposed: the caseworker is asked to (hosts' contacts go to caseworkers only)."""
    placement, contact = proposal.placement, proposal.contact
    assert placement.consent_due_at is not None
    deadline = moment(t, placement.consent_due_at)
    if user != placement.caseworker_id:
        return Reply("📞 " + t._("The host of place #{offer} ({commune}) asks to be called about household "
                                "{reference} before answering: the household's caseworker is asked to call them. "
                                "The place stays held until {deadline}.").format(deadline=deadline, **where),
                     to_user=user)  # fmt: skip
    lines = ["📞 " + t._("The host of place #{offer} ({commune}) asks you to call them about household {reference} "
                        "before answering. The place stays held until {deadline}.").format(
        deadline=deadline, **where)]  # fmt: skip
    if contact is not None:
        lines.append(t._("Their contact (this disclosure is recorded):"))
        lines.append(
            t._('Telegram: <a href="tg://user?id={id}">write to the host</a>').format(id=contact.host_id)
        )
        lines.append(t._("Phone: {phone}").format(phone=esc(contact.phone) if contact.phone else "—"))
    return Reply("\n".join(lines), to_user=user)


async def on_decline(ctx: Ctx, pressed: ConsentDecline) -> list[Reply]:
    """The host declines a proposal, for this reason: the place is available again, the caseworker told."""
    proposal = await _proposal(ctx, pressed.placement_id)
    if proposal is None or proposal.state is not State.WAITING:
        return await _not_waiting(ctx, proposal)
    await service.release(ctx.session, proposal, HostConsent.DECLINED, ctx.now, DeclineReason(pressed.reason))
    done = Reply(ctx.t._("Noted, thank you. Your place #{offer} is available again: pause it with /myoffers if you "
                         "need a break.").format(offer=proposal.offer.id), edit=True)  # fmt: skip
    return [done, *await _released_notices(ctx, proposal)]


async def _proposal(ctx: Ctx, placement_id: int) -> Proposal | None:
    """The proposal for one of this host's places; None for any other (an old or forged button)."""
    try:
        return await service.hosted_proposal(ctx.session, ctx.user_id, placement_id, ctx.now)
    except NotFound:
        return None


async def _not_waiting(ctx: Ctx, proposal: Proposal | None) -> list[Reply]:
    """Answered too late, twice, after the proposal was withdrawn, or with a button not theirs: said kindly."""
    t = ctx.t
    if proposal is None:
        return [Reply(t._("This button is no longer active."))]
    if proposal.state is State.LAPSED:
        replies = [Reply(t._("Thank you for answering. This proposal has lapsed: its deadline passed without an "
                             "answer, and your place #{offer} is available again.").format(offer=proposal.offer.id),
                         edit=True)]  # fmt: skip
        if proposal.released_now:
            replies += await _released_notices(ctx, proposal)
        return replies
    if proposal.state is State.ANSWERED:
        return [Reply(t._("You have already answered this proposal. Thank you!"))]
    return [Reply(t._("This proposal no longer waits for an answer: it was withdrawn, or the household has "
                      "arrived."))]  # fmt: skip
