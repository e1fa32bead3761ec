"""Coordinators: /stats (figures and a chart of their territory) and /export (Excel, or CSV on request)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from bot.chat.context import Ctx
from bot.chat.messages import Attachment, Later, Reply
from bot.domain.access import Action, require
from bot.domain.consent import DECLINE_LABELS, ConsentFigures
from bot.domain.consent import figures as consent_figures
from bot.domain.statistics import Figures
from bot.features.coordination.charts import statistics_chart
from bot.features.coordination.exports import SHEETS, export_csv, export_filename, export_workbook
from bot.i18n import Translator, translator
from storage import audit
from storage.db import Database
from storage.exports import ExportData, export_data
from storage.statistics import consent_outcomes, territory_statistics


def _days(t: Translator, value: float | None) -> str:
    if value is None:
        return "—"
    return t.n_("{n} day", "{n} days", round(value)).format(n=t.number(round(value, 1)))


def figures_text(t: Translator, title: str, figures: Figures) -> str:
    offers = figures.offers
    lines = [
        f"<b>{title}</b>",
        t._("Offers: {available} available, {reserved} reserved, {occupied} occupied, {paused} paused, "
            "{stale} stale; {to_qualify} to qualify").format(
            available=offers.available, reserved=offers.reserved, occupied=offers.occupied, paused=offers.paused,
            stale=offers.stale, to_qualify=offers.to_qualify),
        t._("Places (people): {available} available, {occupied} occupied").format(
            available=figures.places_available, occupied=figures.places_occupied),
        t._("Placements ending within 7 days: {d7} · 30 days: {d30} · 60 days: {d60}").format(
            d7=figures.ending.in_7_days, d30=figures.ending.in_30_days, d60=figures.ending.in_60_days),
        t._("This week: {offers} new offers, {placements} new placements").format(
            offers=figures.weeks[-1].new_offers if figures.weeks else 0,
            placements=figures.weeks[-1].new_placements if figures.weeks else 0),
        t._("Median time from offer to qualification: {qualification}; to first placement: {placement}").format(
            qualification=_days(t, figures.delays.days_to_qualification),
            placement=_days(t, figures.delays.days_to_first_placement)),
    ]  # fmt: skip
    return "\n".join(lines)


def consent_text(t: Translator, figures: ConsentFigures) -> str:
    """What became of the proposals to hosts: accepted, declined (why), lapsed; how fast hosts answer."""
    lines = [t._("<b>Proposals to hosts</b>: {accepted} accepted, {declined} declined, {timed_out} without an "
                 "answer in time").format(accepted=figures.accepted, declined=figures.declined,
                                          timed_out=figures.timed_out)]  # fmt: skip
    rate = figures.acceptance_rate
    hours = figures.median_hours_to_answer
    lines.append(t._("Acceptance rate: {rate}; median time to a host's answer: {time}").format(
        rate="—" if rate is None else t._("{percent}%").format(percent=t.number(round(rate * 100))),
        time="—" if hours is None else t.n_("{n} hour", "{n} hours", round(hours)).format(n=t.number(round(hours, 1)))))  # fmt: skip
    if figures.declines_by_reason:
        reasons = ", ".join(
            f"{t._(DECLINE_LABELS[reason])} ({count})" for reason, count in figures.declines_by_reason.items()
        )
        lines.append(t._("Declines by reason: {reasons}").format(reasons=reasons))
    return "\n".join(lines)


async def statistics(ctx: Ctx) -> list[Reply]:
    """/stats: the figures now; the chart is drawn when it is sent (half a second that holds up no one)."""
    require(ctx.actor, Action.STATISTICS)
    territory = ctx.actor.territory(Action.STATISTICS)
    stats = await territory_statistics(ctx.session, territory, ctx.today, ctx.now)
    t = ctx.t
    title = t._("Territory {departements}").format(departements=", ".join(stats.departements))
    parts = [figures_text(t, title, stats.territory)]
    if len(stats.departements) > 1:
        parts += [
            figures_text(t, departement, stats.by_departement[departement])
            for departement in stats.departements
        ]
    parts.append(consent_text(t, consent_figures(await consent_outcomes(ctx.session, territory))))
    chart = Later("statistics_chart", {"departements": sorted(territory), "language": t.language,
                                       "today": ctx.today.isoformat(), "now": ctx.now.isoformat()})  # fmt: skip
    return [
        Reply("\n\n".join(parts)),
        Reply(t._("Trends over 12 weeks and breakdown by département"),
              attachment=Attachment("statistics.png", chart, kind="photo")),
    ]  # fmt: skip


async def make_chart(database: Database, args: dict[str, Any]) -> bytes:
    """The chart of /stats, read and drawn when it is sent."""
    async with database.transaction() as session:
        stats = await territory_statistics(session, frozenset(args["departements"]),
                                           date.fromisoformat(args["today"]), datetime.fromisoformat(args["now"]))  # fmt: skip
    return await asyncio.to_thread(statistics_chart, stats, translator(args["language"]))


async def export(ctx: Ctx) -> list[Reply]:
    """/export (xlsx) or /export csv: recorded now, made when sent (seconds for a large territory)."""
    require(ctx.actor, Action.EXPORT)
    territory = ctx.actor.territory(Action.EXPORT)
    as_csv = ctx.incoming.args[:1] == ("csv",)
    await audit.record(ctx.session, ctx.user_id, audit.EXPORTED, "csv" if as_csv else "xlsx", ctx.now,
                       departements=sorted(territory))  # fmt: skip
    t = ctx.t
    note = t._("Export of {departements}. It contains no personal data of hosts or households; keep it within "
               "your service. This export is recorded.").format(departements=", ".join(sorted(territory)))  # fmt: skip
    named = ExportData(tuple(sorted(territory)), ctx.now)  # what the file names need
    args = {"departements": sorted(territory), "language": t.language, "now": ctx.now.isoformat()}
    if as_csv:
        files = [Reply("", attachment=Attachment(export_filename(named, t, "csv", sheet),
                                                 Later("export", {**args, "sheet": str(sheet)})))
                 for sheet in SHEETS]  # fmt: skip
        return [Reply(note), *files]
    workbook = Later("export", {**args, "sheet": None})
    return [Reply(note, attachment=Attachment(export_filename(named, t, "xlsx"), workbook))]


async def make_export(database: Database, args: dict[str, Any]) -> bytes:
    """An export file, read and written when it is sent: the workbook, or one sheet as CSV."""
    async with database.transaction() as session:
        data = await export_data(
            session, frozenset(args["departements"]), datetime.fromisoformat(args["now"])
        )
    t = translator(args["language"])
    if args["sheet"] is None:
        return await asyncio.to_thread(export_workbook, data, t)
    return await asyncio.to_thread(export_csv, data, t, args["sheet"])
