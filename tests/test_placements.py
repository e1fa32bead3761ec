"""Placements that match reality, through the real bot: checked against the offer's dates and capacity (and
recorded beyond them only once the caseworker confirms the host agreed), corrected and undone with their
history, counted once in /stats, and listed when past."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from bot.chat.callbacks import PlacementAlert, PlacementStep, ProposeTo, StayEnd
from bot.domain.casework import Mismatch
from bot.features.hosting.cards import people
from bot.i18n import Translator, translator
from storage import households, offers, placements
from storage.models import Offer, OfferEvent, Placement, PlacementEvent
from storage.statistics import territory_statistics
from tests.casework_fixtures import accepted_user, grant, offer
from tests.harness import BotUnderTest, Message, User, texts

FR, UK = translator("fr"), translator("uk")
HOST, CASEWORKER, COORDINATOR = 1001, 600, 500
TODAY = date(2026, 11, 22)  # the clock of the tests (a Sunday: its ISO week began on Monday 16)
TOMORROW = TODAY + timedelta(days=1)


def typed(day: date) -> str:
    return day.strftime("%d/%m/%Y")


async def caseworker_with_proposal(
    bot: BotUnderTest,
    host_language: str = "fr",
    *,
    adults: int = 2,
    children: int = 1,
    **offer_fields: object,
) -> tuple[User, int, int]:
    """A caseworker of 44 who proposed a new offer of HOST to a household (through the bot): (caseworker,
    offer id, placement id)."""
    await accepted_user(bot, HOST, host_language)
    place = await offer(bot, HOST, "Nantes", **offer_fields)
    await grant(bot, CASEWORKER, "caseworker", "44")
    async with bot.database.transaction() as session:
        family = await households.create(session, CASEWORKER, {"reference": "DOS-1", "departement": "44",
                                                               "adults": adults, "children": children}, bot.clock())  # fmt: skip
    assert family.id is not None
    caseworker = bot.user(CASEWORKER, "fr")
    await caseworker.press_data(ProposeTo(place, family.id).encode())
    async with bot.database.transaction() as session:
        [placement] = list(await session.scalars(select(Placement)))
    assert placement.id is not None and placement.status == "proposed"
    return caseworker, place, placement.id


async def arrive_today(caseworker: User, planned_end: str = "22/05/2027") -> list[Message]:
    """Record the arrival of the caseworker's latest proposal, today, until `planned_end`."""
    await caseworker.press(FR._("Record the arrival"))
    await caseworker.press(FR._("Today"))
    return await caseworker.send(planned_end)


async def correct(caseworker: User, what: str, value: str) -> list[Message]:
    """From /placements, correct `what` (the English label of the choice) of the first stay to `value`."""
    await caseworker.send("/placements")
    await caseworker.press(FR._("Correct"))
    await caseworker.press(FR._(what))
    return await caseworker.send(value)


async def stored(bot: BotUnderTest, placement_id: int) -> tuple[Placement, Offer]:
    async with bot.database.transaction() as session:
        placement = await session.get(Placement, placement_id)
        assert placement is not None
        place = await session.get(Offer, placement.offer_id)
        assert place is not None
    return placement, place


async def placement_events(bot: BotUnderTest, placement_id: int) -> list[PlacementEvent]:
    async with bot.database.transaction() as session:
        return await placements.history(session, placement_id)


async def offer_events(bot: BotUnderTest, offer_id: int, action: str) -> list[OfferEvent]:
    async with bot.database.transaction() as session:
        return [event for event in await offers.history(session, offer_id) if event.action == action]


def dates_mismatch(
    t: Translator, offered_from: date, start: date, offered_until: date, end: date
) -> list[str]:
    return [
        t._("the place is offered from {offered}; the arrival on {start} is earlier.").format(
            offered=t.date(offered_from), start=t.date(start)),
        t._("the place is offered until {offered}; the planned end on {end} is later.").format(
            offered=t.date(offered_until), end=t.date(end)),
    ]  # fmt: skip


