"""The statistics chart sent to coordinators: one PNG, portrait, readable on a phone.

Drawn with matplotlib's object-oriented API (a :class:`~matplotlib.figure.Figure` on an Agg canvas):
no pyplot, no global state, so it may run in a worker thread (``asyncio.to_thread``). The font is
DejaVu Sans, bundled with matplotlib, which has the Latin and Cyrillic letters the bot speaks.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Final

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.domain.statistics import Figures, TerritoryStatistics
from bot.geo.communes import DEPARTEMENTS as DEPARTEMENT_NAMES
from bot.i18n import Translator

WIDTH_PX: Final = 1080
HEIGHT_PX: Final = 1350
DPI: Final = 150
MAX_BARS: Final = 10
"""Départements drawn one by one; the smaller ones beyond are summed up in one bar."""
HEADER_SHARE: Final = 0.11
"""Height of the title block, as a share of the picture."""
MARGIN: Final = 0.035
"""Left margin of the title block, as a share of the width."""
MIN_ROWS: Final = 3
"""Horizontal bar charts are drawn as if they had at least this many rows (no fat bars)."""
CROWDED: Final = 6
"""More départements than this: smaller value labels."""
LISTED_DEPARTEMENTS: Final = 6
"""Département codes written in the subtitle; beyond, their number."""

FONT: Final = "DejaVu Sans"
TITLE_SIZE: Final = 19
HEADING_SIZE: Final = 16
LABEL_SIZE: Final = 13
TICK_SIZE: Final = 12
VALUE_SIZE: Final = 11

# Colours told apart by colour-blind readers too (Okabe–Ito).
OFFERS_COLOUR: Final = "#0072B2"
PLACEMENTS_COLOUR: Final = "#E69F00"
AVAILABLE_COLOUR: Final = "#009E73"
OCCUPIED_COLOUR: Final = "#D55E00"
STALE_COLOUR: Final = "#999999"
PAUSED_COLOUR: Final = "#56B4E9"
QUALIFY_COLOUR: Final = "#CC79A7"
TEXT_COLOUR: Final = "#222222"
MUTED_COLOUR: Final = "#555555"
GRID_COLOUR: Final = "#DDDDDD"


def _integers(axes: Axes, t: Translator) -> None:
    """Whole-number ticks written the user's way (1 234 / 1,234)."""
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: t.number(int(value))))


def _style(axes: Axes) -> None:
    axes.tick_params(labelsize=TICK_SIZE, colors=TEXT_COLOUR)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.set_axisbelow(True)


def _annotate(
    axes: Axes, bars: BarContainer, values: Sequence[int], t: Translator, size: int = VALUE_SIZE
) -> None:
    """The value at the end of each bar (none on empty bars)."""
    labels = [t.number(value) if value else "" for value in values]
    axes.bar_label(bars, labels=labels, padding=3, fontsize=size, color=TEXT_COLOUR)


def _territory_name(stats: TerritoryStatistics, t: Translator) -> str:
    codes = stats.departements
    if len(codes) == 1 and codes[0] in DEPARTEMENT_NAMES:
        return f"{DEPARTEMENT_NAMES[codes[0]]} ({codes[0]})"
    if len(codes) <= LISTED_DEPARTEMENTS:
        return ", ".join(codes)
    return t.n_("{n} département", "{n} départements", len(codes)).format(n=len(codes))


def _trends(axes: Axes, stats: TerritoryStatistics, t: Translator) -> None:
    weeks = stats.territory.weeks
    positions = range(len(weeks))
    width = 0.4
    offers = [week.new_offers for week in weeks]
    placed = [week.new_placements for week in weeks]
    offer_bars = axes.bar(
        [p - width / 2 for p in positions], offers, width, color=OFFERS_COLOUR, label=t._("New offers")
    )
    placement_bars = axes.bar(
        [p + width / 2 for p in positions],
        placed,
        width,
        color=PLACEMENTS_COLOUR,
        label=t._("Households housed (arrivals)"),
    )
    _annotate(axes, offer_bars, offers, t)
    _annotate(axes, placement_bars, placed, t)
    axes.set_title(
        t.n_("The last {n} week", "The last {n} weeks", len(weeks)).format(n=len(weeks)),
        fontsize=HEADING_SIZE, color=TEXT_COLOUR, loc="left",
    )  # fmt: skip
    axes.set_xticks(list(positions))
    axes.set_xticklabels(
        [t.date(week.start, "d MMM") for week in weeks], rotation=45, ha="right", rotation_mode="anchor"
    )
    axes.set_xlabel(t._("Week starting on"), fontsize=LABEL_SIZE, color=TEXT_COLOUR)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: t.number(int(value))))
    axes.set_ylim(0, max([*offers, *placed, 1]) * 1.6)  # headroom: the legend never hides a bar
    axes.grid(axis="y", color=GRID_COLOUR)
    axes.legend(fontsize=LABEL_SIZE, frameon=False, loc="upper left")
    _style(axes)


def _bars(stats: TerritoryStatistics, t: Translator) -> list[tuple[str, int, int]]:
    """(label, places available, places occupied) of each département drawn, in code order; beyond
    MAX_BARS, the smallest ones are summed up in a last bar."""
    items = [(code, f.places_available, f.places_occupied) for code, f in stats.by_departement.items()]
    if len(items) <= MAX_BARS:
        return items
    by_size = sorted(items, key=lambda item: -(item[1] + item[2]))
    shown = sorted(by_size[: MAX_BARS - 1], key=lambda item: stats.departements.index(item[0]))
    rest = by_size[MAX_BARS - 1 :]
    label = t._("Others ({n})").format(n=len(rest))
    return [*shown, (label, sum(item[1] for item in rest), sum(item[2] for item in rest))]


