"""Offers that organisations manage (imported from their files, for hosts who are not on Telegram) are asked
"still available?" like a host's offers, of their keepers (`bot.domain.keepers`): each keeper gets the offers
due one morning as one message listing them, with one tap per offer, a way to say one is no longer available,
and "all still available". Without an answer within a week, the offers are flagged stale and leave the default
search, like a host's; an offer nobody can be asked about goes stale as well.

The message is its own state: a tap re-reads which offers it lists from its buttons (`Incoming.beside`) and
shows it again without the offers answered.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.callbacks import KeeperConfirm, KeeperWithdraw
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply, esc, pages
from bot.domain.access import AccessDenied, Action, require
from bot.domain.keepers import KeeperIndex
from bot.domain.offers import OPEN_TO_HOSTING, STATUS_LABELS, Status
from bot.domain.reminders import DEFAULT_FRESHNESS_DAYS, GRACE_DAYS, morning_of, paris_day
from bot.features.alerts.base import AlertKind, Sweep
from bot.features.hosting.cards import freshness, people, period
from bot.i18n import N_, Translator
from storage import alerts as alert_rows
from storage import keepers, offers, reminders
from storage.models import Alert, Offer

PER_MESSAGE = 20  # offers listed in one message: two buttons each, and "all", well under Telegram's 100
HEAD_CHARACTERS = 580  # of the message's head, without its first organisation's heading (`_heading_size`)


def _round_morning(ask_at: datetime) -> datetime:
    """The morning (08:00 in Paris) at or after `ask_at`: a keeper's offers due one day come in one message."""
    morning = morning_of(paris_day(ask_at))
    return morning if ask_at <= morning else morning_of(paris_day(ask_at) + timedelta(days=1))


def _shortest(sweep: Sweep) -> int:
    return min([DEFAULT_FRESHNESS_DAYS, *(row.freshness_days for row in sweep.settings.values())])


async def _due(session: AsyncSession, sweep: Sweep) -> list[dict[str, Any]]:
    who = await keepers.index(session)
    due = []
    for silent in await keepers.unconfirmed_managed(session, sweep.now - timedelta(days=_shortest(sweep))):
        ask_at = silent.last_confirmed_at + timedelta(days=sweep.freshness_days(silent.departement))
        if _round_morning(ask_at) > sweep.now:
            continue
        due += [
            KIND.row(f"kp:{silent.offer_id}:{silent.last_confirmed_at.isoformat()}:{keeper}", keeper,
                     _round_morning(ask_at), offer_id=silent.offer_id, departement=silent.departement)
            for keeper in who.keepers(silent.departement, silent.organisation, silent.imported_by)
        ]  # fmt: skip
    return due


async def _flag_stale(session: AsyncSession, sweep: Sweep) -> None:
    """Offers whose keepers were asked a week ago and never answered, and those nobody could be asked about."""
    asked_before = sweep.now - timedelta(days=GRACE_DAYS)
    for offer_id in await reminders.mark_stale(session, KIND.name, asked_before, sweep.now):
        await offers.record(session, offer_id, None, "stale", sweep.now)
    who = await keepers.index(session)
    unasked = [
        silent.offer_id
        for silent in await keepers.unconfirmed_managed(
            session, asked_before - timedelta(days=_shortest(sweep))
        )
        if not who.keepers(silent.departement, silent.organisation, silent.imported_by)
        and silent.last_confirmed_at + timedelta(days=sweep.freshness_days(silent.departement))
        <= asked_before
    ]
    await keepers.mark_stale(session, unasked, sweep.now)
    for offer_id in unasked:
        await offers.record(session, offer_id, None, "stale", sweep.now, reason="no_keeper")


async def _render_together(
    session: AsyncSession, alerts: list[Alert], t: Translator, now: datetime
) -> list[tuple[Reply, list[Alert]]]:
    """One message per PER_MESSAGE offers still unconfirmed, each with the alerts of the offers it lists."""
    who = await keepers.index(session)
    found = await offers.by_ids(session, {alert.offer_id for alert in alerts if alert.offer_id is not None})
    asked: dict[int, list[Alert]] = {}
    for alert in alerts:
        offer = found.get(alert.offer_id or 0)
        if offer is not None and _still_asked(who, offer, alert):
            asked.setdefault(alert.offer_id or 0, []).append(alert)
    pages = _pages(t, [found[offer_id] for offer_id in sorted(asked)], now)
    return [
        (
            round_message(t, page, now, page=(number, len(pages))),
            [a for offer in page for a in asked[offer.id or 0]],
        )
        for number, page in enumerate(pages, start=1)
    ]


