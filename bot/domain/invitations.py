"""Invitation codes people can read aloud: ten characters in two groups ("K7M4Q-9TZX2"), from an alphabet
without the letters and digits people confuse (0/O, 1/I/L, 5/S, 2/Z, 8/B), read in any case, with or without
spaces and dashes. Ten characters of 25 give 10¹⁴ codes; with one-time codes valid a week and a few
attempts an hour per person, guessing one is out of reach.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Final

ALPHABET: Final = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH: Final = 10
GROUP: Final = 5
MAX_FAILURES: Final = 5
"""Codes a person may get wrong within `FAILURE_WINDOW` before being asked to wait."""
FAILURE_WINDOW: Final = timedelta(hours=1)

_SEPARATORS: Final = re.compile(r"[\s\-–—_.]+")
_LEGACY: Final = re.compile(r"[A-Za-z0-9_-]{16}")  # codes made before: secrets.token_urlsafe(12)


def new_code() -> str:
    """A fresh code, as stored and put in a t.me link (no separator)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code: str) -> str:
    """The code as people read it: "K7M4Q-9TZX2"."""
    if len(code) != LENGTH:
        return code
    return f"{code[:GROUP]}-{code[GROUP:]}"


def canonical(typed: str) -> str | None:
    """The stored form of a code as someone typed or dictated it, or None if it cannot be one."""
    typed = typed.strip()
    if _LEGACY.fullmatch(typed):
        return typed
    code = _SEPARATORS.sub("", typed).upper()
    if len(code) == LENGTH and all(c in ALPHABET for c in code):
        return code
    return None