def _finish_horizontal(axes: Axes, labels: list[str], largest: int, t: Translator) -> None:
    axes.set_yticks(list(range(len(labels))))
    axes.set_yticklabels(labels)
    margin = max(MIN_ROWS - len(labels), 0) / 2  # few rows stay thin, in the middle
    axes.set_ylim(len(labels) - 0.5 + margin, -0.5 - margin)  # the first on top
    _integers(axes, t)
    axes.set_xlim(0, max(largest, 1) * 1.2)
    axes.grid(axis="x", color=GRID_COLOUR)
    _style(axes)


def _departements(axes: Axes, stats: TerritoryStatistics, t: Translator) -> None:
    """Places available and occupied, two bars per département."""
    bars = _bars(stats, t)
    available = [item[1] for item in bars]
    occupied = [item[2] for item in bars]
    height = 0.38
    available_bars = axes.barh(
        [p - height / 2 for p in range(len(bars))], available, height, color=AVAILABLE_COLOUR,
        label=t._("Places available"),
    )  # fmt: skip
    occupied_bars = axes.barh(
        [p + height / 2 for p in range(len(bars))], occupied, height, color=OCCUPIED_COLOUR,
        label=t._("Places occupied"),
    )  # fmt: skip
    size = VALUE_SIZE if len(bars) <= CROWDED else VALUE_SIZE - 2
    _annotate(axes, available_bars, available, t, size)
    _annotate(axes, occupied_bars, occupied, t, size)
    axes.set_title(t._("Places by département"), fontsize=HEADING_SIZE, color=TEXT_COLOUR, loc="left", pad=34)
    axes.set_xlabel(t._("People"), fontsize=LABEL_SIZE, color=TEXT_COLOUR)
    axes.legend(
        fontsize=LABEL_SIZE, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2,
        borderaxespad=0.2,
    )  # fmt: skip
    _finish_horizontal(axes, [item[0] for item in bars], max([*available, *occupied]), t)


def _statuses(axes: Axes, figures: Figures, t: Translator) -> None:
    """One département: its offers by status (to qualify apart: it overlaps the others)."""
    counts = figures.offers
    rows = [
        (t._("Available"), counts.available, AVAILABLE_COLOUR),
        (t._("Not re-confirmed"), counts.stale, STALE_COLOUR),
        (t._("Paused"), counts.paused, PAUSED_COLOUR),
        (t._("Reserved"), counts.reserved, PLACEMENTS_COLOUR),
        (t._("Occupied"), counts.occupied, OCCUPIED_COLOUR),
        (t._("To qualify"), counts.to_qualify, QUALIFY_COLOUR),
    ]
    values = [value for _, value, _ in rows]
    bars = axes.barh(range(len(rows)), values, 0.6, color=[colour for _, _, colour in rows])
    _annotate(axes, bars, values, t)
    axes.set_title(t._("Offers by status"), fontsize=HEADING_SIZE, color=TEXT_COLOUR, loc="left")
    axes.set_xlabel(t._("Offers"), fontsize=LABEL_SIZE, color=TEXT_COLOUR)
    _finish_horizontal(axes, [label for label, _, _ in rows], max(values), t)


def statistics_chart(stats: TerritoryStatistics, t: Translator) -> bytes:
    """A 1080×1350 PNG in the user's language: weekly trends on top; below, places available and
    occupied by département (or, for a single département, its offers by status)."""
    figure = Figure(
        figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white", layout="constrained"
    )
    FigureCanvasAgg(figure)
    header, body = figure.subfigures(2, 1, height_ratios=[HEADER_SHARE, 1 - HEADER_SHARE])  # type: ignore[misc]
    total = stats.territory
    header.text(
        MARGIN, 0.92, t._("Crisis housing: {territory}").format(territory=_territory_name(stats, t)),
        fontsize=TITLE_SIZE, fontweight="bold", color=TEXT_COLOUR, va="top",
    )  # fmt: skip
    counts = (
        (t.n_("{n} place available", "{n} places available", total.places_available), total.places_available),
        (t.n_("{n} place occupied", "{n} places occupied", total.places_occupied), total.places_occupied),
        (t.n_("{n} offer", "{n} offers", total.offers.total), total.offers.total),
    )
    summary = " · ".join(text.format(n=t.number(value)) for text, value in counts)
    header.text(MARGIN, 0.5, summary, fontsize=LABEL_SIZE, color=TEXT_COLOUR, va="top")
    header.text(
        MARGIN, 0.18, t._("Situation on {date}").format(date=t.date(stats.today)),
        fontsize=LABEL_SIZE, color=MUTED_COLOUR, va="top",
    )  # fmt: skip
    top, bottom = body.subplots(2, 1)
    _trends(top, stats, t)
    if len(stats.by_departement) == 1:
        _statuses(bottom, next(iter(stats.by_departement.values())), t)
    else:
        _departements(bottom, stats, t)
    for text in figure.findobj(Text):
        text.set_fontfamily(FONT)
    figure.get_layout_engine().set(w_pad=0.25, h_pad=0.2, hspace=0.08)  # type: ignore[union-attr, call-arg]
    output = io.BytesIO()
    figure.savefig(output, format="png", dpi=DPI, metadata={"Software": None})
    return output.getvalue()
