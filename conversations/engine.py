"""Guided dialogues whose step and answers live in the database.

Every accepted answer is saved in the same transaction as the update that carried it, so a crash or a restart
(or another bot process on the same database) continues exactly where the user was. A dialogue is a list of
steps; each step renders its question and validates an answer, re-asking with a reason when it is wrong.
Buttons carry a `DialogueAnswer` (`d:<step>:<value>`), so a button from an older question is recognised as such.
The dialogues a process knows are the ones listed in `bot/routes.py`, handed to each update in `Ctx.dialogues`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.chat.callbacks import DialogueAnswer
from bot.chat.context import Ctx
from bot.chat.messages import AskFor, Button, Incoming, Reply
from storage import dialogues

SKIP = "-skip"
RETURN_TO = "_return_to"


@dataclass(frozen=True)
class Accepted:
    """The answer is valid: these values are merged into the answers and the dialogue moves on."""

    values: dict[str, Any] = field(default_factory=dict)
    acknowledgement: str | None = None  # shown before the next question (e.g. the commune understood)


@dataclass(frozen=True)
class Invalid:
    """The answer cannot be used: say why (translated) and ask the same question again."""

    reason: str


@dataclass(frozen=True)
class Stay:
    """Keep these values and show the same question again, updated in place (e.g. a ticked checkbox)."""

    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GoTo:
    """Jump to another step; come back to `return_to` once it is answered (used by "change a field")."""

    step: str
    return_to: str | None = None


Outcome = Accepted | Invalid | Stay | GoTo


class Step:
    """One question. Subclasses render the question and judge an answer."""

    name: str = ""
    optional: bool = False
    # A question that always goes with this one, even when this one is changed from a summary (dates: the end).
    followed_by: str | None = None

    def applies(self, answers: dict[str, Any]) -> bool:
        """Whether this question is asked at all, given the earlier answers."""
        return True

    def prompt(self, ctx: Ctx, answers: dict[str, Any]) -> Reply:
        raise NotImplementedError

    async def accept(
        self, ctx: Ctx, answers: dict[str, Any], incoming: Incoming, choice: str | None
    ) -> Outcome:
        raise NotImplementedError


class Dialogue:
    name: str = ""
    steps: Sequence[Step] = ()

    async def complete(self, ctx: Ctx, answers: dict[str, Any]) -> list[Reply]:
        raise NotImplementedError

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def next_step(self, after: str | None, answers: dict[str, Any]) -> Step | None:
        names = [step.name for step in self.steps]
        start = 0 if after is None else names.index(after) + 1
        return next((step for step in self.steps[start:] if step.applies(answers)), None)


def by_name(listed: Iterable[Dialogue]) -> Mapping[str, Dialogue]:
    """The dialogues a process can start and continue, by the name saved with each user's state."""
    named: dict[str, Dialogue] = {}
    for dialogue in listed:
        if dialogue.name in named:
            raise ValueError(f"two dialogues are named {dialogue.name!r}")
        named[dialogue.name] = dialogue
    return named


def with_skip(ctx: Ctx, step: Step, reply: Reply) -> Reply:
    """Optional questions get a one-tap "Skip" button (on the phone keyboard when it shows one)."""
    if step.optional:
        if reply.ask_for:
            reply.ask_for = [*reply.ask_for, AskFor(ctx.t._("Skip"), "text")]
        else:
            reply.buttons = [*reply.buttons, [Button(ctx.t._("Skip"), DialogueAnswer(step.name, SKIP))]]
    return reply


def _is_typed_skip(ctx: Ctx, incoming: Incoming) -> bool:
    return incoming.text is not None and incoming.text.strip().casefold() == ctx.t._("Skip").casefold()


def render(ctx: Ctx, step: Step, answers: dict[str, Any]) -> Reply:
    return with_skip(ctx, step, step.prompt(ctx, answers))


async def begin(
    ctx: Ctx, dialogue: Dialogue, answers: dict[str, Any] | None = None, at: str | None = None
) -> list[Reply]:
    if ctx.dialogues.get(dialogue.name) is not dialogue:
        raise LookupError(
            f"dialogue {dialogue.name!r} is not listed in bot/routes.py: it could not be continued"
        )
    answers = dict(answers or {})
    step = dialogue.step(at) if at else dialogue.next_step(None, answers)
    if step is None:
        return await dialogue.complete(ctx, answers)
    await dialogues.save(ctx.session, ctx.user_id, dialogue.name, step.name, answers, ctx.now)
    return [render(ctx, step, answers)]


