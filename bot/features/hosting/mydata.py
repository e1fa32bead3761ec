"""/mydata: what the bot holds about a person, and erasing it."""

from __future__ import annotations

from bot.chat.callbacks import Erase
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply
from bot.i18n import LANGUAGE_NAMES
from storage import privacy


async def my_data(ctx: Ctx) -> list[Reply]:
    held = await privacy.what_we_hold(ctx.session, ctx.user_id)
    t = ctx.t
    lines = [
        t._("<b>What the bot holds about you</b>"),
        t._("Telegram account number: {id}").format(id=ctx.user_id),
        t._("Language: {language}").format(language=LANGUAGE_NAMES[t.language]),
        t._("Privacy notice accepted on {date}").format(date=t.date(held.accepted_at.date())),
        t.n_("{n} offer", "{n} offers", held.offers).format(n=held.offers),
        t.n_("{n} phone number in your offers", "{n} phone numbers in your offers", held.phones).format(
            n=held.phones
        ),
    ]
    if held.roles:
        lines.append(t._("Roles: {roles}").format(roles=", ".join(held.roles)))
    if held.dialogue_in_progress:
        lines.append(t._("Answers of a question series in progress"))
    lines.append("")
    lines.append(
        t._("You can erase all of it. Offers that were part of a placement keep only anonymous facts.")
    )
    return [Reply("\n".join(lines), [[Button(t._("Erase my data"), Erase("ask"))]])]


async def on_erase_button(ctx: Ctx, pressed: Erase) -> list[Reply]:
    """Erasing everything the bot holds about the user: asked, confirmed, or not."""
    t = ctx.t
    if pressed.answer == "ask":
        return [Reply(t._("Erase everything the bot holds about you? This cannot be undone."), [[
            Button(t._("Yes, erase everything"), Erase("yes")), Button(t._("No"), Erase("no")),
        ]], edit=True)]  # fmt: skip
    if pressed.answer == "yes":
        await privacy.erase_user(ctx.session, ctx.user_id, ctx.now)
        return [Reply(t._("Your data is erased. Send /start if you want to use the bot again."), edit=True)]
    return [Reply(t._("Nothing was erased."), edit=True)]
