"""A coordinator imports offers from a spreadsheet (.xlsx or .csv) sent to the bot.

Steps: département, the association managing the offers, the columns nobody recognised (buttons), a preview
with the counts, then the import. The file itself stays with Telegram: the dialogue keeps its file id and
downloads it again at each step, so nothing large lives in the dialogue state.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.chat.callbacks import DialogueAnswer, ImportColumn
from bot.chat.context import Ctx
from bot.chat.messages import Attachment, Button, Incoming, Reply, esc
from bot.domain.access import Action, require
from bot.domain.importing.mapping import TARGETS, Mapping, Requirement, Target, propose_mapping
from bot.domain.importing.problems import RowResult, RowStatus
from bot.domain.importing.reading import MAX_BYTES, ImportRefusal, RefusalReason, Table
from bot.domain.importing.report import describe_problem, describe_refusal, error_report, target_name
from bot.domain.importing.rows import summary, validate
from bot.i18n import N_
from bot.services.imports import import_offers, mark_already_imported
from bot.services.reader import read_file
from conversations import engine
from conversations.engine import Accepted, Invalid, Outcome, Stay, Step
from conversations.steps import Departement, FreeText, with_territory
from storage import audit
from storage.imports import ConcurrentImportError

NAME = "import_offers"
FILE_ID = "_file_id"
FILENAME = "_filename"
DEPARTEMENT = "departement"
ORGANISATION = "organisation"
COLUMNS = "columns"
PREVIEW = "preview"
MAPPING = "_mapping"
REQUIREMENTS = {
    Requirement.COMMUNE: N_("a column with the commune (name, postal code or INSEE code)"),
    Requirement.CAPACITY: N_("a column with the number of people or beds"),
}


def _table(ctx: Ctx, answers: dict[str, Any]) -> Table | ImportRefusal:
    """The file, downloaded and read out of the update's transaction (seconds for a large one)."""
    fetch, file_id, filename = ctx.fetch_file, answers[FILE_ID], answers[FILENAME]
    assert fetch is not None

    async def download_and_read() -> Table | ImportRefusal:
        return await read_file(await fetch(file_id), filename)

    table: Table | ImportRefusal = ctx.outside(("file", file_id), download_and_read)
    return table


def _validated(ctx: Ctx, answers: dict[str, Any], table: Table) -> list[RowResult]:
    """The rows checked against the mapping, out of the update's transaction."""
    mapping, departement, today = Mapping.from_json(answers[MAPPING]), answers[DEPARTEMENT], ctx.today
    key = ("rows", answers[FILE_ID], json.dumps(answers[MAPPING], sort_keys=True), departement, today)

    async def check() -> list[RowResult]:
        return await asyncio.to_thread(validate, table, mapping, departement, today)

    results: list[RowResult] = ctx.outside(key, check)
    return results


class Columns(Step):
    """Each column nobody recognised gets a question with buttons; then the mapping is shown to confirm."""

    name = COLUMNS

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        mapping = Mapping.from_json(answers[MAPPING])
        t = ctx.t
        recognised = [
            f"• {esc(header)} → {target_name(target, t._)}"
            for header, target in zip(mapping.headers, mapping.targets, strict=True)
            if target is not None and target != Target.IGNORE
        ]
        unmapped = mapping.unmapped()
        if unmapped:
            column = unmapped[0]
            header = mapping.headers[column]
            likely = [target for target in mapping.candidates(column) if target != Target.IGNORE][:9]
            buttons = [
                Button(
                    target_name(target, t._), DialogueAnswer(COLUMNS, ImportColumn(column, target).encode())
                )
                for target in [*likely, Target.IGNORE]
            ]
            rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
            text = t._("Columns recognised:") + "\n" + "\n".join(recognised) + "\n\n"
            text += t._("What does the column “{header}” hold?").format(header=esc(header))
            return Reply(text, rows)
        missing = [t._(REQUIREMENTS[need]) for need in mapping.missing()]
        text = t._("Columns recognised:") + "\n" + "\n".join(recognised)
        if missing:
            text += "\n\n" + t._("The file lacks {what}: add it and send the file again.").format(
                what="; ".join(missing)
            )
            return Reply(text)
        return Reply(text, [[Button(t._("Continue"), DialogueAnswer(COLUMNS, "ok"))]])

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        mapping = Mapping.from_json(answers[MAPPING])
        if choice == "ok" and not mapping.unmapped() and not mapping.missing():
            return Accepted({COLUMNS: True, **await prepare_preview(ctx, answers)})
        picked = ImportColumn.decode(choice)
        if picked is not None and picked.column < len(mapping.headers) and picked.target in TARGETS:
            return Stay({MAPPING: mapping.with_choice(picked.column, picked.target).to_json()})
        return Invalid(ctx.t._("Please choose one of the buttons."))


