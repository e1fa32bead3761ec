"""/myoffers (a host's offers, with one-tap updates), "still available?" answers, and /mydata."""

from __future__ import annotations

from bot.cards import freshness, offer_card
from bot.chat import Button, Reply
from bot.context import Ctx
from bot.domain.offers import STATUS_LABELS, Status
from bot.i18n import LANGUAGE_NAMES, Translator
from conversations import host_offer
from storage import offers, privacy
from storage.models import Offer


def offer_buttons(ctx: Ctx, offer: Offer) -> list[list[Button]]:
    t, key = ctx.t, f"offer:{offer.id}"
    if offer.status == Status.WITHDRAWN:
        return [[Button(t._("Available again"), f"{key}:resume")], [Button(t._("Delete"), f"{key}:delete")]]
    pause = (
        Button(t._("Resume"), f"{key}:resume")
        if offer.status == Status.PAUSED
        else Button(t._("Pause"), f"{key}:pause")
    )
    return [
        [Button(t._("✓ Still available"), f"{key}:confirm"), Button(t._("Update dates"), f"{key}:dates")],
        [pause, Button(t._("No longer available"), f"{key}:unavailable")],
        [Button(t._("Change a field"), f"{key}:edit"), Button(t._("Photos"), f"{key}:photos")],
        [Button(t._("Withdraw and delete"), f"{key}:delete")],
    ]


def card(ctx: Ctx, offer: Offer) -> Reply:
    status = ctx.t._(STATUS_LABELS[Status(offer.status)])
    header = f"<b>#{offer.id}</b> · {status} · {freshness(ctx.t, offer.last_confirmed_at, ctx.now)}"
    return Reply(f"{header}\n{offer_card(ctx.t, offer.model_dump())}", offer_buttons(ctx, offer))


async def my_offers(ctx: Ctx) -> list[Reply]:
    mine = await offers.of_host(ctx.session, ctx.user_id, include_withdrawn=True)
    if not mine:
        return [Reply(ctx.t._("You have no offer yet."), [[Button(ctx.t._("I offer a place"), "menu:host")]])]
    count = ctx.t.n_("You have {n} offer.", "You have {n} offers.", len(mine)).format(n=len(mine))
    return [Reply(count), *(card(ctx, offer) for offer in mine)]


async def on_offer_button(ctx: Ctx) -> list[Reply]:
    _, offer_id, action = ctx.incoming.button_parts(3)
    return await act_on_offer(ctx, offer_id, action)


async def act_on_offer(ctx: Ctx, offer_id: str, action: str) -> list[Reply]:
    offer = (
        await offers.of_host_by_id(ctx.session, ctx.user_id, int(offer_id)) if offer_id.isdigit() else None
    )
    if offer is None:
        return [Reply(ctx.t._("This offer no longer exists."))]
    t = ctx.t
    if action == "confirm":
        await offers.confirm_still_available(ctx.session, offer, ctx.user_id, ctx.now)
        return [Reply(t._("Thank you, your offer is confirmed as still available."))]
    if action in ("pause", "resume", "unavailable"):
        allowed = {
            "pause": {Status.AVAILABLE},
            "resume": {Status.PAUSED, Status.WITHDRAWN},
            "unavailable": {Status.AVAILABLE, Status.PAUSED},
        }[action]
        if offer.status not in allowed:
            return [Reply(t._("This is not possible while the offer is {status}.").format(
                status=t._(STATUS_LABELS[Status(offer.status)])))]  # fmt: skip
        new_status = {"pause": Status.PAUSED, "resume": Status.AVAILABLE, "unavailable": Status.WITHDRAWN}[
            action
        ]
        await offers.set_status(ctx.session, offer, ctx.user_id, new_status, ctx.now)
        if new_status == Status.AVAILABLE:
            await offers.confirm_still_available(ctx.session, offer, ctx.user_id, ctx.now)
        updated = card(ctx, offer)
        updated.edit = True
        return [updated]
    if action == "dates":
        return await host_offer.change(ctx, offer, host_offer.AVAILABLE_FROM)
    if action == "edit":
        return await host_offer.change(ctx, offer, host_offer.CHANGE_FIELD)
    if action == "photos":
        assert offer.id is not None
        shown = [
            Reply(t._("Photo {n}").format(n=i + 1), photo_id=file_id)
            for i, file_id in enumerate(await offers.photos(ctx.session, offer.id))
        ]
        return [*shown, *await host_offer.change(ctx, offer, host_offer.PHOTOS)]
    if action == "delete":
        return [Reply(t._("Delete this offer for good?"), [[
            Button(t._("Yes, delete it"), f"offer:{offer.id}:delete_yes"),
            Button(t._("No, keep it"), f"offer:{offer.id}:keep"),
        ]])]  # fmt: skip
    if action == "delete_yes":
        await privacy.delete_offer(ctx.session, offer, ctx.user_id, ctx.now)
        return [Reply(t._("The offer is deleted."), edit=True)]
    if action == "keep":
        return [Reply(t._("The offer is kept."), edit=True)]
    return [Reply(t._("This button is no longer active."))]


def still_available_question(t: Translator, offer: Offer) -> Reply:
    """The periodic "still available?" question and its one-tap answers."""
    key = f"fresh:{offer.id}"
    text = t._("Is your offer still available?") + "\n\n" + offer_card(t, offer.model_dump())
    buttons = [[Button(t._("Yes"), f"{key}:yes"), Button(t._("Not until…"), f"{key}:later"),
                Button(t._("No longer"), f"{key}:no")]]  # fmt: skip
    return Reply(text, buttons)


async def on_still_available_answer(ctx: Ctx) -> list[Reply]:
    _, offer_id, answer = ctx.incoming.button_parts(3)
    return await act_on_offer(
        ctx, offer_id, {"yes": "confirm", "later": "dates", "no": "unavailable"}.get(answer, "")
    )


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
    return [Reply("\n".join(lines), [[Button(t._("Erase my data"), "erase:ask")]])]


async def on_erase_button(ctx: Ctx) -> list[Reply]:
    t = ctx.t
    if ctx.incoming.callback == "erase:ask":
        return [Reply(t._("Erase everything the bot holds about you? This cannot be undone."), [[
            Button(t._("Yes, erase everything"), "erase:yes"), Button(t._("No"), "erase:no"),
        ]], edit=True)]  # fmt: skip
    if ctx.incoming.callback == "erase:yes":
        await privacy.erase_user(ctx.session, ctx.user_id, ctx.now)
        return [Reply(t._("Your data is erased. Send /start if you want to use the bot again."), edit=True)]
    return [Reply(t._("Nothing was erased."), edit=True)]