async def current_prompt(ctx: Ctx) -> list[Reply]:
    """The question the user is on (after /start, /language or an unrelated command in the middle)."""
    state = await dialogues.current(ctx.session, ctx.user_id)
    dialogue = ctx.dialogues.get(state.dialogue) if state is not None else None
    if state is None or dialogue is None:
        return []
    return [render(ctx, dialogue.step(state.step), dict(state.answers))]


async def in_progress(ctx: Ctx) -> str | None:
    state = await dialogues.current(ctx.session, ctx.user_id)
    return state.dialogue if state is not None and state.dialogue in ctx.dialogues else None


async def handle_answer(ctx: Ctx, pressed: DialogueAnswer | None = None) -> list[Reply] | None:
    """Feed the update (`pressed`: its button, decoded) to the dialogue in progress; None when there is none."""
    state = await dialogues.current(ctx.session, ctx.user_id)
    dialogue = ctx.dialogues.get(state.dialogue) if state is not None else None
    if state is None or dialogue is None:
        return None
    answers = dict(state.answers)
    step = dialogue.step(state.step)
    incoming = ctx.incoming

    choice: str | None = None
    if incoming.is_button:
        if pressed is None or pressed.step != step.name:
            note = Reply(ctx.t._("That button belongs to an earlier question. Here is the current one:"))
            return [note, render(ctx, step, answers)]
        choice = pressed.value

    if step.optional and (choice == SKIP or _is_typed_skip(ctx, incoming)):
        outcome: Outcome = Accepted({step.name: None})
    else:
        outcome = await step.accept(ctx, answers, incoming, choice)

    if isinstance(outcome, Invalid):
        question = render(ctx, step, answers)
        question.text = f"{outcome.reason}\n\n{question.text}"
        return [question]
    if isinstance(outcome, Stay):
        answers.update(outcome.values)
        await dialogues.save(ctx.session, ctx.user_id, dialogue.name, step.name, answers, ctx.now)
        updated = render(ctx, step, answers)
        updated.edit = incoming.is_button
        return [updated]
    if isinstance(outcome, GoTo):
        if outcome.return_to:
            answers[RETURN_TO] = outcome.return_to
        target = dialogue.step(outcome.step)
        await dialogues.save(ctx.session, ctx.user_id, dialogue.name, target.name, answers, ctx.now)
        return [render(ctx, target, answers)]

    answers.update(outcome.values)
    replies = [Reply(outcome.acknowledgement, remove_keyboard=True)] if outcome.acknowledgement else []
    return_to = answers.pop(RETURN_TO, None)
    following = dialogue.step(return_to) if return_to else dialogue.next_step(step.name, answers)
    if return_to and step.followed_by and dialogue.step(step.followed_by).applies(answers):
        answers[RETURN_TO] = return_to
        following = dialogue.step(step.followed_by)
    # A changed answer can make a later question necessary (e.g. rent chosen: ask the amount).
    if return_to and following is not None:
        missing = _first_unanswered(dialogue, answers, before=following.name)
        if missing is not None:
            answers[RETURN_TO] = return_to
            following = missing
    if following is None:
        # Completed in the same transaction: if completing fails, the answers are still there.
        completed = await dialogue.complete(ctx, answers)
        await dialogues.clear(ctx.session, ctx.user_id)
        return replies + completed
    await dialogues.save(ctx.session, ctx.user_id, dialogue.name, following.name, answers, ctx.now)
    return [*replies, render(ctx, following, answers)]


def _first_unanswered(dialogue: Dialogue, answers: dict[str, Any], before: str) -> Step | None:
    for step in dialogue.steps:
        if step.name == before:
            return None
        if step.applies(answers) and step.name not in answers:
            return step
    return None


async def cancel(ctx: Ctx) -> bool:
    """Leave the dialogue in progress; True if there was one."""
    had_one = await in_progress(ctx) is not None
    await dialogues.clear(ctx.session, ctx.user_id)
    return had_one
