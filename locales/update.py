"""Extract the translatable strings and update the catalogs: `python -m locales.update` (developers).

Then translate the new or fuzzy entries of each catalog; a test fails while any is missing. A new language:
`python -m locales.update xx` creates its catalog (then give it a vocabulary entry in `bot/domain/vocabulary.py`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = Path(__file__).resolve().parent
SOURCES = ("bot", "conversations")
KEYWORDS = {"_": None, "N_": None, "n_": (1, 2), "Nn_": (1, 2)}


def extract() -> Catalog:
    template = Catalog(project="logement-de-crise", charset="utf-8")
    for folder in SOURCES:
        found = extract_from_dir(ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS)
        for filename, lineno, message, comments, context in found:
            template.add(
                message, None, [(f"{folder}/{filename}", lineno)], auto_comments=comments, context=context
            )
    return template


def update(new: Sequence[str] = ()) -> None:
    """The template and every catalog (English is the source language: it needs none), plus `new` ones."""
    template = extract()
    with (LOCALES / "messages.pot").open("wb") as out:
        write_po(out, template, omit_header=False, sort_output=True, width=110)
    present = {path.parent.parent.name for path in LOCALES.glob("*/LC_MESSAGES/messages.po")}
    for language in sorted(present | set(new)):
        po_path = LOCALES / language / "LC_MESSAGES" / "messages.po"
        if po_path.exists():
            with po_path.open("rb") as source:
                catalog = read_po(source, locale=language)
        else:
            po_path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, project="logement-de-crise", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with po_path.open("wb") as out:
            write_po(out, catalog, sort_output=True, width=110, ignore_obsolete=True)
        print(f"{po_path.relative_to(ROOT)}: {len(catalog)} messages")


if __name__ == "__main__":
    update(sys.argv[1:])
