"""How an offer is shown: the summary card a host confirms, and the cards of /myoffers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.chat import esc
from bot.domain import offers as domain
from bot.i18n import Translator


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _label(t: Translator, table: dict[str, str], key: str) -> str:
    return t._(table[key])


def _labels(t: Translator, table: dict[str, str], values: list[str] | None) -> str:
    chosen = [t._(table[v]) for v in values or [] if v in table]
    return ", ".join(chosen) if chosen else "—"


def _yes_no(t: Translator, value: Any) -> str:
    return t._("Yes") if value else t._("No")


def period(t: Translator, start: date | None, end: date | None) -> str:
    if start is None:
        return "—"
    if end is None:
        return t._("from {start}, no end date").format(start=t.date(start))
    return t._("from {start} to {end}").format(start=t.date(start), end=t.date(end))


def people(t: Translator, n: int) -> str:
    return t.n_("{n} person", "{n} people", n).format(n=n)


def freshness(t: Translator, last_confirmed_at: datetime, now: datetime) -> str:
    days = (now - last_confirmed_at).days
    if days < 1:
        return t._("confirmed today")
    return t.n_("confirmed {n} day ago", "confirmed {n} days ago", days).format(n=days)


def offer_card(t: Translator, fields: dict[str, Any], *, private: bool = True) -> str:
    """The full description. Everything a user typed is escaped. `private` adds address and phone."""
    lines = [
        f"<b>{esc(_label(t, domain.KINDS, fields['kind']) if fields.get('kind') else '—')}</b>",
        f"📍 {esc(fields.get('commune_name') or '—')} ({esc(fields.get('departement') or '—')})",
    ]
    if private and fields.get("address"):
        lines.append(f"🏠 {esc(fields['address'])}")
    if fields.get("people"):
        beds = t.n_("{n} bed", "{n} beds", fields.get("beds") or 0).format(n=fields.get("beds") or 0)
        rooms = t.n_("{n} bedroom", "{n} bedrooms", fields.get("bedrooms") or 0).format(
            n=fields.get("bedrooms") or 0
        )
        lines.append(f"👥 {people(t, fields['people'])} · {beds} · {rooms}")
    if fields.get("welcome"):
        lines.append(t._("Can welcome: {who}").format(who=_label(t, domain.WELCOME, fields["welcome"])))
    lines.append(f"📅 {period(t, _day(fields.get('available_from')), _day(fields.get('available_until')))}")
    if fields.get("min_stay_days"):
        stay = t.n_("{n} day", "{n} days", fields["min_stay_days"]).format(n=fields["min_stay_days"])
        lines.append(t._("Minimum stay: {duration}").format(duration=stay))
    if fields.get("step_free"):
        lines.append(f"♿ {_label(t, domain.STEP_FREE, fields['step_free'])}")
    lines.append(
        " · ".join(
            [
                t._("Pets: {answer}").format(answer=_yes_no(t, fields.get("pets"))),
                t._("Children: {answer}").format(answer=_yes_no(t, fields.get("children"))),
                t._("Smoking: {answer}").format(answer=_yes_no(t, fields.get("smoking"))),
            ]
        )
    )
    lines.append(t._("Equipment: {list}").format(list=_labels(t, domain.EQUIPMENT, fields.get("equipment"))))
    lines.append(
        t._("Getting around: {list}").format(list=_labels(t, domain.TRANSPORT, fields.get("transport")))
    )
    lines.append(
        t._("Languages spoken: {list}").format(list=_labels(t, domain.LANGUAGES, fields.get("languages")))
    )
    if fields.get("cost"):
        cost = _label(t, domain.COSTS, fields["cost"])
        if fields.get("cost_eur"):
            cost += " · " + t._("{amount} € per month").format(amount=t.number(fields["cost_eur"]))
        lines.append(f"💶 {cost}")
    if fields.get("notes"):
        lines.append(f"📝 {esc(fields['notes'])}")
    if private and fields.get("phone"):
        lines.append(f"📞 {esc(fields['phone'])}")
    return "\n".join(lines)