async def test_an_arrival_outside_the_offers_dates_is_refused_until_the_dates_fit(bot: BotUnderTest) -> None:
    until = date(2027, 2, 28)
    caseworker, place, placement_id = await caseworker_with_proposal(
        bot, available_from=TOMORROW, available_until=until
    )
    warning = texts(await arrive_today(caseworker, "31/03/2027"))
    for line in dates_mismatch(FR, TOMORROW, TODAY, until, date(2027, 3, 31)):
        assert line in warning, warning
    assert FR._("Confirm: the host agreed") in [label for label, _ in caseworker.buttons()]
    # Anything but a button is not a confirmation: asked again, nothing recorded.
    again = texts(await caseworker.send("oui"))
    assert FR._("Please choose one of the buttons.") in again
    assert FR._("Change the dates") in [label for label, _ in caseworker.buttons()]
    assert (await stored(bot, placement_id))[0].status == "proposed"

    asked = texts(await caseworker.press(FR._("Change the dates")))
    assert FR._("Arrival date of the household?") in asked
    await caseworker.send(typed(TOMORROW))
    done = texts(await caseworker.send(typed(until)))
    assert FR._("Placement recorded until {date}. You will be alerted before it ends.").format(
        date=FR.date(until)) in done  # fmt: skip
    placement, placed = await stored(bot, placement_id)
    assert (placement.status, placement.start_date, placement.planned_end) == ("active", TOMORROW, until)
    assert (placed.available_from, placed.available_until) == (TOMORROW, until)  # nothing to extend
    assert await offer_events(bot, place, "availability_extended") == []
    [arrived] = await placement_events(bot, placement_id)
    assert arrived.action == "arrived" and "confirmed" not in arrived.detail


async def test_a_confirmed_arrival_extends_the_hosts_availability_with_who_and_when(
    bot: BotUnderTest,
) -> None:
    until, end = date(2027, 2, 28), date(2027, 3, 31)
    caseworker, place, placement_id = await caseworker_with_proposal(
        bot, "uk", available_from=TOMORROW, available_until=until
    )
    await arrive_today(caseworker, typed(end))
    done = texts(await caseworker.press(FR._("Confirm: the host agreed")))
    assert FR._("Placement recorded until {date}. You will be alerted before it ends.").format(
        date=FR.date(end)) in done  # fmt: skip

    placement, placed = await stored(bot, placement_id)
    assert (placement.status, placement.start_date, placement.planned_end, placement.people) == (
        "active", TODAY, end, 3)  # fmt: skip
    assert (placed.status, placed.available_from, placed.available_until) == ("occupied", TODAY, end)
    [extended] = await offer_events(bot, place, "availability_extended")
    assert extended.actor_id == CASEWORKER and bot.clock.just_now(extended.at)
    assert extended.detail == {"before": [TOMORROW.isoformat(), until.isoformat()],
                               "after": [TODAY.isoformat(), end.isoformat()]}  # fmt: skip
    [arrived] = await placement_events(bot, placement_id)
    assert (arrived.action, arrived.actor_id) == ("arrived", CASEWORKER) and bot.clock.just_now(arrived.at)
    assert arrived.detail["confirmed"] == [Mismatch.EARLY_START, Mismatch.LATE_END]
    assert arrived.detail["after"] == {"status": "active", "start_date": TODAY.isoformat(),
                                       "planned_end": end.isoformat(),
                                       "consent_due_at": None}  # moved in before the host answered  # fmt: skip

    told = texts(bot.api.bot_messages(HOST))  # the host reads it in Ukrainian
    assert UK._("As agreed with the social worker, your offer is now available {period}. If that is not right, "
                "change the dates with /myoffers.").format(
        period=UK._("from {start} to {end}").format(start=UK.date(TODAY), end=UK.date(end))) in told  # fmt: skip


async def test_an_extension_beyond_the_availability_needs_the_hosts_agreement(bot: BotUnderTest) -> None:
    until = date(2027, 2, 28)
    caseworker, place, placement_id = await caseworker_with_proposal(bot, available_until=until)
    await arrive_today(caseworker, typed(until))  # within the offer: no question
    assert (await stored(bot, placement_id))[0].planned_end == until

    await caseworker.press_data(PlacementAlert("extend", placement_id).encode())
    warning = texts(await caseworker.send("15/03/2027"))
    assert FR._("the place is offered until {offered}; the planned end on {end} is later.").format(
        offered=FR.date(until), end=FR.date(date(2027, 3, 15))) in warning  # fmt: skip
    assert (await stored(bot, placement_id))[0].planned_end == until  # not yet
    done = texts(await caseworker.press(FR._("Confirm: the host agreed")))
    assert FR._("Placement extended until {date}.").format(date=FR.date(date(2027, 3, 15))) in done
    placement, placed = await stored(bot, placement_id)
    assert placement.planned_end == placed.available_until == date(2027, 3, 15)
    extended = await placement_events(bot, placement_id)
    assert [event.action for event in extended] == ["arrived", "extended"]
    assert extended[1].detail == {"before": {"planned_end": until.isoformat()},
                                  "after": {"planned_end": "2027-03-15"}, "confirmed": ["late_end"]}  # fmt: skip
    host = texts(bot.api.bot_messages(HOST))
    assert FR._("The stay in your place #{offer} is now planned until {end}.").format(
        offer=place, end=FR.date(date(2027, 3, 15))) in host  # fmt: skip

    # The host keeps the household longer still: their own word extends their availability.
    host_user = bot.user(HOST, "fr")
    await host_user.press_data(StayEnd("later", placement_id).encode())
    await host_user.send("01/04/2027")
    placement, placed = await stored(bot, placement_id)
    assert placement.planned_end == placed.available_until == date(2027, 4, 1)
    by_host = await offer_events(bot, place, "availability_extended")
    assert [(event.actor_id, event.detail["after"][1]) for event in by_host] == [
        (CASEWORKER, "2027-03-15"), (HOST, "2027-04-01")]  # fmt: skip
    assert (await placement_events(bot, placement_id))[-1].action == "end_moved_by_host"


