"""Every dialogue survives a crash: begun in one bot process, killed with `kill -9`, continued by a new process.

Each user below is in the middle of a different dialogue when the first process is killed; a second process,
started afresh on the same database, takes each of them to the next question or to the end. The dialogues open
at the kill are compared with the list in `bot/routes.py`: a new dialogue needs its user here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select
from telegram import Bot

from bot import routes
from bot.chat.callbacks import OfferQualify, PlacementStep
from bot.chat.messages import Button, Reply, payload_of
from bot.domain.access import CASEWORKER, COORDINATOR
from bot.domain.casework import PlacementStatus
from bot.features.alerts import stay_end
from bot.i18n import translator
from bot.sandbox.botapi import FakeBotApi
from bot.telegram.gateway import send
from storage import households, invitations, offers, placements, roles, users
from storage.db import Database
from storage.models import DialogueState, Household, Offer, Placement
from tests.casework_fixtures import offer_fields
from tests.processes import TOKEN, bot_texts, press_and_wait, said, send_and_wait, start_bot, stop, wait_until

FR = translator("fr")
HOST, STAYING_HOST, OTHER_HOST = 1001, 1002, 1003
SEARCHER, RECORDER, QUALIFIER, ARRIVING, LEAVING, EXTENDING, CORRECTING = 601, 602, 603, 604, 605, 606, 607
INVITER, IMPORTER, NEWCOMER = 701, 702, 801
GRANTS = {SEARCHER: (CASEWORKER, "44"), RECORDER: (CASEWORKER, "44", "85"), QUALIFIER: (CASEWORKER, "44"),
          ARRIVING: (CASEWORKER, "44"), LEAVING: (CASEWORKER, "44"), EXTENDING: (CASEWORKER, "44"),
          CORRECTING: (CASEWORKER, "44"),
          INVITER: (COORDINATOR, "44", "85"), IMPORTER: (COORDINATOR, "44", "85")}  # fmt: skip
SPREADSHEET = "Commune;Nombre de places;Référent\nNantes;3;Agent 1\nRezé;2;Agent 2\n".encode()


def typed(day: date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass
class World:
    """What the dialogues are about, put straight into the database before the bot starts."""

    today: date
    staying: int  # a stay in STAYING_HOST's place
    arriving: int  # a proposal
    leaving: int  # a stay
    extending: int  # a stay
    correcting: int  # a stay
    to_qualify: int  # an offer
    code: str  # an invitation for NEWCOMER


async def placement(database: Database, caseworker: int, host: int, today: date, *, staying: bool) -> int:
    """A household of `caseworker` proposed in a new offer of `host`, or staying there for ten days already."""
    now = datetime.now(UTC)
    async with database.transaction() as session:
        place = await offers.create(session, host, offer_fields("Nantes"), [], now)
        family = await households.create(session, caseworker, {"reference": f"R{caseworker}-{host}", "departement": "44",
                                                               "adults": 2, "children": 0}, now)  # fmt: skip
        assert place.id is not None and family.id is not None
        placed = await placements.create(session, family.id, place.id, caseworker, now)
        if staying:
            place.status = "occupied"
            await placements.update(session, placed, now, status=PlacementStatus.ACTIVE,
                                    start_date=today - timedelta(days=10), planned_end=today + timedelta(days=20))  # fmt: skip
        assert placed.id is not None
        return placed.id


async def prepare(api: FakeBotApi, database: Database) -> World:
    today = datetime.now(ZoneInfo("Europe/Paris")).date()  # the processes run on the real clock
    now = datetime.now(UTC)
    await database.upgrade()
    async with database.transaction() as session:
        for user_id in [HOST, STAYING_HOST, OTHER_HOST, *GRANTS, NEWCOMER]:
            api.add_user(user_id, f"User {user_id}", language_code="fr")
            await users.register(session, user_id, "fr", now)
        for user_id, (role, *departements) in GRANTS.items():
            for departement in departements:
                await roles.grant(session, user_id, role, departement, granted_by=None, organisation="Test")
        invitation = await invitations.create(session, CASEWORKER, "Secours", ["44"], INVITER, now)
        to_qualify = await offers.create(session, OTHER_HOST, offer_fields("Rezé"), [], now)
        assert to_qualify.id is not None
    return World(
        today=today,
        staying=await placement(database, LEAVING, STAYING_HOST, today, staying=True),
        arriving=await placement(database, ARRIVING, OTHER_HOST, today, staying=False),
        leaving=await placement(database, LEAVING, OTHER_HOST, today, staying=True),
        extending=await placement(database, EXTENDING, OTHER_HOST, today, staying=True),
        correcting=await placement(database, CORRECTING, OTHER_HOST, today, staying=True),
        to_qualify=to_qualify.id,
        code=invitation.code,
    )


async def send_earlier_messages(api: FakeBotApi, database: Database, world: World) -> None:
    """What the bot sent before, with the buttons some dialogues begin from: alerts, placements, an offer."""
    async with database.transaction() as session:
        stay, extended = (
            await session.get(Placement, world.staying),
            await session.get(Placement, world.extending),
        )
        assert stay is not None and extended is not None
        stay_family, stay_offer = (
            await session.get(Household, stay.household_id),
            await session.get(Offer, stay.offer_id),
        )
        family, offer = (
            await session.get(Household, extended.household_id),
            await session.get(Offer, extended.offer_id),
        )
    assert stay_family and stay_offer and family and offer
    earlier = {
        STAYING_HOST: stay_end.host_question(FR, stay, stay_family, stay_offer),
        EXTENDING: stay_end.placement_alert(FR, extended, family, offer, world.today),
        ARRIVING: Reply("R604", [[Button(FR._("Record the arrival"), PlacementStep("arrive", world.arriving))]]),
        LEAVING: Reply("R605", [[Button(FR._("Record the departure"), PlacementStep("leave", world.leaving))]]),
        CORRECTING: Reply("R607", [[Button(FR._("Correct"), PlacementStep("correct", world.correcting))]]),
        QUALIFIER: Reply(f"#{world.to_qualify}", [[Button(FR._("Qualify"), OfferQualify(world.to_qualify))]]),
    }  # fmt: skip
    async with Bot(TOKEN, base_url=api.bot_base_url) as bot:
        for user_id, reply in earlier.items():
            await send(bot, user_id, payload_of(reply), None)


SEND, PRESS, FILE = "send", "press", "file"
Step = tuple[
    int, str, str, str
]  # user, what they do (send a text, press a button, send SPREADSHEET), with what, answer


def beginnings(world: World) -> list[Step]:
    """Each user begins their dialogue and answers at least once (one-question dialogues: a wrong answer)."""
    planned_end = world.today + timedelta(days=20)
    # fmt: off
    return [
        # host_offer
        (HOST, SEND, "/start", FR._("What would you like to do?")),
        (HOST, PRESS, FR._("I offer a place"), FR._("What kind of place do you offer?")),
        (HOST, PRESS, FR._("A room in my home"), FR._("For example: Nantes, 44000 or Saint-Denis 93.")),
        # host_stay, from the question about the end of a stay
        (STAYING_HOST, PRESS, FR._("It will be extended until…"), FR._("Until which day can the household stay?")),
        (STAYING_HOST, SEND, typed(planned_end), FR._("For an extension, give a day after {date}.").format(date=FR.date(planned_end))),
        # search
        (SEARCHER, SEND, "/search", FR._("Where? Choose a département, or type a commune to search around it.")),
        (SEARCHER, PRESS, "44 — ", FR._("How many people (adults and children)?")),
        # household
        (RECORDER, SEND, "/household", FR._("In which département?")),
        (RECORDER, PRESS, "85 — ", FR._("Your reference for this household (your association's file number; no names), for example DOS-2027-014:")),
        # qualification, from an offer's buttons
        (QUALIFIER, PRESS, FR._("Qualify"), FR._("Did you (or your association) visit the place?")),
        (QUALIFIER, PRESS, FR._("Yes"), FR._("When was the visit?")),
        # placement_start, placement_end, from placement cards; placement_extend, from an alert
        (ARRIVING, PRESS, FR._("Record the arrival"), FR._("Arrival date of the household?")),
        (ARRIVING, PRESS, FR._("Today"), FR._("Planned end of the stay?")),
        (LEAVING, PRESS, FR._("Record the departure"), FR._("On which day did (or will) the household leave?")),
        (LEAVING, PRESS, FR._("Today"), FR._("What comes next for them?")),
        (EXTENDING, PRESS, FR._("Extend until…"), FR._("New planned end of the stay?")),
        (EXTENDING, SEND, typed(world.today - timedelta(days=1)), FR._("It must come after {start}.").format(start=FR.date(world.today))),
        # placement_correct, from a placement card
        (CORRECTING, PRESS, FR._("Correct"), FR._("What was recorded wrong?")),
        (CORRECTING, PRESS, FR._("The planned end"), FR._("Planned end of the stay?")),
        # invitation
        (INVITER, SEND, "/invite", FR._("Whom do you invite?")),
        (INVITER, PRESS, FR._("Caseworker (association)"), FR._("Name of their organisation (association or service)?")),
        # import_offers, from a spreadsheet sent to the bot
        (IMPORTER, FILE, "offres.csv", FR._("Into which département do you import these offers?")),
        (IMPORTER, PRESS, "44 — ", FR._("Which association or service manages these offers (for hosts not on Telegram)?")),
        # join
        (NEWCOMER, SEND, "/start", FR._("What would you like to do?")),
        (NEWCOMER, PRESS, FR._("I work for an association or the prefecture"), FR._("Please type the invitation code you received (or open the invitation link).")),
        (NEWCOMER, SEND, "Ab3dE5fG7hJ9kL1m", FR._("This code does not exist. Check it, or ask your coordinator for a new invitation.")),
    ]
    # fmt: on


def continuations(world: World) -> list[Step]:
    """Each user answers the question they were on (pressing buttons the killed process sent)."""
    stay_end, arrival_end, extended, corrected = (
        world.today + timedelta(days=days) for days in (50, 90, 60, 40)
    )
    welcome = FR._(
        "Welcome! You are now {role} for {organisation} in: {departements}. Send /help to see what you can do."
    )
    # fmt: off
    return [
        (HOST, SEND, "Nantes", FR._("The exact address (optional). Only authorised social workers will see it.")),
        (STAYING_HOST, SEND, typed(stay_end), FR._("Thank you, the social worker is informed: the stay now ends on {date}.").format(date=FR.date(stay_end))),
        (SEARCHER, SEND, "3", FR._("From when?")),
        (RECORDER, SEND, "DOS-1", FR._("How many adults?")),
        (QUALIFIER, PRESS, FR._("Today"), FR._("Is the place decent and as described (salubrity, safety, equipment)?")),
        (ARRIVING, SEND, typed(arrival_end), FR._("Placement recorded until {date}. You will be alerted before it ends.").format(date=FR.date(arrival_end))),
        (LEAVING, PRESS, FR._("Returned home"), FR._("Placement closed. The place is available again.")),
        (EXTENDING, SEND, typed(extended), FR._("Placement extended until {date}.").format(date=FR.date(extended))),
        (CORRECTING, SEND, typed(corrected), FR._("Placement corrected: {people}, from {start} until {end}.").format(
            people=FR.n_("{n} person", "{n} people", 2).format(n=2), start=FR.date(world.today - timedelta(days=10)),
            end=FR.date(corrected))),
        (INVITER, SEND, "Secours populaire", FR._("For which départements? Tick them, then “Done”.")),
        (IMPORTER, SEND, "Croix-Rouge 44", FR._("What does the column “{header}” hold?").format(header="Référent")),
        (NEWCOMER, SEND, world.code, welcome.format(role=FR._("caseworker"), organisation="Secours", departements="44")),
    ]
    # fmt: on


async def play(api: FakeBotApi, steps: list[Step]) -> None:
    for user_id, how, what, answer in steps:
        if how == PRESS:
            await press_and_wait(api, user_id, what, answer)
        elif how == SEND:
            await send_and_wait(api, user_id, what, answer)
        else:
            await send_file_and_wait(api, user_id, what, answer)


async def send_file_and_wait(api: FakeBotApi, user_id: int, filename: str, expect: str) -> None:
    before = len(bot_texts(api, user_id))
    api.send_document(user_id, SPREADSHEET, filename)
    await wait_until(lambda: said(api, user_id, expect, before))


async def open_dialogues(database: Database) -> dict[int, str]:
    async with database.transaction() as session:
        return {state.user_id: state.dialogue for state in await session.scalars(select(DialogueState))}


async def test_every_dialogue_continues_in_a_new_process_after_kill_9(
    api: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    database = Database(database_url)
    world = await prepare(api, database)
    await send_earlier_messages(api, database, world)
    environment = {"TELEGRAM_API_FILE_BASE_URL": api.file_base_url, "ALERT_INTERVAL_SECONDS": "0"}

    first = await start_bot(api, database_url, tmp_path, **environment)
    try:
        await play(api, beginnings(world))
    finally:
        await stop(first, hard=True)  # no chance to flush or say goodbye
    interrupted = await open_dialogues(database)
    assert sorted(interrupted.values()) == sorted(dialogue.name for dialogue in routes.DIALOGUES)

    second = await start_bot(api, database_url, tmp_path, **environment)
    try:
        await play(api, continuations(world))
    finally:
        await stop(second)

    still_open = await open_dialogues(database)
    finished = {STAYING_HOST, ARRIVING, LEAVING, EXTENDING, CORRECTING, NEWCOMER}
    assert still_open.keys() == interrupted.keys() - finished
    async with database.transaction() as session:
        assert await roles.grants_of(session, NEWCOMER) == {CASEWORKER: frozenset({"44"})}
    await database.close()
    assert "Traceback" not in process_logs(tmp_path)


def process_logs(folder: Path) -> str:
    return "".join(path.read_text(encoding="utf-8", errors="replace") for path in folder.glob("bot-*.log"))
