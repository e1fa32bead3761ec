"""/situations 44: the situations that order a département's waiting list, each switched on or off by its
coordinators (a situation switched off is neither asked when recording a household nor counted)."""

from __future__ import annotations

from bot.chat.callbacks import SituationSwitch
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply
from bot.domain import situations
from bot.domain.access import Action, require
from bot.domain.validation import normalise_departement
from storage import situations as situation_settings

# The coordinators' settings right (as /milestones and /freshness).
CONFIGURE = Action.STATISTICS


def _screen(ctx: Ctx, departement: str, switched_off: list[str]) -> Reply:
    t = ctx.t
    rows = []
    for situation in situations.SITUATIONS:
        on = situation.name not in switched_off
        label = ("✅ " if on else "⛔ ") + t._(situation.label)
        rows.append([Button(label, SituationSwitch(departement, situation.name, "off" if on else "on"))])
    text = t._("Situations that order the waiting list in {departement} (asked when a household is recorded; "
               "the most urgent first). Tap one to switch it off or on:").format(departement=departement)  # fmt: skip
    return Reply(text, rows)


async def situations_command(ctx: Ctx) -> list[Reply]:
    """/situations 44"""
    args = ctx.incoming.args
    departement = normalise_departement(args[0]) if len(args) == 1 else None
    if departement is None:
        return [Reply(ctx.t._("Write the département, for example: /situations 44"))]
    require(ctx.actor, CONFIGURE, departement)
    switched_off = await situation_settings.switched_off(ctx.session, [departement])
    return [_screen(ctx, departement, switched_off[departement])]


async def on_switch(ctx: Ctx, pressed: SituationSwitch) -> list[Reply]:
    """One situation switched on or off; the list shows itself again."""
    require(ctx.actor, CONFIGURE, pressed.departement)
    if pressed.situation not in situations.SITUATION_BY_NAME:
        return [Reply(ctx.t._("This button is no longer active."))]
    off = await situation_settings.switch(ctx.session, pressed.departement, pressed.situation,
                                          pressed.state == "on", ctx.user_id, ctx.now)  # fmt: skip
    screen = _screen(ctx, pressed.departement, off)
    screen.edit = True
    return [screen]