async def test_more_people_than_places_asks_how_many_move_in_then_the_hosts_agreement(
    bot: BotUnderTest,
) -> None:
    caseworker, place, placement_id = await caseworker_with_proposal(bot, adults=2, children=3, people=4)
    question = texts(await arrive_today(caseworker))
    assert FR._("The place is for {capacity} and the household counts {people}. How many people move in?").format(
        capacity=people(FR, 4), people=people(FR, 5)) in question  # fmt: skip
    invalid = texts(await caseworker.send("0"))
    assert FR._("This number is too small.") in invalid
    warning = texts(await caseworker.send("5"))
    assert FR._("the place is for {capacity}; {people} would live there.").format(
        capacity=people(FR, 4), people=people(FR, 5)) in warning  # fmt: skip
    assert FR._("Change the dates") not in [label for label, _ in caseworker.buttons()]  # the dates fit
    await caseworker.press(FR._("Change the number of people"))
    done = texts(await caseworker.send("4"))  # the fifth stays with family: no question
    assert FR._("Placement recorded until {date}. You will be alerted before it ends.").format(
        date=FR.date(date(2027, 5, 22))) in done  # fmt: skip
    placement, placed = await stored(bot, placement_id)
    assert (placement.status, placement.people, placed.people) == ("active", 4, 4)
    assert FR._("Your place #{offer} is now occupied by a household of {people}, from {start} until {end}.").format(
        offer=place, people=people(FR, 4), start=FR.date(TODAY), end=FR.date(date(2027, 5, 22))
    ) in texts(bot.api.bot_messages(HOST))  # fmt: skip


async def test_a_stay_is_corrected_with_its_history_and_the_host_is_told(bot: BotUnderTest) -> None:
    caseworker, place, placement_id = await caseworker_with_proposal(bot, "uk", people=4)
    await arrive_today(caseworker)

    # The arrival was in fact two days earlier.
    refused = texts(await correct(caseworker, "The arrival date", "30/06/2027"))
    assert FR._("The arrival must come before the planned end ({date}).").format(
        date=FR.date(date(2027, 5, 22))) in refused  # fmt: skip
    done = texts(await caseworker.send("20/11/2026"))
    assert FR._("Placement corrected: {people}, from {start} until {end}.").format(
        people=people(FR, 3), start=FR.date(date(2026, 11, 20)), end=FR.date(date(2027, 5, 22))) in done  # fmt: skip
    assert UK._("The social worker corrected the stay in your place #{offer}: {people}, from {start} until {end}.").format(
        offer=place, people=people(UK, 3), start=UK.date(date(2026, 11, 20)), end=UK.date(date(2027, 5, 22))
    ) in texts(bot.api.bot_messages(HOST))  # fmt: skip

    # The planned end was mistyped.
    await correct(caseworker, "The planned end", "30/04/2027")

    # Two more people moved in than the place has: agreed with the host.
    warning = texts(await correct(caseworker, "The number of people", "5"))
    assert FR._("the place is for {capacity}; {people} would live there.").format(
        capacity=people(FR, 4), people=people(FR, 5)) in warning  # fmt: skip
    await caseworker.press(FR._("Confirm: the host agreed"))

    placement, placed = await stored(bot, placement_id)
    assert (placement.start_date, placement.planned_end, placement.people) == (
        date(2026, 11, 20),
        date(2027, 4, 30),
        5,
    )
    assert placed.people == 4  # the capacity the host stated does not change
    history = await placement_events(bot, placement_id)
    assert [(event.action, event.actor_id) for event in history] == [
        ("arrived", CASEWORKER), ("corrected", CASEWORKER), ("corrected", CASEWORKER), ("corrected", CASEWORKER)]  # fmt: skip
    assert [event.detail for event in history[1:]] == [
        {"before": {"start_date": "2026-11-22"}, "after": {"start_date": "2026-11-20"}},
        {"before": {"planned_end": "2027-05-22"}, "after": {"planned_end": "2027-04-30"}},
        {"before": {"people": 3}, "after": {"people": 5}, "confirmed": ["over_capacity"]},
    ]
    assert all(bot.clock.just_now(event.at, 60) for event in history)

    # The same value again changes nothing and records nothing.
    same = texts(await correct(caseworker, "The planned end", "30/04/2027"))
    assert FR._("That is what was recorded: nothing changed.") in same
    assert len(await placement_events(bot, placement_id)) == 4

    await caseworker.send("/placements")
    shown = texts(await caseworker.press(FR._("History")))
    assert (
        FR._("Corrected") in shown and f"{FR.date(date(2027, 5, 22))} → {FR.date(date(2027, 4, 30))}" in shown
    )
    assert FR._("agreed with the host: {what}").format(what=FR._("more people than places")) in shown


