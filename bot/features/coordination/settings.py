"""Alerts and their answers: coordinators' settings (/milestones, /freshness), /alerts, the weekly /digest,
and the buttons under alert messages (caseworkers and hosts)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.context import Ctx
from bot.chat.messages import Reply, esc
from bot.domain import reminders
from bot.domain.access import Action, Actor, require
from bot.domain.validation import normalise_departement, parse_count
from bot.i18n import Translator
from bot.services import casework
from storage import alerts, offers, roles
from storage import reminders as reminder_queries


async def digest_text(session: AsyncSession, t: Translator, coordinator_id: int, now: datetime) -> str:
    actor = Actor(coordinator_id, await roles.grants_of(session, coordinator_id))
    territory = actor.territory(Action.SEE_PLACEMENTS)
    today = reminders.paris_day(now)
    ending = [
        row for row in await casework.open_placements(session, actor)
        if row[0].planned_end and today <= row[0].planned_end <= today + timedelta(days=30)
    ] if territory else []  # fmt: skip
    stale = await reminder_queries.stale_counts(session, territory)
    to_qualify = await offers.count_to_qualify(session, territory)
    lines = [
        t._("<b>Weekly digest</b> ({departements})").format(departements=", ".join(sorted(territory)) or "—")
    ]
    lines.append(t.n_("{n} placement ends in the next 30 days", "{n} placements end in the next 30 days",
                      len(ending)).format(n=len(ending)))  # fmt: skip
    for placed, family, offer in ending[:10]:
        assert placed.planned_end is not None
        lines.append(
            f"• {esc(family.reference)} — #{offer.id} {esc(offer.commune_name)} — {t.date(placed.planned_end)}"
        )
    total_stale = sum(stale.values())
    lines.append(t.n_("{n} offer not re-confirmed by its host (stale)", "{n} offers not re-confirmed by their hosts (stale)",
                      total_stale).format(n=total_stale))  # fmt: skip
    lines.append(t.n_("{n} new offer to qualify", "{n} offers to qualify", to_qualify).format(n=to_qualify))
    return "\n".join(lines)


async def alerts_overview(ctx: Ctx) -> list[Reply]:
    require(ctx.actor, Action.STATISTICS)
    territory = ctx.actor.territory(Action.STATISTICS)
    t = ctx.t
    stale = await reminder_queries.stale_counts(ctx.session, territory)
    lines = [t._("<b>Stale offers</b> (hosts did not re-confirm): {counts}").format(
        counts=", ".join(f"{dep}: {stale.get(dep, 0)}" for dep in sorted(territory)))]  # fmt: skip
    failed = await alerts.undeliverable(ctx.session, territory)
    lines.append(
        t.n_("<b>{n} undeliverable alert</b>", "<b>{n} undeliverable alerts</b>", len(failed)).format(
            n=len(failed)
        )
    )
    for alert in failed[:20]:
        lines.append(
            f"• {alert.kind} · {alert.departement} · #{alert.recipient_id} · {esc(alert.last_error or '')[:80]}"
        )
    settings = await alerts.milestones_by_departement(ctx.session)
    for departement in sorted(territory):
        row = settings.get(departement)
        days = ", ".join(
            str(m) for m in (row.milestones if row and row.milestones else reminders.DEFAULT_MILESTONES)
        )
        freshness = row.freshness_days if row else reminders.DEFAULT_FRESHNESS_DAYS
        lines.append(t._("{departement}: alerts {days} days before the end; “still available?” after {n} days.").format(
            departement=departement, days=days, n=freshness))  # fmt: skip
    return [Reply("\n".join(lines))]


async def set_milestones(ctx: Ctx) -> list[Reply]:
    """/milestones 44 60 30 14 7 1"""
    args = ctx.incoming.args
    departement = normalise_departement(args[0]) if args else None
    days = [parse_count(arg, 1, 365) for arg in args[1:]]
    if departement is None or not days or not all(isinstance(d, int) for d in days) or len(days) > 10:
        return [
            Reply(
                ctx.t._(
                    "Write the département then the days before the end, for example: /milestones 44 60 30 14 7 1"
                )
            )
        ]
    require(ctx.actor, Action.STATISTICS, departement)
    row = await alerts.save_settings(ctx.session, departement, ctx.now, ctx.user_id,
                                     milestones=[d for d in days if isinstance(d, int)])  # fmt: skip
    return [Reply(ctx.t._("{departement}: alerts {days} days before the end of each placement.").format(
        departement=departement, days=", ".join(str(m) for m in row.milestones)))]  # fmt: skip


async def set_freshness(ctx: Ctx) -> list[Reply]:
    """/freshness 44 21"""
    args = ctx.incoming.args
    departement = normalise_departement(args[0]) if args else None
    days = parse_count(args[1], 3, 90) if len(args) == 2 else None
    if departement is None or not isinstance(days, int):
        return [
            Reply(
                ctx.t._(
                    "Write the département then a number of days (3 to 90), for example: /freshness 44 21"
                )
            )
        ]
    require(ctx.actor, Action.STATISTICS, departement)
    await alerts.save_settings(ctx.session, departement, ctx.now, ctx.user_id, freshness_days=days)
    return [Reply(ctx.t._("{departement}: hosts are asked “still available?” after {n} days without news.").format(
        departement=departement, n=days))]  # fmt: skip


async def toggle_digest(ctx: Ctx) -> list[Reply]:
    """/digest on|off"""
    require(ctx.actor, Action.STATISTICS)
    wanted = (ctx.incoming.args[:1] or ("on",))[0].lower() not in ("off", "non", "ні", "stop")
    await alerts.set_digest(ctx.session, ctx.user_id, wanted, ctx.now)
    if wanted:
        return [Reply(ctx.t._("You will receive a digest every Monday morning. /digest off to stop it."))]
    return [Reply(ctx.t._("The weekly digest is off."))]
