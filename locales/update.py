"""Extract the translatable strings and update the catalogs: `python -m locales.update` (developers).

Then translate the new or fuzzy entries in fr and uk; a test fails while any is missing.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = Path(__file__).resolve().parent
SOURCES = ("bot", "conversations")
KEYWORDS = {"_": None, "N_": None, "n_": (1, 2), "Nn_": (1, 2)}
LANGUAGES = ("fr", "uk")  # English is the source language: it needs no catalog


def extract() -> Catalog:
    template = Catalog(project="logement-de-crise", charset="utf-8")
    for folder in SOURCES:
        found = extract_from_dir(ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS)
        for filename, lineno, message, comments, context in found:
            template.add(
                message, None, [(f"{folder}/{filename}", lineno)], auto_comments=comments, context=context
            )
    return template


def update() -> None:
    template = extract()
    with (LOCALES / "messages.pot").open("wb") as out:
        write_po(out, template, omit_header=False, sort_output=True, width=110)
    for language in LANGUAGES:
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
    update()
