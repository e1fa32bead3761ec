"""The domain, the storage and the dialogues never import Telegram: only the glue does."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TELEGRAM_FREE = ["bot/domain", "bot/geo", "storage", "conversations", "bot/chat.py", "bot/context.py",
                 "bot/cards.py", "bot/notices.py", "bot/search_results.py", "bot/commands"]  # fmt: skip
GLUE = {"bot/telegram_io.py", "bot/handlers.py", "bot/app.py", "bot/webhook.py", "bot/alerts.py"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_storage_and_dialogues_do_not_import_telegram() -> None:
    checked = 0
    for entry in TELEGRAM_FREE:
        target = ROOT / entry
        for path in [target] if target.is_file() else sorted(target.rglob("*.py")):
            offending = {name for name in imported_modules(path) if name.split(".")[0] == "telegram"}
            assert not offending, f"{path.relative_to(ROOT)} imports {offending}"
            checked += 1
    assert checked > 40


def test_only_the_glue_imports_telegram_in_bot() -> None:
    importers = {
        str(path.relative_to(ROOT)) for path in (ROOT / "bot").rglob("*.py")
        if any(name.split(".")[0] == "telegram" for name in imported_modules(path)) and "sandbox" not in path.parts
    }  # fmt: skip
    assert importers <= GLUE, importers - GLUE