async def stats_this_week(coordinator: User) -> str:
    return texts(await coordinator.send("/stats"))


def this_week(offers_count: int, arrivals: int) -> str:
    return FR._("This week: {offers} new offers, {placements} new placements").format(
        offers=offers_count, placements=arrivals
    )


async def arrivals_in_the_chart(bot: BotUnderTest) -> int:
    """The arrivals of the current week as the chart of /stats reads them."""
    async with bot.database.transaction() as session:
        figures = await territory_statistics(session, frozenset({"44"}), TODAY, bot.clock())
    return figures.territory.weeks[-1].new_placements


async def test_an_arrival_recorded_by_mistake_is_undone_and_counted_once(bot: BotUnderTest) -> None:
    caseworker, place, placement_id = await caseworker_with_proposal(bot, "uk")
    await grant(bot, COORDINATOR, "coordinator", "44")
    coordinator = bot.user(COORDINATOR, "fr")
    occupied = FR._("Places (people): {available} available, {occupied} occupied")
    before = await stats_this_week(coordinator)
    assert this_week(1, 0) in before and occupied.format(available=0, occupied=0) in before

    await arrive_today(caseworker)
    arrived = await stats_this_week(coordinator)
    assert this_week(1, 1) in arrived and occupied.format(available=0, occupied=3) in arrived
    assert await arrivals_in_the_chart(bot) == 1

    await caseworker.send("/placements")
    asked = texts(await caseworker.press(FR._("Undo the arrival")))
    assert FR._("Yes, undo the arrival") in [label for label, _ in caseworker.buttons()] and asked
    await caseworker.press(FR._("No, keep it"))
    assert (
        caseworker.last()["text"] == FR._("The arrival is kept.")
        and (await stored(bot, placement_id))[0].status == "active"
    )
    await caseworker.send("/placements")
    await caseworker.press(FR._("Undo the arrival"))
    await caseworker.press(FR._("Yes, undo the arrival"))
    assert caseworker.last()["text"] == FR._(
        "The arrival is undone: the placement is a proposal again and the place is reserved."
    )
    placement, placed = await stored(bot, placement_id)
    assert (placement.status, placement.start_date, placement.planned_end, placed.status) == (
        "proposed", None, None, "reserved")  # fmt: skip
    last = (await placement_events(bot, placement_id))[-1]
    assert (last.action, last.actor_id) == ("arrival_undone", CASEWORKER)
    assert last.detail == {"before": {"status": "active", "start_date": "2026-11-22", "planned_end": "2027-05-22"},
                           "after": {"status": "proposed", "start_date": None, "planned_end": None}}  # fmt: skip
    assert UK._("The arrival in your place #{offer} was recorded by mistake and is cancelled: the household has not "
                "moved in yet. The place stays reserved for them.").format(offer=place) in texts(
        bot.api.bot_messages(HOST))  # fmt: skip
    assert this_week(1, 0) in await stats_this_week(coordinator)
    assert await arrivals_in_the_chart(bot) == 0

    # The household does arrive, the day after: one arrival, not two.
    bot.clock.advance(days=1)
    await caseworker.send("/placements")
    await arrive_today(caseworker)
    again = await stats_this_week(coordinator)
    assert FR._("This week: {offers} new offers, {placements} new placements").format(
        offers=0, placements=1) in again  # a new ISO week began on Monday 23  # fmt: skip
    async with bot.database.transaction() as session:
        figures = await territory_statistics(session, frozenset({"44"}), TOMORROW, bot.clock())
    assert [week.new_placements for week in figures.territory.weeks[-2:]] == [0, 1]


