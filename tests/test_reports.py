"""Coordinators' /stats and /export through the real bot."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from bot.i18n import translator
from storage import audit, households, placements
from tests.casework_fixtures import accepted_user, grant, offer
from tests.harness import BotUnderTest, texts

FR, UK = translator("fr"), translator("uk")
HOST, CASEWORKER, COORDINATOR = 1001, 600, 500


async def test_stats_text_and_chart(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    await grant(bot, COORDINATOR, "coordinator", "44", "85")
    for commune in ("Nantes", "Rezé", "La Roche-sur-Yon"):
        await offer(bot, HOST, commune, people=3)
    coordinator = bot.user(COORDINATOR, "fr")
    replies = await coordinator.send("/stats")
    text = texts(replies)
    assert FR._("Territory {departements}").format(departements="44, 85") in text
    assert "3" in text.split("\n")[1]
    [chart] = [m for m in replies if m.get("photo")]
    png = bot.api.file_bytes(chart["photo"][-1]["file_id"])
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    await grant(bot, COORDINATOR + 1, "coordinator", "44", language="uk")
    uk = bot.user(COORDINATOR + 1, "uk")
    assert UK._("Territory {departements}").format(departements="44") in texts(await uk.send("/stats"))


async def test_export_reopens_with_sheets_values_and_escaping(bot: BotUnderTest) -> None:
    await accepted_user(bot, HOST)
    await grant(bot, COORDINATOR, "coordinator", "44")
    place = await offer(bot, HOST, "Nantes", notes='=HYPERLINK("http://evil","x")')
    async with bot.database.transaction() as session:
        family = await households.create(session, 600, {"reference": "=CMD", "departement": "44", "adults": 2,
                                                        "children": 0}, bot.clock())  # fmt: skip
        placed = await placements.create(session, family.id or 0, place, 600, bot.clock())
        await placements.update(session, placed, bot.clock(), status="active", start_date=date(2026, 11, 1),
                                planned_end=date(2027, 1, 31))  # fmt: skip
    coordinator = bot.user(COORDINATOR, "fr")
    replies = await coordinator.send("/export")
    [document] = [m for m in replies if m.get("document")]
    workbook = load_workbook(io.BytesIO(bot.api.file_bytes(document["document"]["file_id"])))
    assert len(workbook.sheetnames) == 4
    offers_sheet = workbook[workbook.sheetnames[0]]
    assert offers_sheet.freeze_panes == "A2" and offers_sheet.auto_filter.ref
    values = [cell.value for row in workbook[workbook.sheetnames[2]].iter_rows() for cell in row]
    assert all(cell.data_type != "f" for sheet in workbook for row in sheet.iter_rows() for cell in row)
    assert any(isinstance(v, str) and v.endswith("=CMD") for v in values)
    async with bot.database.transaction() as session:
        assert [(e.actor_id, e.subject) for e in await audit.events(session, audit.EXPORTED)] == [
            (COORDINATOR, "xlsx")
        ]
    csv_files = [m for m in await coordinator.send("/export csv") if m.get("document")]
    assert len(csv_files) == 4
    # Caseworkers may not export.
    await grant(bot, CASEWORKER, "caseworker", "44")
    refusal = FR._("Sorry, this is reserved for caseworkers and coordinators of the territory concerned. "
                   "Ask your coordinator if you need it.")  # fmt: skip
    assert refusal in texts(await bot.user(CASEWORKER, "fr").send("/export"))
