"""Tables. Personal data is kept to what matching and alerts need (see docs/privacy.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

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


class HandledUpdate(SQLModel, table=True):
    """Telegram update ids already processed: a redelivered update (restart, webhook retry) is ignored."""

    __tablename__ = "handled_updates"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    handled_at: datetime = _utc(index=True)


class Offer(SQLModel, table=True):
    """A place offered by a host. `host_id` is None once the host erased their data (kept for statistics)."""

    __tablename__ = "offers"

    id: int | None = Field(default=None, primary_key=True)
    host_id: int | None = Field(
        default=None, sa_type=BigInteger, foreign_key="users.id", ondelete="SET NULL", index=True
    )
    status: str = Field(max_length=12, index=True)
    kind: str = Field(max_length=20)
    commune_insee: str = Field(max_length=5)
    commune_name: str = Field(max_length=100)
    departement: str = Field(max_length=3, index=True)
    latitude: float
    longitude: float
    address: str | None = Field(default=None, max_length=200)
    people: int
    beds: int
    bedrooms: int
    welcome: str = Field(max_length=10)
    available_from: date
    available_until: date | None = None
    min_stay_days: int | None = None
    step_free: str = Field(max_length=10)
    pets: bool
    children: bool
    smoking: bool
    equipment: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    transport: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cost: str = Field(max_length=10)
    cost_eur: int | None = None
    notes: str | None = Field(default=None, max_length=1000)
    phone: str | None = Field(default=None, max_length=20)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()
    last_confirmed_at: datetime = _utc()


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
