"""Importing a spreadsheet of offers by sending it to the bot, as a coordinator would."""

from __future__ import annotations

import asyncio
import io
import random
import re
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import func, select

from bot.i18n import translator
from conversations import importing
from storage.models import Offer
from tests.casework_fixtures import grant
from tests.harness import BotUnderTest, texts

FR = translator("fr")
COORDINATOR = 500
COMMUNES = [("Nantes", "44000"), ("Saint-Nazaire", "44600"), ("Rezé", "44400"), ("Saint-Herblain", "44800"),
            ("Clisson", "44190"), ("Guérande", "44350")]  # fmt: skip


def spreadsheet(rows: int = 200, bad: int = 10) -> bytes:
    """What a DDETS sheet looks like: French headers, one column nobody names the same way."""
    rng = random.Random(3)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Commune", "Code postal", "Nombre de places", "Date de disponibilité", "Jusqu'au", "PMR",
                  "Animaux acceptés", "Type de logement", "Référent DDETS"])  # fmt: skip
    for i in range(rows):
        commune, postal = COMMUNES[i % len(COMMUNES)]
        until = date(2027, 3, 1) + timedelta(days=i)  # every offer differs from the others
        values: list[object] = [commune, postal, rng.randint(1, 6), f"{1 + i % 28:02d}/12/2026", until.strftime("%d/%m/%Y"),
                                rng.choice(["Oui", "Non"]), rng.choice(["Oui", "Non", ""]),
                                rng.choice(["Chambre", "Appartement", "Maison"]), f"Agent {i % 3}"]  # fmt: skip
        if i < bad:  # the kinds of mistakes people make
            [lambda v: v.__setitem__(0, "Atlantis"), lambda v: v.__setitem__(2, -2),
             lambda v: v.__setitem__(3, "31/02/2027"), lambda v: v.__setitem__(0, "Lyon"),
             lambda v: v.__setitem__(4, "01/11/2026")][i % 5](values)  # fmt: skip
            values[8] = f"bad {i}"  # keeps each bad row distinct
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def imported_offers(bot: BotUnderTest) -> int:
    async with bot.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Offer)) or 0)


async def test_import_with_good_and_bad_rows_then_reimport(bot: BotUnderTest) -> None:
    await grant(bot, COORDINATOR, "coordinator", "44")
    coordinator = bot.user(COORDINATOR, "fr")
    data = spreadsheet()
    replies = await coordinator._after(bot.api.send_document(COORDINATOR, data, "offres-ddets.xlsx"))
    assert FR.n_("A spreadsheet with {n} row.", "A spreadsheet with {n} rows.", 200).format(n=200) in texts(
        replies
    )
    await coordinator.send("Croix-Rouge 44")
    question = texts([coordinator.last()])
    assert FR._("What does the column “{header}” hold?").format(header="Référent DDETS") in question
    await coordinator.press(FR._("Not imported"))
    preview = texts(await coordinator.press(FR._("Continue")))
    assert FR.n_("{n} offer to import", "{n} offers to import", 190).format(n=190) in preview
    assert await imported_offers(bot) == 0  # nothing written before confirming

    done = await coordinator.press(FR._("Import"))
    assert FR.n_("{n} offer imported.", "{n} offers imported.", 190).format(n=190) in texts(done)
    [report] = [m for m in done if m.get("document")]
    sheet = load_workbook(io.BytesIO(bot.api.file_bytes(report["document"]["file_id"]))).active
    assert sheet.max_row == 11  # header + the 10 bad rows
    reasons = [row[-1].value for row in sheet.iter_rows(min_row=2)]
    assert any(FR._("Unknown commune") in reason for reason in reasons)
    assert await imported_offers(bot) == 190
    async with bot.database.transaction() as session:
        managed = set(await session.scalars(select(Offer.managed_by)))
        hosts = set(await session.scalars(select(Offer.host_id)))
    assert managed == {"Croix-Rouge 44"} and hosts == {None}

    # The same file again adds nothing: it confirms the offers.
    await coordinator._after(bot.api.send_document(COORDINATOR, data, "offres-ddets.xlsx"))
    await coordinator.send("Croix-Rouge 44")
    await coordinator.press(FR._("Not imported"))
    preview = texts(await coordinator.press(FR._("Continue")))
    unchanged = FR.n_("{n} offer unchanged (confirmed as still available)",
                      "{n} offers unchanged (confirmed as still available)", 190).format(n=190)  # fmt: skip
    assert unchanged in preview
    assert FR.n_("{n} offer to import", "{n} offers to import", 0).format(n=0) not in preview
    again = texts(await coordinator.press(FR._("Import")))
    assert FR.n_("{n} offer imported.", "{n} offers imported.", 0).format(n=0) not in again
    assert await imported_offers(bot) == 190

    stats = texts(await coordinator.send("/stats"))
    assert "190" in stats


