"""The one commune resolver (bot.geo.resolve) that the dialogue, the search line and the importer share."""

from __future__ import annotations

from typing import Any

import pytest

from bot.geo.resolve import Resolved, commune_label, load_resolver

RESOLVER = load_resolver()


def one(text: str | None, **hints: Any) -> str | None:
    found = RESOLVER.resolve(text, **hints)
    return None if found.commune is None else commune_label(found.commune)


def candidates(text: str | None, **hints: Any) -> list[str]:
    found = RESOLVER.resolve(text, **hints)
    assert found.commune is None
    return [commune_label(c) for c in found.candidates]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Nantes", "Nantes (44)"), ("NANTES", "Nantes (44)"), ("st herblain", "Saint-Herblain (44)"),
        ("Sorinieres", "Les Sorinières (44)"), ("le mans", "Le Mans (72)"), ("Varades", "Loireauxence (44)"),
        ("44000", "Nantes (44)"), ("44000 Nantes", "Nantes (44)"), ("44109 - Nantes", "Nantes (44)"),
        ("2A004", "Ajaccio (2A)"), ("1053", "Bourg-en-Bresse (01)"), ("Saint-Denis (93)", "Saint-Denis (93)"),
        ("Saint-Denis-93", "Saint-Denis (93)"), ("Saint-Denis, Réunion", "Saint-Denis (974)"),
        ("Nantes (centre-ville)", "Nantes (44)"), ("Paris 11", "Paris 11e Arrondissement (75)"),
        ("Lyon 3", "Lyon 3e Arrondissement (69)"), ("Marseille 13", "Marseille (13)"),
        ("Nant", "Nant (12)"), ("Nant-44", "Nantes (44)"),
        ("Nantes 93", "Nantes (44)"),  # a hint that contradicts every namesake is a typo
    ],
)  # fmt: skip
def test_one_commune(text: str, label: str) -> None:
    assert one(text) == label


def test_candidates_and_nothing() -> None:
    assert candidates("Saint-Denis")[:2] == ["Saint-Denis (974)", "Saint-Denis (93)"]
    assert all(label.startswith("Saint-Denis (") for label in candidates("Saint-Denis"))
    assert candidates("44470")[:2] == ["Carquefou (44)", "Thouaré-sur-Loire (44)"]
    nante = candidates("Nante")
    assert nante[0] == "Nantes (44)" and len(nante) == 8
    for text in ("Xyzzyville", "", "   ", None, "99999"):
        assert RESOLVER.resolve(text) == Resolved()


@pytest.mark.parametrize(
    ("typed", "first"),
    [("Nantess", "Nantes (44)"), ("St Herblin", "Saint-Herblain (44)"), ("Sant Nazaire", "Saint-Nazaire (44)"),
     ("Clison", "Clisson (44)"), ("Mongpelier", "Montpellier (34)"), ("Сен-Назер", "Saint-Nazaire (44)"),
     ("Клісон", "Clisson (44)"), ("Геранд", "Guérande (44)")],
)  # fmt: skip
def test_a_name_no_commune_bears_gets_those_that_sound_like_it(typed: str, first: str) -> None:
    found = RESOLVER.resolve(typed)
    assert found.approximate and commune_label(found.candidates[0]) == first


def test_russian_and_ukrainian_names_of_cities_and_lookalikes_confirmed_by_a_postal_code() -> None:
    assert one("Париж") == "Paris (75)" and one("Нант") == "Nantes (44)" and one("Ліон") == "Lyon (69)"
    assert (
        one("Сент-Етьєн") == "Saint-Étienne (42)"
        and one("Ам’єн") == "Amiens (80)"
        and one("Бордо") == "Bordeaux (33)"
    )
    assert one("Nantess 44000") == "Nantes (44)" and one("Nantess", postal_code="44000") == "Nantes (44)"
    assert RESOLVER.resolve("Nantess", postal_code="44000").approximate
    assert candidates("Lion")[0] == "Lyon (69)"  # sounds the same: before names merely starting with it
    assert candidates("Saint-Naz")[0] == "Saint-Nazaire (44)"  # names starting with it, as before
    assert RESOLVER.resolve("Nantess", suggest=False) == Resolved()


def test_hints_of_each_caller() -> None:
    # The importer: whole names only, a postal code and départements given apart.
    assert candidates("Nante", complete_names=True)[0] == "Nantes (44)"  # suggested, not chosen
    assert RESOLVER.resolve("Nante", complete_names=True).approximate
    assert one("Saint-Denis", postal_code="97400") == "Saint-Denis (974)"
    assert one("Saint-Denis", postal_code="12345") is None  # a wrong postal code does not hide the namesakes
    assert one(None, insee="44109") == "Nantes (44)" and one(None, insee="44109 - Nantes") == "Nantes (44)"
    assert one("Nantes", insee="35238") == "Nantes (44)"  # a code that disagrees with the name is not taken
    assert candidates("Saint-Denis", prefer=[("93", "974")]) == ["Saint-Denis (974)", "Saint-Denis (93)"]
    assert one("Saint-Denis", prefer=[("44",), ("93",)]) == "Saint-Denis (93)"
    # The search line: a guess rather than a question when one is clearly meant.
    assert one("Saint Nazaire", guess=True) == "Saint-Nazaire (44)"
    assert one("Saint Nazaire", guess=True, prefer=[(), ("66",)]) == "Saint-Nazaire (66)"
    assert one("44470", guess=True) == "Carquefou (44)"
    assert candidates("Saint-Denis", guess=True)[:2] == ["Saint-Denis (974)", "Saint-Denis (93)"]
    # The dialogue: a location pin and a button's INSEE code.
    nantes = RESOLVER.by_insee("44109")
    assert nantes is not None and RESOLVER.at(nantes.lat, nantes.lon) == nantes
    assert RESOLVER.at(0.0, -30.0) is None
