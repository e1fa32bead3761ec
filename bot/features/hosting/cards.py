"""How an offer is shown: the summary card a host confirms, and the cards of /myoffers and caseworkers.

The card is read off the offer schema: each fact in its order, facts of one `line` together, what nobody
stated said as such.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.chat.messages import esc
from bot.domain import offer_schema as schema
from bot.i18n import Translator


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


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


def _place(t: Translator, fields: dict[str, Any]) -> str:
    return f"📍 {esc(fields.get('commune_name') or '—')} ({esc(fields.get('departement') or '—')})"


def _period(t: Translator, fields: dict[str, Any]) -> str:
    return f"📅 {period(t, _day(fields.get('available_from')), _day(fields.get('available_until')))}"


def _kind(t: Translator, fields: dict[str, Any]) -> str:
    return f"<b>{esc(schema.KIND.card_text(t, fields.get('kind')))}</b>"


def _amount(t: Translator, fields: dict[str, Any]) -> str:
    paying = fields.get("cost") in schema.PAYING
    return esc(schema.COST_EUR.card_text(t, fields.get("cost_eur"))) if paying else ""


# Facts whose card line reads several columns, or is styled.
COMPOSED = {"kind": _kind, "commune": _place, "available_from": _period, "cost_eur": _amount}


def offer_card(t: Translator, fields: dict[str, Any], *, private: bool = True) -> str:
    """The full description. Everything a user typed is escaped. `private` adds address and phone."""
    lines: list[tuple[str, list[str]]] = []
    for fact in schema.FACTS:
        if fact.private and not private:
            continue
        if fact.optional and fields.get(fact.name) is None:
            continue  # skipped by the host: nothing to say
        compose = COMPOSED.get(fact.name)
        text = (
            compose(t, fields)
            if compose
            else esc(fact.card_text(t, fields.get(fact.name)))
            if fact.card
            else ""
        )
        if not text:
            continue
        if fact.line and lines and lines[-1][0] == fact.line:
            lines[-1][1].append(text)
        else:
            lines.append((fact.line, [text]))
    return "\n".join(" · ".join(parts) for _, parts in lines)
