"""The layers mean their names: only the Telegram glue imports Telegram, the domain is pure, storage is storage.

- `bot/domain`: pure rules and reading of what people type: no Telegram, no SQL, no session, no storage.
- `storage`: tables, queries and migrations: nothing of Telegram, the features, the dialogues or the services.
- `bot/services`: use cases that need the database: no Telegram.
- Only `bot/telegram` (and `bot/app.py`, which builds the Application) import python-telegram-bot.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GLUE = (
    "bot/telegram/",
    "bot/app.py",
    "bot/sandbox/",
)  # the stand-in speaks HTTP, not through Telegram's library


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def modules_under(folder: str) -> list[Path]:
    paths = sorted((ROOT / folder).rglob("*.py"))
    assert paths, folder
    return paths


def offending(path: Path, forbidden: tuple[str, ...]) -> set[str]:
    return {name for name in imported_modules(path) if name == name and name.startswith(forbidden)}


def test_only_the_glue_imports_telegram() -> None:
    importers = {
        str(path.relative_to(ROOT))
        for folder in ("bot", "conversations", "storage")
        for path in modules_under(folder)
        if any(name.split(".")[0] == "telegram" for name in imported_modules(path))
    }
    assert {path for path in importers if not path.startswith(GLUE)} == set()
    assert "bot/telegram/gateway.py" in importers  # the check sees real imports


def test_the_domain_is_pure() -> None:
    forbidden = ("telegram", "sqlalchemy", "sqlmodel", "storage", "bot.services", "bot.features", "bot.telegram",
                 "conversations", "aiohttp")  # fmt: skip
    for path in modules_under("bot/domain"):
        assert not offending(path, forbidden), (
            f"{path.relative_to(ROOT)} imports {offending(path, forbidden)}"
        )


def test_storage_holds_tables_queries_and_migrations_only() -> None:
    forbidden = ("telegram", "bot.services", "bot.features", "bot.telegram", "bot.chat", "conversations")
    for path in modules_under("storage"):
        assert not offending(path, forbidden), (
            f"{path.relative_to(ROOT)} imports {offending(path, forbidden)}"
        )


def test_services_and_dialogues_do_not_speak_telegram() -> None:
    for folder in ("bot/services", "conversations", "bot/features", "bot/chat"):
        for path in modules_under(folder):
            found = offending(path, ("telegram", "bot.telegram"))
            assert not found, f"{path.relative_to(ROOT)} imports {found}"
