"""Looking for a person's data everywhere it could hide: every row of every table, the SQLite files, the log."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel

from bot import logs
from storage.db import Database


def _forms(secret: str) -> set[str]:
    """A text as it may be stored: as it is, or escaped in JSON (SQLAlchemy writes JSON in ASCII)."""
    return {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}


async def rows_holding(database: Database, secrets: Sequence[str], user_id: int) -> list[str]:
    """Where a table holds one of `secrets` (in any column, JSON included) or the number `user_id`."""
    found = []
    async with database.transaction() as session:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await session.execute(table.select())).mappings():
                for column, value in row.items():
                    if isinstance(value, int) and not isinstance(value, bool) and value == user_id:
                        found.append(f"{table.name}.{column} = {user_id}")
                    found += [
                        f"{table.name}.{column} holds {s!r}" for s in secrets if holds(_as_text(value), s)
                    ]
    return found


def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else json.dumps(value, default=str)


def holds(text: str | bytes, secret: str) -> bool:
    data = text.encode() if isinstance(text, str) else text
    return any(form.encode() in data for form in _forms(secret))


def files_holding(database_url: str, secrets: Sequence[str]) -> list[str]:
    """Which of the SQLite database file, its write-ahead log and shared memory hold one of `secrets`, byte by
    byte."""
    path = Path(database_url.split(":///", 1)[1])
    found = []
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            data = file.read_bytes()
            found += [f"{file.name} holds {secret!r}" for secret in secrets if holds(data, secret)]
    return found


@contextmanager
def debug_log() -> Iterator[io.StringIO]:
    """Log as `logement-bot -v` does (bot/logs.py), into a buffer; everything put back afterwards."""
    levels = {name: logging.getLogger(name).level for name in ("", *logs.TALKATIVE)}
    written = io.StringIO()
    handler = logs.configure(verbose=True, stream=written)
    try:
        yield written
    finally:
        logging.getLogger().removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