def _still_asked(who: KeeperIndex, offer: Offer, alert: Alert) -> bool:
    """The offer is still available, unconfirmed since the alert was due, and the recipient still keeps it."""
    return (
        offer.status == Status.AVAILABLE
        and f":{offer.last_confirmed_at.isoformat()}:" in alert.key
        and alert.recipient_id in who.keepers(offer.departement, offer.managed_by or "", offer.imported_by)
    )


KIND = AlertKind(name="keeper_round", label=N_("Still available? (offers an organisation manages)"), due=_due,
                 render_together=_render_together, after_sweep=_flag_stale)  # fmt: skip


# The message.


def _line(t: Translator, offer: Offer, now: datetime) -> str:
    parts = [f"<b>#{offer.id}</b> {esc(offer.commune_name)}", people(t, offer.people),
             period(t, offer.available_from, offer.available_until)]  # fmt: skip
    if offer.source_id:
        parts.append(t._("id {id}").format(id=esc(offer.source_id[:40])))
    parts.append(freshness(t, offer.last_confirmed_at, now))
    return "• " + " · ".join(parts)


def _pages(t: Translator, listed: list[Offer], now: datetime) -> list[list[Offer]]:
    """The offers cut into messages within Telegram's limits (PER_MESSAGE offers, MESSAGE_CHARACTERS)."""
    ordered = sorted(listed, key=lambda o: (o.departement, o.managed_by or "", o.id or 0))
    lengths: dict[int | None, int] = {}
    organisation = None
    for offer in ordered:
        heading = (offer.departement, offer.managed_by) != organisation  # as round_message() says it
        organisation = (offer.departement, offer.managed_by)
        lengths[offer.id] = len(_line(t, offer, now)) + 1 + (_heading_size(offer) if heading else 0)
    return pages(
        ordered,
        lambda page, offer: lengths[offer.id] + (0 if page else HEAD_CHARACTERS + _heading_size(offer)),
        lambda page, offer: len(page) < PER_MESSAGE,
    )


def _heading_size(offer: Offer) -> int:
    """At most the characters of the organisation's heading above its offers."""
    return len(esc(offer.managed_by or "")) + 20


def round_message(t: Translator, listed: list[Offer], now: datetime, *, page: tuple[int, int] = (1, 1),
                  note: str = "", asking: int | None = None) -> Reply:  # fmt: skip
    """The offers still to answer, each with ✓ (still available) and ✗ (no longer: asked again, `asking`),
    then "all still available"; `note` says what was just done."""
    head = t._("<b>Still available?</b> Nobody has confirmed these offers for a while. Tap ✓ for each one still "
               "available, ✗ for one that is not, or confirm them all. Without an answer within {n} days, they "
               "leave the default search.").format(n=GRACE_DAYS)  # fmt: skip
    if page[1] > 1:
        head += f" ({page[0]}/{page[1]})"
    lines = [note] if note else []
    if not listed:
        return Reply("\n".join([*lines, t._("Every offer of this message is answered. Thank you!")]))
    lines.append(head)
    buttons: list[list[Button]] = []
    organisation = None
    for offer in listed:
        assert offer.id is not None
        if (offer.departement, offer.managed_by) != organisation:
            organisation = (offer.departement, offer.managed_by)
            lines.append(f"\n<b>{esc(offer.managed_by or '')}</b> ({offer.departement})")
        lines.append(_line(t, offer, now))
        if offer.id == asking:
            buttons.append([Button(t._("#{offer}: no longer available").format(offer=offer.id),
                                   KeeperWithdraw(offer.id, "yes")),
                            Button(t._("Keep it"), KeeperWithdraw(offer.id, "no"))])  # fmt: skip
        else:
            buttons.append([Button(f"✓ #{offer.id} {offer.commune_name[:20]}", KeeperConfirm(offer.id)),
                            Button(f"✗ #{offer.id}", KeeperWithdraw(offer.id, "ask"))])  # fmt: skip
    buttons.append([Button(t._("✓ All still available"), KeeperConfirm("all"))])
    return Reply("\n".join(lines), buttons)


# The answers.


def _listed_ids(ctx: Ctx) -> list[int]:
    """The offers the pressed message lists (its buttons say which), in their order."""
    found: list[int] = []
    for data in ctx.incoming.beside:
        pressed = KeeperConfirm.decode(data) or KeeperWithdraw.decode(data)
        if pressed is not None and isinstance(pressed.offer_id, int) and pressed.offer_id not in found:
            found.append(pressed.offer_id)
    return found


