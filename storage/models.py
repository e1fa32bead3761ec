"""Tables. Personal data is kept to what matching and alerts need (see docs/privacy.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.domain.offers import Qualification
from storage.types import UTCDateTime


def _utc(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class User(SQLModel, table=True):
    """A Telegram user who accepted the privacy notice. The id is Telegram's user id."""

    __tablename__ = "users"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    language: str = Field(max_length=5)
    privacy_accepted_at: datetime = _utc()
    created_at: datetime = _utc()


class RoleGrant(SQLModel, table=True):
    """A caseworker or coordinator role on one département. Granted before the person may have used the bot."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "departement"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_type=BigInteger, index=True)
    role: str = Field(max_length=20)
    departement: str = Field(max_length=3)
    organisation: str | None = Field(default=None, max_length=200)
    granted_by: int | None = Field(default=None, sa_type=BigInteger)
    granted_at: datetime = _utc()


class DialogueState(SQLModel, table=True):
    """Where a user is in a guided dialogue and what they answered so far: written on every answer."""

    __tablename__ = "dialogue_states"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    dialogue: str = Field(max_length=40)
    step: str = Field(max_length=40)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _utc()


class InboxUpdate(SQLModel, table=True):
    """An update taken from Telegram, stored (committed) before Telegram is told it arrived.

    Workers handle each one once, in order per chat: `new` until handled (`done`), or `failed` (the action
    raised: its changes were rolled back and the user was told), or `dropped` (a flood: beyond the rate a person
    may send). What it said (`payload`: names, usernames, texts) is forgotten once it is taken; rows are forgotten
    two days after, which is also how long a redelivered update is recognised.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        Index("ix_inbox_waiting", "status", "chat_id", "update_id"),
        Index("ix_inbox_chat_received", "chat_id", "received_at"),
    )

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int = Field(sa_type=BigInteger)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="new", max_length=10)
    attempts: int = 0
    received_at: datetime = _utc()
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class OutboxMessage(SQLModel, table=True):
    """A message the bot owes someone, written in the same transaction as the change it reports.

    Senders send each chat's messages in order (only the oldest pending one of a chat is sent), retry what
    Telegram refused for a while, and mark what can never be delivered; then neither what it said nor its chat is
    kept. `update_id` is the update it answers, `alert_id` the alert it carries.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat", "chat_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    attachment: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    status: str = Field(default="pending", max_length=15)
    attempts: int = 0
    next_attempt_at: datetime = _utc()
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _utc()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    update_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    alert_id: int | None = Field(default=None, index=True)
    last_error: str | None = Field(default=None, max_length=300)


class Offer(SQLModel, table=True):
    """A place offered by a host. `host_id` is None once the host erased their data (kept for statistics)."""

    __tablename__ = "offers"
    __table_args__ = (
        # The search (storage/search.py): equality on the first three columns, a range on people, then every
        # other column the ranking reads, so that both databases answer from the index alone (languages, JSON,
        # cannot be in a PostgreSQL B-tree: they are read afterwards for the few offers that need them).
        Index(
            "ix_offers_search",
            "departement", "status", "stale_since", "people", "available_from", "available_until",
            "qualification", "min_stay_days", "step_free", "pets", "children", "latitude", "longitude",
            "last_confirmed_at", "id",
        ),
    )  # fmt: skip

    id: int | None = Field(default=None, primary_key=True)
    host_id: int | None = Field(
        default=None, sa_type=BigInteger, foreign_key="users.id", ondelete="SET NULL", index=True
    )
    status: str = Field(max_length=12, index=True)
    kind: str | None = Field(default=None, max_length=20)
    commune_insee: str = Field(max_length=5)
    commune_name: str = Field(max_length=100)
    departement: str = Field(max_length=3, index=True)
    latitude: float
    longitude: float
    address: str | None = Field(default=None, max_length=200)
    people: int
    # The facts of bot/domain/offer_schema.py: None means that nobody stated it (an imported row said nothing).
    beds: int | None = None
    bedrooms: int | None = None
    welcome: str | None = Field(default=None, max_length=10)
    available_from: date
    available_until: date | None = None
    min_stay_days: int | None = None
    step_free: str | None = Field(default=None, max_length=10)
    pets: bool | None = None
    children: bool | None = None
    smoking: bool | None = None
    equipment: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    transport: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    languages: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    cost: str | None = Field(default=None, max_length=10)
    cost_eur: int | None = None
    notes: str | None = Field(default=None, max_length=1000)
    phone: str | None = Field(default=None, max_length=20)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()
    last_confirmed_at: datetime = _utc()
    # Set when the host did not answer "still available?" in time; cleared by a confirmation.
    stale_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Qualification by a caseworker, kept alongside the status: unqualified, qualified or turned_down.
    qualification: str = Field(default=Qualification.UNQUALIFIED, max_length=12)
    visited: bool | None = None
    visit_date: date | None = None
    decent: bool | None = None
    qualification_note: str | None = Field(default=None, max_length=500)
    qualified_by: int | None = Field(default=None, sa_type=BigInteger)
    qualified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Offers imported from a spreadsheet for hosts who are not on Telegram: the association managing them,
    # and a fingerprint of the source row so that importing the same file again adds nothing.
    managed_by: str | None = Field(default=None, max_length=200)
    import_key: str | None = Field(default=None, max_length=64, unique=True)
    # Who imported it (its keeper when nobody else is named, see OfferKeeper), and the row's own id in the
    # organisation's file when the file has one: a re-import updates the offer with that id.
    imported_by: int | None = Field(default=None, sa_type=BigInteger)
    source_id: str | None = Field(default=None, max_length=100)
    # Why a qualification turned the offer down (a category of bot.domain.offers.TurnDown).
    turned_down_reason: str | None = Field(default=None, max_length=20)
    # When the retention job removed what could identify anyone (withdrawn long ago); the rest is statistics.
    anonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OfferPhoto(SQLModel, table=True):
    __tablename__ = "offer_photos"

    id: int | None = Field(default=None, primary_key=True)
    offer_id: int = Field(foreign_key="offers.id", ondelete="CASCADE", index=True)
    file_id: str = Field(max_length=200)
    position: int


class OfferEvent(SQLModel, table=True):
    """Every change to an offer: who (None: the system or an erased user), when, what."""

    __tablename__ = "offer_events"

    id: int | None = Field(default=None, primary_key=True)
    offer_id: int = Field(foreign_key="offers.id", ondelete="CASCADE", index=True)
    actor_id: int | None = Field(default=None, sa_type=BigInteger)
    action: str = Field(max_length=30)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = _utc()


class Invitation(SQLModel, table=True):
    """A one-time code a coordinator gives to a new caseworker or coordinator (valid 7 days)."""

    __tablename__ = "invitations"

    code: str = Field(primary_key=True, max_length=32)
    role: str = Field(max_length=20)
    organisation: str = Field(max_length=200)
    departements: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    used_by: int | None = Field(default=None, sa_type=BigInteger)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked: bool = False


class Household(SQLModel, table=True):
    """A household followed by a caseworker: pseudonymous (the association's own reference, no names)."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("departement", "reference"),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=40)
    departement: str = Field(max_length=3, index=True)
    adults: int
    children: int
    children_ages: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    step_free: bool = False
    pets: bool = False
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    caseworker_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    created_at: datetime = _utc()
    # What matching needs beyond composition (migration 0010): None means not stated (households recorded
    # before were never asked). `area`: an INSEE code (around that commune, within `radius_km`, no limit when
    # None), or "all" (anywhere in the département); `situations`: names of bot.domain.situations, [] for none.
    area: str | None = Field(default=None, max_length=5)
    radius_km: int | None = None
    wanted_from: date | None = None
    stay_days: int | None = None
    situations: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )


class Placement(SQLModel, table=True):
    """A household proposed for, then living in, an offer's place; ends with an outcome."""

    __tablename__ = "placements"

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="households.id", index=True)
    offer_id: int = Field(foreign_key="offers.id", index=True)
    status: str = Field(max_length=12, index=True)  # proposed, active, ended, cancelled
    caseworker_id: int | None = Field(default=None, sa_type=BigInteger, index=True)  # who follows it
    # Who decided the proposal (migration 0013): its caseworker, or a coordinator proposing the plan of /match
    # for a household its caseworker keeps following; None for proposals made before, or an erased user.
    proposed_by: int | None = Field(default=None, sa_type=BigInteger)
    start_date: date | None = None
    planned_end: date | None = Field(default=None, index=True)
    actual_end: date | None = None
    outcome: str | None = Field(default=None, max_length=20)
    # How many people live there (the household's size unless corrected: part of a household may stay).
    people: int | None = None
    created_at: datetime = _utc()
    updated_at: datetime = _utc()
    anonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A proposal to a host on Telegram waits for their consent until `consent_due_at` (None: an offer managed by
    # an organisation, agreed with it directly); then `host_answer` (bot.domain.consent.HostConsent), when, and
    # why a host declined (a DeclineReason). Kept after the proposal ends: /stats reads them.
    consent_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    host_answer: str | None = Field(default=None, max_length=12)
    host_answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decline_reason: str | None = Field(default=None, max_length=20)


class PlacementEvent(SQLModel, table=True):
    """Every change to a placement after it was proposed (arrival, correction, undo, extension, end): who
    (None: the system or an erased user), when, what (the values before and after)."""

    __tablename__ = "placement_events"

    id: int | None = Field(default=None, primary_key=True)
    placement_id: int = Field(foreign_key="placements.id", ondelete="CASCADE", index=True)
    actor_id: int | None = Field(default=None, sa_type=BigInteger)
    action: str = Field(max_length=30)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = _utc()


class OfferKeeper(SQLModel, table=True):
    """Who answers "still available?" for the offers an organisation manages in a département (offers
    imported for hosts who are not on Telegram), named by a coordinator. Without a row, the coordinator who
    imported an offer keeps it, or else the département's coordinators."""

    __tablename__ = "offer_keepers"
    __table_args__ = (UniqueConstraint("departement", "organisation", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    departement: str = Field(max_length=3)
    organisation: str = Field(max_length=200)
    user_id: int = Field(sa_type=BigInteger, index=True)
    named_by: int | None = Field(default=None, sa_type=BigInteger)
    named_at: datetime = _utc()


class SavedSearch(SQLModel, table=True):
    """A caseworker's search, so result pages and buttons refer to it by a short id (64-byte callback data)."""

    __tablename__ = "saved_searches"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_type=BigInteger, index=True)
    criteria: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc()
    # The household it searches for ("Find places" from /waiting): its results propose to that household.
    household_id: int | None = None


class AuditEvent(SQLModel, table=True):
    """Who saw or tried what: contact reveals, refused accesses, exports, invitations."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    action: str = Field(max_length=30, index=True)
    subject: str = Field(default="", max_length=60)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = _utc()


class DepartementSettings(SQLModel, table=True):
    """What coordinators configure for their département (defaults when there is no row)."""

    __tablename__ = "departement_settings"

    departement: str = Field(primary_key=True, max_length=3)
    milestones: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    freshness_days: int = 14
    # Where people looking for a place go in this département (reception desk, phone, hours): shown to anyone
    # who asks the bot, set by its coordinators with /reception.
    reception: str | None = Field(default=None, max_length=500)
    # Situations of bot.domain.situations its coordinators switched off (/situations): not asked, not counted.
    situations_off: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    # How long a host has to accept or decline a proposal (/consent), with a reminder at half time.
    consent_hours: int = 48
    updated_by: int | None = Field(default=None, sa_type=BigInteger)
    updated_at: datetime = _utc()


class Alert(SQLModel, table=True):
    """A message due to someone, recorded before it is sent: sent once (its key is unique), never lost.

    kind: placement_end (caseworker, coordinators), host_end (question to the host), offer_end (host),
    freshness (host), keeper_round (keepers of offers an organisation manages), digest (coordinator),
    consent_reminder (host, half way to a proposal's deadline), consent_lapsed (caseworker, the deadline passed),
    new_places (caseworker: places that became available for their waiting households, at most one digest an hour).
    """

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_sending", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, unique=True)
    kind: str = Field(max_length=20, index=True)
    recipient_id: int | None = Field(default=None, sa_type=BigInteger, index=True)  # None once erased
    departement: str | None = Field(default=None, max_length=3)
    placement_id: int | None = Field(default=None, index=True)
    offer_id: int | None = Field(default=None, index=True)
    milestone: int | None = None
    due_at: datetime = _utc()
    status: str = Field(default="pending", max_length=15)  # pending, sending, sent, undeliverable
    attempts: int = 0
    next_attempt_at: datetime = _utc()
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    late: bool = False
    last_error: str | None = Field(default=None, max_length=300)


class Lease(SQLModel, table=True):
    """A named lock with an expiry, taken by one bot process at a time (the alert sweeper), or when a daily
    task is next due (the retention of personal data), or how far a task of the sweep has read (the offers'
    history, for the new places digest)."""

    __tablename__ = "leases"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=80)
    expires_at: datetime = _utc()


class DigestSubscription(SQLModel, table=True):
    """Coordinators who asked for the weekly digest (Monday morning)."""

    __tablename__ = "digest_subscriptions"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    created_at: datetime = _utc()


class MatchPlan(SQLModel, table=True):
    """A plan `/match` computed for a territory, as its user reads and ticks it (kept across restarts).

    `pairs`: [{"household", "offer", "level", "reasons", "caveats"}] (reasons and caveats: [code, value]),
    most urgent then best fit first; `unmatched`: [{"household", "why", "places", "blocker", "blocker_places"}];
    `ticked`: indexes into `pairs`; `proposed`: indexes already proposed (never twice)."""

    __tablename__ = "match_plans"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_type=BigInteger, index=True)
    departement: str = Field(max_length=3)
    waiting: int
    pairs: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    unmatched: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    ticked: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    proposed: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc()
