"""Who runs the service, and how long what it holds is kept (the privacy notice says both). Pure.

What is done with these periods — anonymising, deleting — is `bot/services/privacy.py`; docs/privacy.md
says it for people.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_ANONYMISE_AFTER_MONTHS = 12
DEFAULT_AUDIT_KEPT_MONTHS = 24
MESSAGES_KEPT = timedelta(days=2)  # handled updates and sent messages (a redelivery is recognised this long)
SEARCHES_KEPT = timedelta(days=30)  # a caseworker's saved search: its result pages and buttons work this long
RETENTION_EVERY = timedelta(days=1)
ERASED = 0
"""Who did something, in a column that may not be empty, once that person erased their data (Telegram ids are
positive: nobody is 0)."""


@dataclass(frozen=True)
class DataPolicy:
    """What the privacy notice tells people and the retention job applies (settings of bot/settings.py)."""

    operator_name: str = ""
    operator_contact: str = ""
    anonymise_after_months: int = DEFAULT_ANONYMISE_AFTER_MONTHS  # withdrawn offers, ended stays
    audit_kept_months: int = DEFAULT_AUDIT_KEPT_MONTHS  # who saw a contact, exported, was refused…

    def anonymise_before(self, now: datetime) -> datetime:
        """Withdrawn offers and stays that ended before this moment are anonymised."""
        return months_before(now, self.anonymise_after_months)

    def audit_before(self, now: datetime) -> datetime:
        """Audit entries recorded before this moment are deleted."""
        return months_before(now, self.audit_kept_months)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day when it is shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