class Preview(Step):
    """The counts and a few rows, before anything is written."""

    name = PREVIEW

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        counts = answers.get("_counts") or {}
        t = ctx.t
        text = "\n".join([
            t._("Ready to import from {file}:").format(file=esc(answers[FILENAME])),
            t.n_("{n} offer to import", "{n} offers to import", counts.get("valid", 0)).format(n=counts.get("valid", 0)),
            t.n_("{n} row with errors (reported to you in a spreadsheet)", "{n} rows with errors (reported to you in a spreadsheet)",
                 counts.get("failed", 0)).format(n=counts.get("failed", 0)),
            t.n_("{n} row already imported before", "{n} rows already imported before",
                 counts.get("already", 0)).format(n=counts.get("already", 0)),
            *(f"• {esc(line)}" for line in answers.get("_sample") or []),
        ])  # fmt: skip
        buttons = [
            [
                Button(t._("Import"), DialogueAnswer(PREVIEW, "go")),
                Button(t._("Cancel"), DialogueAnswer(PREVIEW, "no")),
            ]
        ]
        return Reply(text, buttons if counts.get("valid") or counts.get("failed") else [])

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        if choice in ("go", "no"):
            return Accepted({PREVIEW: choice})
        return Invalid(ctx.t._("Please choose one of the buttons."))


class ImportOffers(engine.Dialogue):
    name = NAME
    steps = (
        Departement(DEPARTEMENT, N_("Into which département do you import these offers?")),
        FreeText(
            ORGANISATION,
            N_("Which association or service manages these offers (for hosts not on Telegram)?"),
            200,
        ),
        Columns(),
        Preview(),
    )

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        if answers[PREVIEW] != "go":
            return [Reply(ctx.t._("Nothing was imported."))]
        require(ctx.actor, Action.IMPORT, answers[DEPARTEMENT])
        table = _table(ctx, answers)
        if isinstance(table, ImportRefusal):
            return [Reply(describe_refusal(table, ctx.t._))]
        results = _validated(ctx, answers, table)
        try:
            outcome = await import_offers(ctx.session, results, organisation=answers[ORGANISATION], actor_id=ctx.user_id,
                                          departement=answers[DEPARTEMENT], now=ctx.now)  # fmt: skip
        except ConcurrentImportError:
            return [
                Reply(ctx.t._("The same offers were being imported at the same moment. Please try again."))
            ]
        await audit.record(ctx.session, ctx.user_id, audit.IMPORTED, answers[FILENAME][:60], ctx.now,
                           imported=outcome.imported, failed=outcome.failed, departement=answers[DEPARTEMENT])  # fmt: skip
        t = ctx.t
        done = "\n".join([
            t.n_("{n} offer imported.", "{n} offers imported.", outcome.imported).format(n=outcome.imported),
            t.n_("{n} row already imported before.", "{n} rows already imported before.",
                 outcome.already_imported).format(n=outcome.already_imported),
            t.n_("{n} row not imported: see the attached spreadsheet.", "{n} rows not imported: see the attached spreadsheet.",
                 outcome.failed).format(n=outcome.failed),
        ])  # fmt: skip
        replies = [Reply(done)]
        if outcome.failed:
            report = await asyncio.to_thread(
                error_report, table, results, lambda problem: describe_problem(problem, t._),
                reason_header=t._("Reason"), line_header=t._("Line"), sheet_title=t._("Errors"),
            )  # fmt: skip
            replies.append(
                Reply(
                    t._("Rows not imported, with the reason:"), attachment=Attachment("errors.xlsx", report)
                )
            )
        return replies


DIALOGUE = ImportOffers()


async def prepare_preview(ctx: Ctx, answers: dict[str, Any]) -> dict[str, Any]:
    """Validate the rows for the preview: counts and a few lines (nothing written)."""
    table = _table(ctx, answers)
    if isinstance(table, ImportRefusal):
        return {"_counts": {}, "_sample": []}
    results = await mark_already_imported(ctx.session, _validated(ctx, answers, table))
    counted = summary(results)
    sample = [
        f"{result.line}: {result.fields.get('commune_name')} · {result.fields.get('people')} · "
        f"{result.fields.get('available_from')}"
        for result in results if result.status is RowStatus.VALID and result.fields
    ][:5]  # fmt: skip
    counts = {"valid": counted.get(RowStatus.VALID, 0), "failed": counted.get(RowStatus.FAILED, 0),
              "already": counted.get(RowStatus.ALREADY_IMPORTED, 0)}  # fmt: skip
    return {"_counts": counts, "_sample": sample}


async def begin(ctx: Ctx) -> list[Reply]:
    """A spreadsheet was sent: check it, then ask the questions."""
    territory = ctx.actor.territory(Action.IMPORT)
    require(ctx.actor, Action.IMPORT)
    document = ctx.incoming.document
    if document is None:
        return [Reply(ctx.t._("Send me the spreadsheet (.xlsx or .csv, 10 MB at most) as a file."))]
    if document.size > MAX_BYTES:
        return [Reply(describe_refusal(ImportRefusal(RefusalReason.TOO_BIG), ctx.t._))]
    answers: dict[str, Any] = {FILE_ID: document.file_id, FILENAME: document.filename}
    table = _table(ctx, answers)
    if isinstance(table, ImportRefusal):
        return [Reply(describe_refusal(table, ctx.t._))]
    answers[MAPPING] = propose_mapping(table.headers).to_json()
    intro = Reply(ctx.t.n_("A spreadsheet with {n} row.", "A spreadsheet with {n} rows.", len(table.rows)).format(
        n=len(table.rows)))  # fmt: skip
    return [intro, *await engine.begin(ctx, DIALOGUE, with_territory(answers, territory, DEPARTEMENT))]