async def _keepable(ctx: Ctx, offer_ids: list[int]) -> tuple[list[Offer], list[Offer]]:
    """These offers: those the user may answer for (a keeper, or a coordinator there), and the others."""
    who = await keepers.index(ctx.session)
    found = await offers.locked(ctx.session, offer_ids)
    mine: list[Offer] = []
    others: list[Offer] = []
    for offer in found:
        kept = offer.host_id is None and offer.managed_by is not None
        ok = kept and who.may_keep(ctx.user_id, offer.departement, offer.managed_by or "", offer.imported_by)
        (mine if ok else others).append(offer)
    return mine, others


async def _kept(ctx: Ctx, offer_ids: list[int]) -> list[Offer]:
    """These offers, refused (AccessDenied) if the user does not keep one of them."""
    require(ctx.actor, Action.KEEP_OFFERS)
    mine, others = await _keepable(ctx, offer_ids)
    if others:
        raise AccessDenied(Action.KEEP_OFFERS, others[0].departement)
    return mine


async def _waiting(ctx: Ctx) -> list[int]:
    """The offers this keeper was asked about and nobody confirmed since (when the message is not at hand)."""
    asked = await alert_rows.sent_to(ctx.session, ctx.user_id, KIND.name)
    who = await keepers.index(ctx.session)
    found = await offers.by_ids(
        ctx.session, {alert.offer_id for alert in asked if alert.offer_id is not None}
    )
    waiting = {a.offer_id for a in asked if a.offer_id in found and _still_asked(who, found[a.offer_id], a)}
    return sorted(offer_id for offer_id in waiting if offer_id is not None)


async def _again(
    ctx: Ctx, note: str, *, without: int | None = None, asking: int | None = None
) -> list[Reply]:
    """The pressed message shown again: the note, then the offers it lists still to answer (`asking`: that
    one's ✗ asked again); a new message when Telegram no longer gives the pressed message."""
    listed = [offer_id for offer_id in _listed_ids(ctx) if offer_id != without]
    if not _listed_ids(ctx):
        if asking is None:
            return [Reply(note or ctx.t._("Noted."))]
        listed = [asking]
    mine, _others = await _keepable(ctx, listed)
    still = [offer for offer in mine if offer.status == Status.AVAILABLE]
    return [
        replace(round_message(ctx.t, still, ctx.now, note=note, asking=asking), edit=bool(_listed_ids(ctx)))
    ]


async def on_confirm(ctx: Ctx, pressed: KeeperConfirm) -> list[Reply]:
    """✓ under an offer of the keepers' round (still available), or "all still available"."""
    t = ctx.t
    wanted = [pressed.offer_id] if pressed.offer_id != "all" else _listed_ids(ctx) or await _waiting(ctx)
    confirmed = []
    for offer in await _kept(ctx, wanted):
        if offer.status == Status.AVAILABLE:
            await offers.confirm_still_available(ctx.session, offer, ctx.user_id, ctx.now)
            confirmed.append(offer.id)
    if pressed.offer_id == "all":
        note = t.n_("✓ {n} offer confirmed as still available. Thank you!",
                    "✓ {n} offers confirmed as still available. Thank you!", len(confirmed)).format(n=len(confirmed))  # fmt: skip
        return [Reply(note, edit=bool(_listed_ids(ctx)))]
    if confirmed:
        note = t._("✓ #{offer} confirmed as still available.").format(offer=pressed.offer_id)
    else:
        note = t._("#{offer} is no longer available: nothing to confirm.").format(offer=pressed.offer_id)
    return await _again(ctx, note, without=pressed.offer_id)


async def on_withdraw(ctx: Ctx, pressed: KeeperWithdraw) -> list[Reply]:
    """✗ under an offer of the keepers' round: asked again, then the offer is withdrawn (or kept)."""
    found = await _kept(ctx, [pressed.offer_id])
    if not found:
        return [Reply(ctx.t._("This offer no longer exists."))]
    offer = found[0]
    if pressed.answer == "ask":
        return await _again(ctx, "", asking=offer.id)
    if pressed.answer == "no":
        return await _again(ctx, "")
    t = ctx.t
    if offer.status in OPEN_TO_HOSTING:
        await offers.set_status(ctx.session, offer, ctx.user_id, Status.WITHDRAWN, ctx.now)
        note = t._("#{offer} is marked as no longer available: it left the search.").format(offer=offer.id)
    else:  # reserved or occupied meanwhile, or withdrawn already
        note = t._("This is not possible while the offer is {status}.").format(
            status=t._(STATUS_LABELS[Status(offer.status)])
        )
    return await _again(ctx, note, without=offer.id)
