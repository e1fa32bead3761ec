"""Facts nobody stated are shown as such, never as yes or no, and never given as a reason in a search."""

from __future__ import annotations

from bot.domain import offer_schema as schema
from bot.features.hosting.cards import offer_card
from bot.i18n import translator
from tests.casework_fixtures import accepted_user, grant, offer
from tests.harness import BotUnderTest, texts

FR, UK = translator("fr"), translator("uk")
CASEWORKER, HOST = 600, 1001
SILENT = {  # what a spreadsheet row that only gave a commune, a capacity and a date says about the rest
    "kind": None, "beds": None, "bedrooms": None, "welcome": None, "step_free": None, "pets": None,
    "children": None, "smoking": None, "equipment": None, "transport": None, "languages": None, "cost": None,
    "phone": None, "address": None,
}  # fmt: skip


def test_a_card_says_not_stated_for_each_silent_fact() -> None:
    fields = {"commune_name": "Nantes", "departement": "44", "people": 3, **SILENT}
    for t in FR, UK:
        card = offer_card(t, fields)
        for fact in (schema.KIND, schema.BEDS, schema.BEDROOMS, schema.PETS, schema.CHILDREN, schema.SMOKING,
                     schema.EQUIPMENT_FACT, schema.COST):  # fmt: skip
            assert f"{t._(fact.label)}: {t._(schema.NOT_STATED)}" in card, (fact.name, card)
        assert t._("Yes") not in card and t._("No") not in card
        assert t._("A room in my home") not in card and t._("Free") not in card


def test_stated_facts_read_as_before() -> None:
    fields = {"commune_name": "Nantes", "departement": "44", "people": 3, "beds": 2, "bedrooms": 1,
              "pets": True, "children": False, "smoking": False, "kind": "room", "equipment": []}  # fmt: skip
    card = offer_card(FR, fields)
    assert FR._("Pets: {value}").format(value=FR._("Yes")) in card
    assert FR._("Children: {value}").format(value=FR._("No")) in card
    assert FR.n_("{n} bed", "{n} beds", 2).format(n=2) in card
    assert FR._("Equipment: {value}").format(value="—") in card  # stated: none of them


async def test_search_for_a_child_never_says_children_welcome_for_a_silent_offer(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    await grant(bot, CASEWORKER, "caseworker", "44")
    silent = await offer(bot, HOST, "Nantes", people=3, **SILENT)
    stated = await offer(bot, HOST, "Rezé", people=3, children=True)
    caseworker = bot.user(CASEWORKER, "fr")

    results = await caseworker.send("/search 44 2adults 1child")
    cards = [
        m["text"] for m in results if f"#{silent}" in m.get("text", "") or f"#{stated}" in m.get("text", "")
    ]
    assert len(cards) == 2
    assert f"#{stated}" in cards[0], "a stated yes ranks above a fact nobody stated"
    silent_card = cards[1]
    assert FR._("children welcome") not in silent_card
    assert FR._("children not stated") in silent_card
    assert FR._("children welcome") in cards[0]

    details = texts(
        await caseworker.press(FR._("Details"), next(m for m in results if f"#{silent}" in m["text"]))
    )
    assert f"{FR._('Children')}: {FR._(schema.NOT_STATED)}" in details
    assert f"{FR._('Kind of place')}: {FR._(schema.NOT_STATED)}" in details


async def test_a_stated_no_is_left_out_but_not_stated_is_kept(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    await grant(bot, CASEWORKER, "caseworker", "44", language="uk")
    await offer(bot, HOST, "Nantes", people=3, pets=False)
    kept = await offer(bot, HOST, "Rezé", people=3, pets=None)
    caseworker = bot.user(CASEWORKER, "uk")
    shown = texts(await caseworker.send("/search 44 3p pets"))
    assert f"#{kept}" in shown and UK._("pets not stated") in shown and UK._("pets accepted") not in shown


async def test_an_imported_offer_that_says_nothing_about_children_is_never_children_welcome(
    bot: BotUnderTest,
) -> None:
    """The issue's "done when", through the real bot: a coordinator imports a sheet without a children
    column; a caseworker searching for a family with a child sees it "not stated", never as a reason."""
    import io

    from openpyxl import Workbook

    coordinator_id = 500
    await grant(bot, coordinator_id, "coordinator", "44")
    await grant(bot, CASEWORKER, "caseworker", "44")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Commune", "Nombre de places", "Date de disponibilité"])
    sheet.append(["Nantes", 4, "maintenant"])
    data = io.BytesIO()
    workbook.save(data)
    coordinator = bot.user(coordinator_id, "fr")
    await coordinator._after(bot.api.send_document(coordinator_id, data.getvalue(), "offres.xlsx"))
    await coordinator.send("Croix-Rouge 44")
    await coordinator.press(FR._("Continue"))
    await coordinator.press(FR._("Import"))

    caseworker = bot.user(CASEWORKER, "fr")
    results = await caseworker.send("/search 44 1adult 1child")
    shown = texts(results)
    assert FR._("children not stated") in shown and FR._("children welcome") not in shown
    details = texts(await caseworker.press(FR._("Details")))
    for label in ("Children", "Pets", "Smoking", "Kind of place", "Beds"):
        assert f"{FR._(label)}: {FR._(schema.NOT_STATED)}" in details, label
