"""Coordinators' alert settings: /alerts (stale offers, undeliverable alerts, settings), /milestones,
/freshness, /consent (how long a host has to answer a proposal), /digest on|off. The alerts themselves are in `bot/features/alerts/`."""

from __future__ import annotations

from bot.chat.context import Ctx
from bot.chat.messages import Reply, esc
from bot.domain import reminders
from bot.domain.access import Action, require
from bot.domain.consent import CONSENT_HOURS_RANGE, DEFAULT_CONSENT_HOURS
from bot.domain.validation import normalise_departement, parse_count
from bot.features.alerts import kinds as alert_kinds
from storage import alerts
from storage import reminders as reminder_queries


async def alerts_overview(ctx: Ctx) -> list[Reply]:
    require(ctx.actor, Action.STATISTICS)
    territory = ctx.actor.territory(Action.STATISTICS)
    t = ctx.t
    stale = await reminder_queries.stale_counts(ctx.session, territory)
    managed = await reminder_queries.stale_counts(ctx.session, territory, managed_only=True)

    def count(dep: str) -> str:
        of_which = t._("{n} managed by organisations").format(n=managed[dep]) if managed.get(dep) else ""
        return f"{dep}: {stale.get(dep, 0)}" + (f" ({of_which})" if of_which else "")

    lines = [t._("<b>Stale offers</b> (nobody re-confirmed them: their host, or the keepers of offers "
                 "organisations manage): {counts}").format(counts=", ".join(map(count, sorted(territory))))]  # fmt: skip
    failed = await alerts.undeliverable(ctx.session, territory)
    lines.append(
        t.n_("<b>{n} undeliverable alert</b>", "<b>{n} undeliverable alerts</b>", len(failed)).format(
            n=len(failed)
        )
    )
    for alert in failed[:20]:
        lines.append(
            f"• {t._(alert_kinds.LABELS.get(alert.kind, alert.kind))} · {alert.departement} · "
            f"#{alert.recipient_id} · {esc(alert.last_error or '')[:80]}"
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
        hours = row.consent_hours if row else DEFAULT_CONSENT_HOURS
        lines.append(t.n_("{departement}: hosts answer a proposal within {n} hour.",
                          "{departement}: hosts answer a proposal within {n} hours.", hours).format(
            departement=departement, n=hours))  # fmt: skip
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


async def set_consent(ctx: Ctx) -> list[Reply]:
    """/consent 44 48"""
    args = ctx.incoming.args
    departement = normalise_departement(args[0]) if args else None
    hours = parse_count(args[1], *CONSENT_HOURS_RANGE) if len(args) == 2 else None
    if departement is None or not isinstance(hours, int):
        return [Reply(ctx.t._("Write the département then a number of hours ({low} to {high}), for example: "
                              "/consent 44 48").format(low=CONSENT_HOURS_RANGE[0], high=CONSENT_HOURS_RANGE[1]))]  # fmt: skip
    require(ctx.actor, Action.STATISTICS, departement)
    await alerts.save_settings(ctx.session, departement, ctx.now, ctx.user_id, consent_hours=hours)
    text = ctx.t.n_("{departement}: hosts have {n} hour to accept or decline a proposal; they are reminded half way.",
                    "{departement}: hosts have {n} hours to accept or decline a proposal; they are reminded half way.",
                    hours)  # fmt: skip
    return [Reply(text.format(departement=departement, n=hours))]


async def toggle_digest(ctx: Ctx) -> list[Reply]:
    """/digest on|off"""
    require(ctx.actor, Action.STATISTICS)
    wanted = (ctx.incoming.args[:1] or ("on",))[0].lower() not in ("off", "non", "ні", "stop")
    await alerts.set_digest(ctx.session, ctx.user_id, wanted, ctx.now)
    if wanted:
        return [Reply(ctx.t._("You will receive a digest every Monday morning. /digest off to stop it."))]
    return [Reply(ctx.t._("The weekly digest is off."))]
