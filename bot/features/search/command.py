"""/search: guided with buttons, or one line for practised users (`/search 44 3p from:15/03 pmr near:Nantes 20km`)."""

from __future__ import annotations

from bot.chat.callbacks import SearchCommune
from bot.chat.context import Ctx
from bot.chat.messages import Button, Reply, esc
from bot.domain.access import Action, require
from bot.domain.search.criteria import with_near
from bot.domain.search.line import SEARCH_LINE_EXAMPLES, LineError, LineErrorCode, parse_search_line
from bot.features.search import results as search_results
from bot.geo.communes import load_communes
from bot.geo.resolve import commune_label
from bot.i18n import N_, Translator
from conversations import search as guided
from conversations.steps import DATE_PROBLEMS
from storage import search

SEARCH_HELP = N_(
    "<b>/search</b> alone asks step by step. Practised users type one line, words in any order:\n"
    "44 85 — départements (default: all of yours)\n"
    "3p — number of people (required), or 2adults 1child\n"
    "from:15/03 — wanted from (default: today)\n"
    "60d — needed for 60 days; also 8w, 3m, 1y, or until:30/06\n"
    "pmr — step-free access · pets — a pet · children — children\n"
    "lang:uk,ru — languages the household speaks\n"
    "near:Nantes — around a commune, nearest first; 20km — within 20 km of it\n"
    "stale — also paused offers and offers not confirmed lately\n"
    "French words work too: 3pers, 60j, 3mois, animaux, enfants, près:Nantes, dès:15/03."
)

LINE_PROBLEMS = {
    LineErrorCode.EMPTY: N_("The search is empty."),
    LineErrorCode.TOO_LONG: N_("The search is too long."),
    LineErrorCode.UNKNOWN_TOKEN: N_("I do not understand “{token}”."),
    LineErrorCode.MISSING_VALUE: N_("“{token}” needs a value after the colon."),
    LineErrorCode.NOT_A_DEPARTEMENT: N_("“{token}” is not a département."),
    LineErrorCode.AMBIGUOUS_NUMBER: N_(
        "“{token}” is ambiguous: write 03 for a département or 3p for people."
    ),
    LineErrorCode.BAD_NUMBER: N_("“{token}”: this number is out of range."),
    LineErrorCode.BAD_DATE: N_("“{token}”: I could not use this date."),
    LineErrorCode.BAD_DURATION: N_("“{token}”: I could not use this duration."),
    LineErrorCode.UNKNOWN_LANGUAGE: N_("“{token}”: unknown language."),
    LineErrorCode.UNKNOWN_COMMUNE: N_("“{token}”: I do not know this commune."),
    LineErrorCode.AMBIGUOUS_COMMUNE: N_("“{token}”: several communes have this name."),
    LineErrorCode.UNSURE_COMMUNE: N_("“{token}”: I do not know this commune."),
    LineErrorCode.CONFLICT: N_("“{token}” contradicts an earlier word."),
    LineErrorCode.RADIUS_WITHOUT_NEAR: N_("“{token}”: a distance needs near:COMMUNE."),
    LineErrorCode.MISSING_PEOPLE: N_("How many people? Add for example 3p."),
}


def search_help(t: Translator) -> str:
    examples = "\n".join(f"<code>/search {esc(example)}</code>" for example in SEARCH_LINE_EXAMPLES[:3])
    heading = t._("Examples:")
    return f"{t._(SEARCH_HELP)}\n\n{heading}\n{examples}"


def explain(t: Translator, error: LineError) -> str:
    text = t._(LINE_PROBLEMS[error.code]).format(token=esc(error.token))
    if error.date_error is not None:
        text += " " + t._(DATE_PROBLEMS[error.date_error])
    example = t._("For example: {example}").format(
        example=f"<code>/search {esc(SEARCH_LINE_EXAMPLES[1])}</code>"
    )
    more = t._("All the words: /help search")
    return f"{text}\n{example}\n{more}"


async def search_command(ctx: Ctx) -> list[Reply]:
    require(ctx.actor, Action.SEARCH)
    if not ctx.incoming.args:
        return await guided.begin(ctx)
    line = " ".join(ctx.incoming.args)
    parsed = parse_search_line(line, ctx.today, prefer=ctx.actor.territory(Action.SEARCH))
    if isinstance(parsed, LineError):
        if parsed.candidates and parsed.partial is not None:  # namesakes, or names that sound alike
            search_id = await search.save_criteria(ctx.session, ctx.user_id, parsed.partial, ctx.now)
            buttons = [
                [Button(commune_label(c), SearchCommune(search_id, c.insee))] for c in parsed.candidates
            ]
            which = ctx.t._("Did you mean one of these?") if parsed.code is LineErrorCode.UNSURE_COMMUNE \
                else ctx.t._("Which one?")  # fmt: skip
            return [Reply(explain(ctx.t, parsed).split("\n")[0] + "\n" + which, buttons)]
        return [Reply(explain(ctx.t, parsed))]
    return await search_results.run(ctx, parsed)


async def on_commune_button(ctx: Ctx, pressed: SearchCommune) -> list[Reply]:
    """The commune picked among homonyms completes a one-line search."""
    commune = load_communes().by_insee(pressed.insee)
    criteria = await search.load_criteria(ctx.session, pressed.search_id, ctx.user_id)
    if criteria is None or commune is None:
        return [Reply(ctx.t._("This search is no longer available. Search again with /search."))]
    return await search_results.run(ctx, with_near(criteria, commune))
