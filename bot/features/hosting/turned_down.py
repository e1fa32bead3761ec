"""What a host reads when a qualification turned their offer down: why, kindly, and what they can do."""

from __future__ import annotations

from bot.chat.callbacks import HostOffer
from bot.chat.messages import Button, Reply, esc
from bot.domain.offers import TURN_DOWN_TO_HOST, TurnDown
from bot.i18n import Translator
from storage.models import Offer


def reason_for_host(t: Translator, offer: Offer) -> str | None:
    """The reason, as the host reads it (None for offers turned down before reasons were recorded)."""
    return t._(TURN_DOWN_TO_HOST[TurnDown(offer.turned_down_reason)]) if offer.turned_down_reason else None


def turned_down_buttons(t: Translator, offer_id: int) -> list[list[Button]]:
    return [
        [Button(t._("Change my offer and ask for a new visit"), HostOffer(offer_id, "revisit"))],
        [Button(t._("Withdraw my offer"), HostOffer(offer_id, "unavailable"))],
    ]


def turned_down_notice(t: Translator, offer: Offer, to_user: int | None = None) -> Reply:
    """The notice to the host (sent when it is turned down, and shown again if they confirm it afterwards)."""
    assert offer.id is not None
    lines = [
        t._("Thank you for offering a place. After reviewing your offer #{offer} ({commune}), the association "
            "cannot propose it to households for now.").format(offer=offer.id, commune=esc(offer.commune_name)),
    ]  # fmt: skip
    reason = reason_for_host(t, offer)
    if reason:
        lines.append(t._("Reason: {reason}").format(reason=reason))
    lines.append(
        t._("If something has changed, you can change your offer and ask for a new visit. You can also withdraw "
            "it. Until then, you will no longer be asked whether it is still available.")
    )  # fmt: skip
    return Reply("\n\n".join(lines), turned_down_buttons(t, offer.id), to_user=to_user)