async def test_past_placements_are_listed_on_request_with_their_outcome(bot: BotUnderTest) -> None:
    caseworker, place, _ = await caseworker_with_proposal(bot)
    await arrive_today(caseworker)
    bot.clock.advance(days=3)
    await caseworker.send("/placements")
    await caseworker.press(FR._("Record the departure"))
    await caseworker.press(FR._("Today"))
    await caseworker.press(FR._("Rehoused (next place found)"))
    # A second proposal in the same place, withdrawn; and six older closed ones to page through.
    async with bot.database.transaction() as session:
        family = await households.create(session, CASEWORKER, {"reference": "DOS-2", "departement": "44",
                                                               "adults": 1, "children": 0}, bot.clock())  # fmt: skip
    assert family.id is not None
    await caseworker.press_data(ProposeTo(place, family.id).encode())
    bot.clock.advance(minutes=5)
    listing = await caseworker.send("/placements")
    assert FR.n_("{n} open placement.", "{n} open placements.", 1).format(n=1) in texts(listing)
    cards = [m["text"] for m in listing if f"→ #{place}" in m["text"]]
    assert len(cards) == 1 and "DOS-2" in cards[0]  # current ones only (DOS-1 now waits for a place)
    await caseworker.press(FR._("Withdraw the proposal"))

    past = await caseworker.press(FR._("Past placements"))
    shown = texts(past)
    assert FR.n_("{n} past placement.", "{n} past placements.", 2).format(n=2) in shown
    withdrawn, rehoused = (m["text"] for m in past if "DOS-" in m["text"])
    assert "DOS-2" in withdrawn and FR._("Proposal withdrawn on {date}").format(
        date=FR.date(date(2026, 11, 25))) in withdrawn  # the latest first  # fmt: skip
    assert "DOS-1" in rehoused and FR._("From {start} to {end} · {outcome}").format(
        start=FR.date(TODAY), end=FR.date(date(2026, 11, 25)), outcome=FR._("Rehoused (next place found)")
    ) in rehoused  # fmt: skip
    assert FR._("Page {page} of {pages}").format(page=1, pages=1) in shown

    history = texts(await caseworker.press(FR._("History"), next(m for m in past if "DOS-1" in m["text"])))
    assert FR._("Arrival recorded") in history and FR._("Departure recorded") in history
    assert f"{FR._('outcome')}: {FR._('Rehoused (next place found)')}" in history

    async with bot.database.transaction() as session:
        for number in range(6):
            other = await households.create(session, CASEWORKER, {"reference": f"OLD-{number}", "departement": "44",
                                                                  "adults": 1, "children": 0}, bot.clock())  # fmt: skip
            closed = await placements.create(
                session, other.id or 0, place, CASEWORKER, bot.clock() - timedelta(days=90)
            )
            await placements.update(session, closed, bot.clock() - timedelta(days=60 + number), status="ended",
                                    start_date=date(2026, 8, 1), actual_end=date(2026, 9, 1), outcome="returned")  # fmt: skip
    await caseworker.send("/placements")
    first = await caseworker.press(FR._("Past placements"))
    assert FR._("Page {page} of {pages}").format(page=1, pages=2) in texts(first)
    assert len([m for m in first if FR._("History") in str(m.get("reply_markup"))]) == 5
    second = await caseworker.press(FR._("Older"))
    assert FR._("Page {page} of {pages}").format(page=2, pages=2) in texts(second)
    # 8 in all, the latest first: DOS-2, DOS-1 and OLD-0 to OLD-2 on the first page.
    assert [m["text"].split(" · ")[0] for m in second if "OLD-" in m["text"]] == ["OLD-3", "OLD-4", "OLD-5"]
    assert FR._("Returned home") in texts(second)


async def test_the_placements_of_another_territory_stay_out_of_reach(bot: BotUnderTest) -> None:
    _caseworker, _place, placement_id = await caseworker_with_proposal(bot)
    await grant(bot, 601, "caseworker", "85")
    outsider = bot.user(601, "fr")
    refusal = FR._("Sorry, this is reserved for caseworkers and coordinators of the territory concerned. "
                   "Ask your coordinator if you need it.")  # fmt: skip
    for action in ("arrive", "correct", "undo_yes", "history"):
        assert refusal in texts(await outsider.press_data(PlacementStep(action, placement_id).encode())), (
            action
        )
    listing = await outsider.send("/placements")
    assert "DOS-1" not in texts(listing)
    assert FR._("No past placement yet.") in texts(await outsider.press(FR._("Past placements"), listing[0]))
    assert (await stored(bot, placement_id))[0].status == "proposed"
    assert await placement_events(bot, placement_id) == []
