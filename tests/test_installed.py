"""The installed `logement-bot` works from any directory: catalogs, migrations and data ship in the package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
COMMAND = shutil.which("logement-bot", path=str(BIN))


def run(args: list[str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd)}  # no PYTHONPATH: only what is installed
    return subprocess.run(args, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(COMMAND is None, reason="the package is not installed in this environment")
def test_sandbox_from_another_directory_speaks_french_and_ukrainian(tmp_path: Path) -> None:
    script = "/start\n#1\n:user 2002 Olena uk\n/start\n:quit\n"
    result = run([str(COMMAND), "sandbox", "--port", "0"], tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    assert "Acceptez-vous" in result.stdout  # French privacy notice
    assert "Що бажаєте зробити" in result.stdout or "Ви погоджуєтеся" in result.stdout  # Ukrainian
    assert (tmp_path / "logement-sandbox.sqlite3").exists()


@pytest.mark.skipif(COMMAND is None, reason="the package is not installed in this environment")
def test_installed_package_carries_its_data(tmp_path: Path) -> None:
    check = (
        "import bot, locales, storage; from bot.i18n import translator; from bot.geo.communes import load_communes;"
        "assert translator('uk')._('Yes') != 'Yes'; assert load_communes().search('Nantes')[0].insee == '44109';"
        "print(bot.__file__)"
    )
    result = run([str(BIN / "python"), "-c", check], tmp_path)
    assert result.returncode == 0, result.stderr
    if os.environ.get("CI") == "true":  # `make test` installs the package, not in editable mode
        assert "site-packages" in result.stdout
    upgraded = run([str(COMMAND), "db", "upgrade"], tmp_path)
    assert upgraded.returncode == 0 and (tmp_path / "logement.sqlite3").exists(), upgraded.stderr