async def test_refused_files_and_non_coordinators(bot: BotUnderTest) -> None:
    await grant(bot, COORDINATOR, "coordinator", "44")
    coordinator = bot.user(COORDINATOR, "fr")
    refused = texts(
        await coordinator._after(bot.api.send_document(COORDINATOR, b"%PDF-1.4 not a sheet", "a.pdf"))
    )
    assert FR._("This is not an .xlsx or .csv spreadsheet") in refused
    macro = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(macro, "w") as archive:
        archive.writestr("xl/vbaProject.bin", b"macro")
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert FR._("Workbooks with macros are not accepted: save it as .xlsx") in texts(
        await coordinator._after(bot.api.send_document(COORDINATOR, macro.getvalue(), "m.xlsm")))  # fmt: skip
    assert await imported_offers(bot) == 0
    host = bot.user(1001, "fr")
    await host.send("/start")
    await host.press(FR._("I accept"))
    answer = texts(await host._after(bot.api.send_document(1001, spreadsheet(3, 0), "x.xlsx")))
    assert FR._("I did not understand. Choose below, or send /help.") in answer


async def test_a_file_is_read_while_others_are_answered_and_a_failed_download_is_told(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a spreadsheet takes seconds for a large one: it happens out of the update's transaction, so a
    host is answered meanwhile; a file Telegram will not give back gets the usual apology, nothing half done."""
    await grant(bot, COORDINATOR, "coordinator", "44")
    reading, finish = asyncio.Event(), asyncio.Event()
    real = importing.read_file

    async def slow_read(data: bytes, filename: str) -> Any:
        reading.set()
        await finish.wait()
        return await real(data, filename)

    monkeypatch.setattr(importing, "read_file", slow_read)
    coordinator = bot.user(COORDINATOR, "fr")
    sent = asyncio.create_task(
        coordinator._after(bot.api.send_document(COORDINATOR, spreadsheet(20, 0), "a.xlsx"))
    )
    await asyncio.wait_for(reading.wait(), 10)
    assert FR._("Do you accept? Nothing is stored until you do.") in texts(
        await bot.user(1001, "fr").send("/start")
    )
    finish.set()
    assert FR.n_("A spreadsheet with {n} row.", "A spreadsheet with {n} rows.", 20).format(n=20) in texts(
        await sent
    )

    await coordinator.send("/cancel")
    bot.api.fail_next("getFile", 400)
    replies = await coordinator._after(bot.api.send_document(COORDINATOR, spreadsheet(5, 0), "b.xlsx"))
    assert FR._("Sorry, something went wrong on our side and this message was not taken into account. "
                "Your earlier answers are kept: please send it again.") in texts(replies)  # fmt: skip
    assert await imported_offers(bot) == 0


async def test_a_misspelt_commune_with_its_postal_code_is_imported_and_one_without_is_reported_with_a_suggestion(
    bot: BotUnderTest,
) -> None:
    await grant(bot, COORDINATOR, "coordinator", "44")
    coordinator = bot.user(COORDINATOR, "fr")
    sheet = "Commune;Code postal;Nombre de places;Disponible à partir du\nNantess;44000;3;01/12/2026\nClison;;2;01/12/2026\n"
    await coordinator._after(bot.api.send_document(COORDINATOR, sheet.encode("utf-8"), "offres.csv"))
    await coordinator.send("Croix-Rouge 44")
    preview = texts(await coordinator.press(FR._("Continue")))
    assert FR.n_("{n} offer to import", "{n} offers to import", 1).format(n=1) in preview
    done = await coordinator.press(FR._("Import"))
    async with bot.database.transaction() as session:
        assert [o.commune_name for o in await session.scalars(select(Offer))] == ["Nantes"]
    [report] = [m for m in done if m.get("document")]
    reasons = [
        row[-1].value
        for row in load_workbook(
            io.BytesIO(bot.api.file_bytes(report["document"]["file_id"]))
        ).active.iter_rows(min_row=2)
    ]
    assert FR._("(did you mean {communes}?)").format(communes="Clisson (44)") in reasons[0]


@pytest.mark.parametrize("language", ["fr", "uk"])
async def test_a_file_without_errors_announces_none_and_dates_read_as_the_language_writes_them(
    bot: BotUnderTest, language: str
) -> None:
    t = translator(language)
    await grant(bot, COORDINATOR, "coordinator", "44", language=language)
    coordinator = bot.user(COORDINATOR, language)
    await coordinator._after(bot.api.send_document(COORDINATOR, spreadsheet(rows=12, bad=0), "offres.xlsx"))
    await coordinator.send("Croix-Rouge 44")
    await coordinator.press(t._("Not imported"))
    preview = texts(await coordinator.press(t._("Continue")))
    done = await coordinator.press(t._("Import"))
    said = preview + "\n" + texts(done)
    assert t.n_("{n} offer imported.", "{n} offers imported.", 12).format(n=12) in said
    errors = t.n_("{n} row with errors (reported to you in a spreadsheet)",
                  "{n} rows with errors (reported to you in a spreadsheet)", 0).format(n=0)  # fmt: skip
    attached = t.n_("{n} row not imported: see the attached spreadsheet.",
                    "{n} rows not imported: see the attached spreadsheet.", 0).format(n=0)  # fmt: skip
    assert errors not in said and attached not in said
    assert not [message for message in done if message.get("document")]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", said)  # no ISO dates
