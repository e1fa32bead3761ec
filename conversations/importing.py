"""A coordinator imports offers from a spreadsheet (.xlsx or .csv) sent to the bot.

Steps: département, the association managing the offers, the columns nobody recognised (buttons), a preview
(new offers, offers imported before that the file updates or confirms, the organisation's offers absent from
it, and whether the file lists all of them), then the import. The file itself stays with Telegram: the dialogue keeps its file id and
downloads it again at each step, so nothing large lives in the dialogue state.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import fields
from typing import Any

from bot.chat.callbacks import DialogueAnswer, ImportColumn
from bot.chat.context import Ctx
from bot.chat.messages import Attachment, Button, Incoming, Reply, esc
from bot.domain.access import Action, require
from bot.domain.importing.mapping import TARGETS, Mapping, Requirement, Target, propose_mapping
from bot.domain.importing.problems import RowResult
from bot.domain.importing.reading import MAX_BYTES, ImportRefusal, RefusalReason, Table
from bot.domain.importing.report import describe_problem, describe_refusal, error_report, target_name
from bot.domain.importing.rows import validate
from bot.domain.importing.sync import REOPENED, Match, Plan
from bot.domain.offer_schema import BY_NAME
from bot.features.hosting.cards import people
from bot.i18n import N_, Nn_, Translator
from bot.services.imports import import_offers, plan_for
from bot.services.reader import read_file
from conversations import engine
from conversations.engine import Accepted, Invalid, Outcome, Stay, Step
from conversations.steps import Departement, FreeText, with_territory
from storage import audit, keepers
from storage.imports import ConcurrentImportError

NAME = "import_offers"
FILE_ID = "_file_id"
FILENAME = "_filename"
DEPARTEMENT = "departement"
ORGANISATION = "organisation"
COLUMNS = "columns"
PREVIEW = "preview"
PARTIAL, COMPLETE, CANCEL = "go", "complete", "no"  # the answers to the preview
MAPPING = "_mapping"
PLAN = "_plan"
KNOWN = "_organisations"  # département -> organisations managing offers there (buttons of the question)
MAX_KNOWN = 8
CHANGE_LABELS = {**{name: fact.label for name, fact in BY_NAME.items()}, REOPENED: N_("available again")}
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


class Organisation(FreeText):
    """Who manages the offers, typed, or one of the organisations already managing offers there (a button):
    their name must be the same each time for a new file to update their offers."""

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        known = _known_organisations(answers)
        buttons = [[Button(name[:60], DialogueAnswer(self.name, f"o{i}"))] for i, name in enumerate(known)]
        return Reply(ctx.t._(self.question), buttons)

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        known = _known_organisations(answers)
        picked = int(choice[1:]) if choice and choice[:1] == "o" and choice[1:].isdigit() else None
        if picked is not None and picked < len(known):
            return Accepted({self.name: known[picked]})
        return await super().accept(ctx, answers, incoming, choice)


def _known_organisations(answers: dict[str, Any]) -> list[str]:
    """The organisations managing offers in the chosen département, read when the dialogue began."""
    return list((answers.get(KNOWN) or {}).get(answers.get(DEPARTEMENT) or "", []))[:MAX_KNOWN]


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
    """What the import will do, with a few lines of each (nothing written yet); when offers the organisation
    manages are absent from the file, whether the file lists all of them (then they are withdrawn)."""

    name = PREVIEW

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        plan, t = answers.get(PLAN) or {}, ctx.t
        counts, samples = plan.get("counts") or {}, plan.get("samples") or {}
        organisation, departement = esc(answers[ORGANISATION]), answers[DEPARTEMENT]
        lines = [t._("Ready to import from {file} for {organisation} ({departement}):").format(
            file=esc(answers[FILENAME]), organisation=organisation, departement=departement)]  # fmt: skip
        anything = any(counts.get(part) for part in PREVIEW_COUNTS)
        for part, (singular, plural) in PREVIEW_COUNTS.items():
            n = counts.get(part, 0)
            if n or (
                part == "create" and not anything
            ):  # "0 offers to import" only when nothing else is said
                lines.append(t.n_(singular, plural, n).format(n=n))
                lines += [f"  • {_sample(t, part, sample)}" for sample in samples.get(part) or []]
        absent, rows = counts.get("absent", 0), []
        if absent:
            lines.append(t._("If your file lists every offer of {organisation} in {departement}, the absent ones "
                             "will be marked as no longer available.").format(organisation=organisation,
                                                                             departement=departement))  # fmt: skip
            rows = [[Button(t.n_("Import: the file is complete (withdraw {n} offer)",
                                 "Import: the file is complete (withdraw {n} offers)", absent).format(n=absent),
                            DialogueAnswer(PREVIEW, COMPLETE))],
                    [Button(t._("Import: the file is partial (keep them)"), DialogueAnswer(PREVIEW, PARTIAL))]]  # fmt: skip
        elif any(counts.get(part) for part in ("create", "update", "unchanged", "failed")):
            rows = [[Button(t._("Import"), DialogueAnswer(PREVIEW, PARTIAL))]]
        if rows:
            rows.append([Button(t._("Cancel"), DialogueAnswer(PREVIEW, CANCEL))])
        return Reply("\n".join(lines), rows)

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        if choice in (PARTIAL, COMPLETE, CANCEL):
            return Accepted({PREVIEW: choice})
        return Invalid(ctx.t._("Please choose one of the buttons."))


PREVIEW_COUNTS = {  # what the preview counts, in this order, and the few lines shown of each
    "create": Nn_("{n} offer to import", "{n} offers to import"),
    "update": Nn_("{n} offer imported before, to update", "{n} offers imported before, to update"),
    "unchanged": Nn_("{n} offer unchanged (confirmed as still available)",
                     "{n} offers unchanged (confirmed as still available)"),
    "failed": Nn_("{n} row with errors (reported to you in a spreadsheet)",
                  "{n} rows with errors (reported to you in a spreadsheet)"),
    "elsewhere": Nn_("{n} row already imported by someone else (skipped)",
                     "{n} rows already imported by someone else (skipped)"),
    "absent": Nn_("{n} offer of this organisation absent from the file", "{n} offers of this organisation absent from the file"),
}  # fmt: skip
assert set(PREVIEW_COUNTS) == {part.name for part in fields(Plan)}, "the preview counts each part of the plan"
SAMPLES = 5  # lines shown of each part


def _sample(t: Translator, part: str, sample: dict[str, Any]) -> str:
    """One line of the preview: a new row, an offer imported before that the row updates, or an absent offer."""
    where = ", ".join(
        [*([t._("line {line}").format(line=sample["line"])] if sample.get("line") else []),
         *([t._("id {id}").format(id=esc(sample["id"]))] if sample.get("id") else [])]
    )  # fmt: skip
    if part == "create":
        return f"{where} — {esc(sample['commune'])} · {people(t, sample['people'])}"
    head = f"#{sample['offer']} ({where})" if where else f"#{sample['offer']}"
    if part == "update":
        facts = [t._(CHANGE_LABELS[name]) for name in sample["facts"]]
        return f"{head} — {', '.join(facts)}"
    return f"{head} — {esc(sample['commune'])} · {people(t, sample['people'])}"  # absent


def _summary(plan: Plan) -> dict[str, Any]:
    """The plan as the dialogue keeps it (JSON): counts, and a few lines of each part."""

    def row(result: RowResult) -> dict[str, Any]:
        fields = result.fields or {}
        return {"line": result.line, "id": result.source_id, "commune": fields.get("commune_name"),
                "people": fields.get("people") or 0}  # fmt: skip

    def match(found: Match) -> dict[str, Any]:
        return {
            "offer": found.offer.id,
            "line": found.row.line,
            "id": found.row.source_id,
            "facts": list(found.changed),
        }

    samples = {
        "create": [row(result) for result in plan.create[:SAMPLES]],
        "update": [match(found) for found in plan.update[:SAMPLES]],
        "absent": [{"offer": offer.id, "id": offer.source_id, "commune": offer.facts.get("commune_name"),
                    "people": offer.facts.get("people") or 0} for offer in plan.absent[:SAMPLES]],
    }  # fmt: skip
    return {"counts": {part: len(getattr(plan, part)) for part in PREVIEW_COUNTS}, "samples": samples}


class ImportOffers(engine.Dialogue):
    name = NAME
    steps = (
        Departement(DEPARTEMENT, N_("Into which département do you import these offers?")),
        Organisation(
            ORGANISATION,
            N_("Which association or service manages these offers (for hosts not on Telegram)?"),
            200,
        ),
        Columns(),
        Preview(),
    )

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        if answers[PREVIEW] == CANCEL:
            return [Reply(ctx.t._("Nothing was imported."))]
        require(ctx.actor, Action.IMPORT, answers[DEPARTEMENT])
        table = _table(ctx, answers)
        if isinstance(table, ImportRefusal):
            return [Reply(describe_refusal(table, ctx.t._))]
        results = _validated(ctx, answers, table)
        try:
            outcome = await import_offers(ctx.session, results, organisation=answers[ORGANISATION], actor_id=ctx.user_id,
                                          departement=answers[DEPARTEMENT], now=ctx.now,
                                          complete=answers[PREVIEW] == COMPLETE)  # fmt: skip
        except ConcurrentImportError:
            return [
                Reply(ctx.t._("The same offers were being imported at the same moment. Please try again."))
            ]
        await audit.record(ctx.session, ctx.user_id, audit.IMPORTED, answers[FILENAME][:60], ctx.now,
                           imported=outcome.imported, updated=outcome.updated, unchanged=outcome.unchanged,
                           withdrawn=outcome.withdrawn, failed=outcome.failed, departement=answers[DEPARTEMENT])  # fmt: skip
        t = ctx.t
        counts = (
            (outcome.imported, Nn_("{n} offer imported.", "{n} offers imported.")),
            (outcome.updated, Nn_("{n} offer updated.", "{n} offers updated.")),
            (outcome.unchanged, Nn_("{n} offer unchanged, confirmed as still available.",
                                    "{n} offers unchanged, confirmed as still available.")),
            (outcome.withdrawn, Nn_("{n} offer absent from the file, marked as no longer available.",
                                    "{n} offers absent from the file, marked as no longer available.")),
            (outcome.already_imported, Nn_("{n} row already imported by someone else, skipped.",
                                           "{n} rows already imported by someone else, skipped.")),
            (outcome.failed, Nn_("{n} row not imported: see the attached spreadsheet.",
                                 "{n} rows not imported: see the attached spreadsheet.")),
        )  # fmt: skip
        done = [t.n_(singular, plural, n).format(n=n) for n, (singular, plural) in counts if n]
        done = done or [t.n_("{n} offer imported.", "{n} offers imported.", 0).format(n=0)]
        done.append(t._("You will be asked whether they are still available, or the keepers you name with "
                        "/keepers; send the updated file again at any time."))  # fmt: skip
        replies = [Reply("\n".join(done))]
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
    """Validate the rows and compare them with the offers imported before, for the preview (nothing written)."""
    table = _table(ctx, answers)
    if isinstance(table, ImportRefusal):
        return {PLAN: {}}
    plan = await plan_for(ctx.session, _validated(ctx, answers, table), organisation=answers[ORGANISATION],
                          departement=answers[DEPARTEMENT], today=ctx.today)  # fmt: skip
    return {PLAN: _summary(plan)}


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
    known: dict[str, list[str]] = {}
    for managed in await keepers.organisations(ctx.session, territory):
        known.setdefault(managed.departement, []).append(managed.organisation)
    answers[KNOWN] = known
    intro = Reply(ctx.t.n_("A spreadsheet with {n} row.", "A spreadsheet with {n} rows.", len(table.rows)).format(
        n=len(table.rows)))  # fmt: skip
    return [intro, *await engine.begin(ctx, DIALOGUE, with_territory(answers, territory, DEPARTEMENT))]
