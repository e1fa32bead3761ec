"""Someone looking for a place: what to do, in their language, and their département's reception contacts.
Nothing is asked and nothing is stored about them (no registration: the privacy notice is not needed)."""

from __future__ import annotations

from bot.chat.callbacks import SeekingIn
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain.access import Action, require
from bot.domain.validation import normalise_departement
from bot.geo.communes import load_communes
from bot.i18n import Translator
from storage import reception

MAX_CONTACT = 500


def _guidance(t: Translator) -> str:
    return "\n".join([
        t._("<b>You are looking for a place to stay</b>"),
        t._("• If an association already follows you, tell your social worker: they look for places with you."),
        t._("• Tonight, in an emergency: call <b>115</b> (free, day and night) for emergency shelter."),
        t._("• You can also go to the reception service of your département."),
        t._("This bot does not record anything about you for this."),
    ])  # fmt: skip


async def seeking(ctx: Ctx) -> list[Reply]:
    """What to do, and a button for each département that gave its reception contacts."""
    given = await reception.contacts(ctx.session)
    names = load_communes()
    buttons = [
        [Button(f"{code} — {names.departement_name(code)}", SeekingIn(code))] for code in sorted(given)
    ]
    text = _guidance(ctx.t) + "\n\n" + (
        ctx.t._("Choose your département to see where to go:") if buttons
        else ctx.t._("No département has given its reception contacts in this bot yet: call 115, or ask at the town hall.")
    )  # fmt: skip
    return [Reply(text, buttons)]


async def on_departement(ctx: Ctx, pressed: SeekingIn) -> list[Reply]:
    """A département's reception contacts."""
    given = (await reception.contacts(ctx.session)).get(pressed.departement)
    if given is None:
        return await seeking(ctx)
    name = load_communes().departement_name(pressed.departement)
    return [Reply(ctx.t._("Reception in {departement}:").format(departement=f"{pressed.departement} — {name}")
                  + "\n" + esc(given) + "\n\n" + ctx.t._("In an emergency, tonight: call 115."))]  # fmt: skip


async def set_reception(ctx: Ctx) -> list[Reply]:
    """/reception 44 TEXT: where people looking for a place go in the département (/reception 44 - removes it)."""
    require(ctx.actor, Action.STATISTICS)
    args = ctx.incoming.args
    t = ctx.t
    territory = ctx.actor.territory(Action.STATISTICS)
    if not args:
        given = await reception.contacts(ctx.session)
        not_given = t._("(not given)")
        lines = [f"{code}: {esc(given[code]) if code in given else not_given}" for code in sorted(territory)]
        usage = t._(
            "To change it: /reception 44 followed by the address, phone and hours (or /reception 44 - to remove it)."
        )
        return [Reply("\n".join([*lines, "", usage]))]  # fmt: skip
    departement = normalise_departement(args[0])
    if departement is None:
        return [Reply(t._("“{code}” is not a département.").format(code=esc(args[0])))]
    require(ctx.actor, Action.STATISTICS, departement)
    text = " ".join(args[1:]).strip()
    if not text:
        return [
            Reply(
                t._(
                    "Add the contacts after the département, for example: /reception 44 Accueil DDETS, 2 rue…"
                )
            )
        ]
    if len(text) > MAX_CONTACT:
        return [
            Reply(
                t.n_("At most {n} character.", "At most {n} characters.", MAX_CONTACT).format(n=MAX_CONTACT)
            )
        ]
    await reception.set_contact(ctx.session, departement, None if text == "-" else text, ctx.user_id, ctx.now)
    if text == "-":
        return [
            Reply(t._("The reception contacts of {departement} are removed.").format(departement=departement))
        ]
    return [Reply(t._("People looking for a place in {departement} will be shown:").format(departement=departement)
                  + "\n" + esc(text))]  # fmt: skip
