"""The words people type, one entry per language, and the lookup tables the parsers read.

Pure: no I/O beyond Babel's bundled CLDR data, no clock. Each :class:`Words` entry holds one language's
spellings for each idea, ``|``-separated, written as people type them (accents, apostrophes, case): they
are folded once, here, with :func:`fold`. The tables below are unions over every entry, because people
mix languages (a Ukrainian speaker types Russian, a French caseworker types "asap").

Month and weekday names (wide and abbreviated, format and stand-alone forms) come from CLDR through
Babel; an entry only adds the informal spellings CLDR lacks ("fév", "понеділка"). A new interface
language is its Babel catalog plus an entry in :data:`VOCABULARY`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Final, TypeVar

from babel import Locale

_DASHES: Final = "‐‑‒–—―−﹣－"
_APOSTROPHES: Final = "'’‘ʼ`´′ʹ"


def fold(text: str) -> str:
    """NFKC, case-fold, drop accents and apostrophes, turn every dash into ``-``: how typed words compare."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    out: list[str] = []
    for char in unicodedata.normalize("NFD", folded):
        if unicodedata.combining(char) or char in _APOSTROPHES:
            continue
        out.append("-" if char in _DASHES else char)
    return "".join(out)


def phrase(text: str) -> str:
    """``text`` folded, words separated by one space, dots trimmed from each word ("janv." is "janv")."""
    return " ".join(word for word in (raw.strip(".") for raw in fold(text).split()) if word)


class Unit(Enum):
    """A unit of time people count in."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class Words:
    """One language's words for each idea; each string holds ``|``-separated spellings."""

    language: str
    # Days: whole answers, or the day a relative answer counts from ("2 weeks from now").
    today: str
    tomorrow: str
    after_tomorrow: str
    yesterday: str
    next: str  # "lundi prochain", "next week", "наступного тижня"
    relative: str  # "dans 2 semaines", "in 2 weeks", "через 2 тижні"
    half_year: str
    units: Mapping[Unit, str]
    numbers: Mapping[int, str]  # whole words; compounds ("vingt-cinq") are read by validation
    multipliers: Mapping[int, str]  # "deux cents", "дві тисячі"
    connectors: str  # inside a number or a list: "vingt et un", "7 ans et 3 ans"
    date_fillers: str  # ignored anywhere in a date: "dès le", "from", "до"
    duration_fillers: str  # ignored anywhere in a duration: "au moins", "at least"
    age_fillers: str  # after an age: "years old"
    open_ended: str  # whole answers meaning "no end date"
    open_ended_inside: str  # distinctive phrases that mean it anywhere in an answer
    yes: str
    no: str
    yes_despite_no: str  # yes although they contain "no"/"pas": "pas de souci"
    polite: str
    free: str  # an amount of zero
    amount_words: str  # currency and period around an amount
    phone_words: str  # before a phone number
    people: str
    adults: str
    children: str  # counted ("2 enfants") or needed ("enfants")
    needs: Mapping[str, str]  # the offer schema's needs, by name (children has its own field)
    stale: str  # also show paused offers and offers not re-confirmed
    km: str
    # Names and codes of the languages an offer carries, beyond CLDR's names (see LANGUAGE_NAMES).
    languages: Mapping[str, str] = field(default_factory=dict)
    # Spellings CLDR lacks: months by number (1 = January), weekdays by number (0 = Monday).
    months: Mapping[int, str] = field(default_factory=dict)
    weekdays: Mapping[int, str] = field(default_factory=dict)
    # Where its speakers' phone numbers come from: a national number typed without its country code is read
    # as a mobile of this country first ("067 123 45 67" from a Ukrainian speaker is +380 67…).
    phone_region: str = ""
    # The interface language its speakers are greeted in when the bot has none of its own (a guess they
    # can change in one tap): many Ukrainians' phones are set to Russian.
    greet_in: str = ""


# fmt: off
FR: Final = Words(
    language="fr",
    today="maintenant|dès maintenant|aujourd'hui|dès aujourd'hui|d'aujourd'hui|immédiatement|tout de suite"
    "|de suite|dès que possible|asap|ce soir",
    tomorrow="demain",
    after_tomorrow="après-demain|après demain",
    yesterday="hier",
    next="prochain|prochaine|prochains|prochaines",
    relative="dans|d'ici",
    half_year="un semestre",
    units={
        Unit.DAY: "jour|jours|j|jr|jrs",
        Unit.WEEK: "semaine|semaines|sem|s",
        Unit.MONTH: "mois|m",
        Unit.YEAR: "an|ans|année|années|l'an|l'année",  # folded, "l'année prochaine" is one word
    },
    numbers={
        0: "zéro", 1: "un|une", 2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six", 7: "sept", 8: "huit",
        9: "neuf", 10: "dix", 11: "onze", 12: "douze", 13: "treize", 14: "quatorze", 15: "quinze",
        16: "seize", 20: "vingt", 30: "trente", 40: "quarante", 50: "cinquante", 60: "soixante",
        70: "soixante-dix|septante", 80: "quatre-vingt|quatre-vingts|huitante",
        90: "quatre-vingt-dix|nonante",
    },
    multipliers={100: "cent|cents", 1000: "mille"},
    connectors="et",
    date_fillers="dès|à|partir|compter|de|du|d|le|la|l|au|jusqu|jusqu'a|jusqu'au|jusque|vers|environ",
    duration_fillers="minimum|min|mini|au moins|au|moins|pendant|durant|environ|et|plus|de|la|le|les"
    "|une durée de|durée",
    age_fillers="",
    open_ended="aucune|aucun|rien|inconnu|inconnue|inconnu pour l'instant|jamais|je sais pas|je ne sais pas"
    "|sais pas|jsp|on verra|infini",
    open_ended_inside="pas de fin|sans fin|pas de date de fin|pas de limite|sans limite|sans limites|illimité"
    "|illimitée|indéterminé|indéterminée|indéfini|indéfinie|indéfiniment|pas de date|non définie|non défini"
    "|aussi longtemps|le temps qu'il faudra|le temps qu'il faut|pas de durée",
    yes="oui|o|ouais|ouai|ouep|ouaip|si|bien sûr|bien sur|évidemment|absolument|certainement|volontiers"
    "|d'accord|dac|ok|okay|oki|exact|exactement|tout à fait|carrément",
    no="non|n|nan|pas du tout|absolument pas|jamais|aucun|aucune",
    yes_despite_no="pas de problème|pas de probleme|pas de souci|pas de soucis|sans problème|sans souci",
    polite="merci|svp|s'il vous plaît|s'il te plaît|stp",
    free="gratuit|gratuite|gratis",
    amount_words="eur|euro|euros|e|par mois|/mois|mois|mensuel|par nuit|/nuit|par semaine|/semaine|environ"
    "|max|maximum|cc|charges comprises",
    phone_words="tel|tél|telephone|téléphone|mobile|portable|port",
    people="p|pers|personne|personnes",
    adults="ad|adulte|adultes",
    children="enf|enfant|enfants",
    needs={
        "step_free": "pmr|accessible|accessibilite|plainpied|plain-pied|fauteuil|handicap",
        "pets": "animaux|animal|chien|chiens|chat|chats",
    },
    stale="tout|tous|toutes|pause|pauses|inactive|inactives",
    km="km|kms",
    languages={
        "uk": "ukrainienne", "en": "anglaise", "fr": "française", "pl": "polonaise", "de": "allemande",
        "es": "espagnole", "it": "italienne",
    },
    months={2: "fév|fev"},
)

EN: Final = Words(
    language="en",
    today="now|right now|today|immediately|as soon as possible|asap|tonight",
    tomorrow="tomorrow",
    after_tomorrow="day after tomorrow|the day after tomorrow",
    yesterday="yesterday",
    next="next|coming",
    relative="in|within",
    half_year="half a year|half year",
    units={
        Unit.DAY: "day|days|d",
        Unit.WEEK: "week|weeks|wk|wks|w",
        Unit.MONTH: "month|months|mo|m",
        Unit.YEAR: "year|years|yr|yrs|y",
    },
    numbers={
        0: "zero", 1: "one|a|an", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
        8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen",
        15: "fifteen", 16: "sixteen", 17: "seventeen", 18: "eighteen", 19: "nineteen", 20: "twenty",
        30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty", 90: "ninety",
    },
    multipliers={100: "hundred", 1000: "thousand"},
    connectors="and",
    date_fillers="from|starting|start|on|the|of|until|till|by|around|about|time",
    duration_fillers="minimum|min|at least|at|least|for|about|around|approx|approximately|and|plus|of|the",
    age_fillers="old|yo",
    open_ended="open|none|nothing|unknown|never|don't know|i don't know|not sure|we'll see|open end|∞",
    open_ended_inside="no end|no end date|no limit|open-ended|open ended|indefinite|indefinitely|unlimited"
    "|as long as needed|as long as necessary|no fixed|undetermined|undefined|not defined",
    yes="yes|y|yeah|yep|yup|sure|of course|certainly|absolutely|definitely|indeed|ok|okay",
    no="no|n|nope|nah|not at all|never|none",
    yes_despite_no="no problem|no problems|no worries",
    polite="please|thanks|thank you",
    free="free|free of charge",
    amount_words="eur|euro|euros|per month|a month|/month|month|monthly|per night|/night|per week|/week"
    "|about|around|approx|approximately|max|maximum",
    phone_words="phone|tel|mobile",
    people="people|person|persons|ppl|pax",
    adults="adult|adults",
    children="child|children|kid|kids",
    needs={"step_free": "stepfree|step-free|wheelchair|accessible", "pets": "pets|pet|dog|dogs|cat|cats"},
    stale="stale|all|paused|inactive",
    km="km|kms",
    languages={"uk": "ua|ukr", "ru": "rus", "en": "eng"},
    months={9: "sept"},
    weekdays={1: "tues", 2: "weds", 3: "thur|thurs"},
)

UK: Final = Words(
    language="uk",
    phone_region="UA",
    today="зараз|прямо зараз|сьогодні|негайно|відразу|одразу|вже|якнайшвидше",
    tomorrow="завтра",
    after_tomorrow="післязавтра",
    yesterday="вчора|учора",
    next="наступний|наступного|наступну|наступному|наступній|наступної|наступна|наступне",
    relative="через|за",
    half_year="півроку|пів року",
    units={
        Unit.DAY: "день|дні|днів|дня|доба|доби|діб|добу|д|дн",
        Unit.WEEK: "тиждень|тижні|тижнів|тижня|тиж|т",
        Unit.MONTH: "місяць|місяці|місяців|місяця|міс",
        Unit.YEAR: "рік|роки|років|року|р",
    },
    numbers={
        0: "нуль", 1: "один|одна|одну|одного", 2: "два|дві|двох|двоє", 3: "три|трьох|троє",
        4: "чотири|чотирьох|четверо", 5: "п'ять|п'ятьох|п'ятеро", 6: "шість|шістьох|шестеро",
        7: "сім|сімох|семеро", 8: "вісім|вісьмох|восьмеро", 9: "дев'ять|дев'ятьох|дев'ятеро",
        10: "десять|десятеро", 11: "одинадцять", 12: "дванадцять", 13: "тринадцять", 14: "чотирнадцять",
        15: "п'ятнадцять", 16: "шістнадцять", 17: "сімнадцять", 18: "вісімнадцять", 19: "дев'ятнадцять",
        20: "двадцять", 30: "тридцять", 40: "сорок", 50: "п'ятдесят", 60: "шістдесят", 70: "сімдесят",
        80: "вісімдесят", 90: "дев'яносто", 100: "сто", 200: "двісті", 300: "триста", 400: "чотириста",
        500: "п'ятсот", 600: "шістсот", 700: "сімсот", 800: "вісімсот", 900: "дев'ятсот",
    },
    multipliers={1000: "тисяча|тисячі|тисяч"},
    connectors="і|й|та",
    date_fillers="від|з|із|зі|до|по|в|у|на|року|р",
    duration_fillers="мінімум|щонайменше|принаймні|не менше|не|менше|хоча б|хоча|б|на|близько|і|й|та|плюс",
    age_fillers="",
    open_ended="немає|нема|ніколи|не знаю|побачимо",
    open_ended_inside="безстроково|безстрокове|безстроковий|без обмежень|без обмеження|невідомо|без терміну"
    "|без кінця|не визначено|невизначено|необмежено|до невизначеного|скільки потрібно|скільки буде потрібно",
    yes="так|ага|звісно|звичайно|авжеж|безумовно|добре|гаразд|ок",
    no="ні|нi|нє|не треба|ніколи|немає|нема",
    yes_despite_no="без проблем|не проблема",
    polite="дякую|будь ласка",
    free="безкоштовно",
    amount_words="євро|на місяць|в місяць|за місяць|/міс|місяць|на тиждень|за ніч|близько|максимум",
    phone_words="тел|телефон|моб",
    people="ос|осіб|особи|особа|люди|людей|людини",
    adults="дорослий|дорослих|дорослі|дорослого",
    children="дитина|дитини|дітей|діти|дитину",
    needs={"step_free": "безбар'єрний|безбар'єрне|безбар'єрно", "pets": "тварини|тварина|собака|кіт|кішка"},
    stale="усі|всі",
    km="км",
    languages={"uk": "укр"},
    # Genitive ("наступного понеділка") and accusative ("у наступну середу") forms.
    weekdays={
        0: "понеділка", 1: "вівторка", 2: "середи|середу", 3: "четверга", 4: "п'ятниці|п'ятницю",
        5: "суботи|суботу", 6: "неділі|неділю",
    },
)

RU: Final = Words(
    language="ru",
    greet_in="uk",
    today="сейчас|сегодня|сразу|немедленно",
    tomorrow="завтра",
    after_tomorrow="послезавтра",
    yesterday="вчера",
    next="следующий|следующего|следующую|следующей|следующем|следующая|следующее|будущей|будущем",
    relative="через|за|спустя",
    half_year="полгода|пол года",
    units={
        Unit.DAY: "день|дня|дней|дни|сутки|суток|д|дн",
        Unit.WEEK: "неделя|недели|недель|неделю|неделе|нед",
        Unit.MONTH: "месяц|месяца|месяцев|месяце|мес",
        Unit.YEAR: "год|года|лет|году|г",
    },
    numbers={
        0: "ноль", 1: "один|одна|одну|одного", 2: "два|две|двух|двое", 3: "три|трех|трое",
        4: "четыре|четверо", 5: "пять|пятеро", 6: "шесть|шестеро", 7: "семь|семеро", 8: "восемь", 9: "девять",
        10: "десять", 11: "одиннадцать", 12: "двенадцать", 15: "пятнадцать", 20: "двадцать", 30: "тридцать",
        40: "сорок", 50: "пятьдесят", 60: "шестьдесят", 70: "семьдесят", 80: "восемьдесят", 90: "девяносто",
        100: "сто", 200: "двести", 300: "триста", 500: "пятьсот",
    },
    multipliers={1000: "тысяча|тысячи|тысяч"},
    connectors="и",
    date_fillers="с|со|года|г",
    duration_fillers="минимум|не менее|хотя бы|бы|на|около|и|плюс",
    age_fillers="",
    open_ended="нет|никогда|не знаю|посмотрим",
    open_ended_inside="бессрочно|без ограничений|неизвестно|без срока",
    yes="да|конечно|ок|хорошо",
    no="нет|не надо",
    yes_despite_no="без проблем|не проблема",
    polite="спасибо|пожалуйста",
    free="бесплатно",
    amount_words="евро|в месяц|за месяц|/мес|около|максимум",
    phone_words="тел|телефон|моб",
    people="человек|человека|чел|люди|людей",
    adults="взрослый|взрослых|взрослые",
    children="ребенок|ребенка|детей|дети",
    needs={"step_free": "безбарьерный", "pets": "животные|животное|собака|кошка|кот"},
    stale="все",
    km="км",
    # Genitive ("следующего понедельника") and accusative ("в следующую среду") forms.
    weekdays={
        0: "понедельника", 1: "вторника", 2: "среды|среду", 3: "четверга", 4: "пятницы|пятницу",
        5: "субботы|субботу", 6: "воскресенья",
    },
)

# fmt: on

VOCABULARY: Final[Mapping[str, Words]] = {words.language: words for words in (FR, UK, EN, RU)}
"""Every language's words, by language code."""

LANGUAGE_CODES: Final = ("uk", "ru", "en", "fr", "pl", "de", "es", "it")
"""The languages an offer can carry (those of the offer schema's LANGUAGES)."""


# --------------------------------------------------------------------------- derived tables

_V = TypeVar("_V")


def spellings(words: str) -> frozenset[str]:
    """The ``|``-separated spellings of one field, folded (:func:`phrase`); empty spellings dropped."""
    return frozenset(key for key in (phrase(word) for word in words.split("|")) if key)


def _union(pick: Iterable[str]) -> frozenset[str]:
    return frozenset().union(*(spellings(words) for words in pick))


def _index(pairs: Iterable[tuple[str, _V]], what: str) -> dict[str, _V]:
    """``{spelling: value}``; a spelling meaning two things is a mistake in the entries (ValueError)."""
    table: dict[str, _V] = {}
    for words, value in pairs:
        for key in spellings(words):
            if table.setdefault(key, value) != value:
                raise ValueError(f"{what}: {key!r} means both {table[key]!r} and {value!r}")
    return table


_ALL: Final = tuple(VOCABULARY.values())
_LOCALES: Final = tuple(Locale.parse(words.language) for words in _ALL)

TODAY: Final = _union(w.today for w in _ALL)
TOMORROW: Final = _union(w.tomorrow for w in _ALL)
AFTER_TOMORROW: Final = _union(w.after_tomorrow for w in _ALL)
YESTERDAY: Final = _union(w.yesterday for w in _ALL)
NEXT: Final = _union(w.next for w in _ALL)
RELATIVE: Final = _union(w.relative for w in _ALL)
HALF_YEAR: Final = _union(w.half_year for w in _ALL)
UNITS: Final = _index(((words, unit) for w in _ALL for unit, words in w.units.items()), "units")
NUMBERS: Final = _index(((words, n) for w in _ALL for n, words in w.numbers.items()), "numbers")
MULTIPLIERS: Final = _index(((words, n) for w in _ALL for n, words in w.multipliers.items()), "multipliers")
CONNECTORS: Final = _union(w.connectors for w in _ALL)
DATE_FILLERS: Final = _union(w.date_fillers for w in _ALL)
DURATION_FILLERS: Final = _union(w.duration_fillers for w in _ALL)
AGE_FILLERS: Final = _union(w.age_fillers for w in _ALL)
OPEN_ENDED: Final = _union(w.open_ended for w in _ALL)
OPEN_ENDED_INSIDE: Final = _union(w.open_ended_inside for w in _ALL)
YES: Final = _union(w.yes for w in _ALL)
NO: Final = _union(w.no for w in _ALL)
YES_DESPITE_NO: Final = _union(w.yes_despite_no for w in _ALL)
POLITE: Final = _union(w.polite for w in _ALL)
FREE: Final = _union(w.free for w in _ALL)
AMOUNT_WORDS: Final = _union(w.amount_words for w in _ALL)
PHONE_WORDS: Final = _union(w.phone_words for w in _ALL)
PEOPLE: Final = _union(w.people for w in _ALL)
ADULTS: Final = _union(w.adults for w in _ALL)
CHILDREN: Final = _union(w.children for w in _ALL)
NEEDS: Final = _index(
    [(words, name) for w in _ALL for name, words in w.needs.items()]
    + [(w.children, "children") for w in _ALL],
    "needs",
)
"""Words for each need of the offer schema, to the need's name."""
STALE: Final = _union(w.stale for w in _ALL)
KM: Final = _union(w.km for w in _ALL)


def _cldr_names(kind: str) -> list[tuple[str, int]]:
    """CLDR's month or day names, as (name, number): wide and abbreviated, in a date ("березня") and
    standing alone ("березень"); narrow ones are single letters, too ambiguous to read."""
    return [
        (name, number)
        for locale in _LOCALES
        for context in ("format", "stand-alone")
        for width in ("wide", "abbreviated")
        for number, name in getattr(locale, kind)[context][width].items()
    ]


MONTHS: Final = _index(
    _cldr_names("months") + [(s, n) for w in _ALL for n, s in w.months.items()],
    "months",
)
"""Month names to their number (1 = January): genitive ("березня") and nominative ("березень") forms."""
WEEKDAYS: Final = _index(
    # French "mar." (mardi) is also English "Mar" (March): a month name is never taken for a weekday.
    [(name, n) for name, n in _cldr_names("days") if phrase(name) not in MONTHS]
    + [(s, n) for w in _ALL for n, s in w.weekdays.items()],
    "weekdays",
)
"""Weekday names to their number (0 = Monday, as ``date.weekday()``)."""

LANGUAGE_NAMES: Final = _index(
    [(code, code) for code in LANGUAGE_CODES]
    + [(locale.languages[code], code) for locale in _LOCALES for code in LANGUAGE_CODES]
    + [(Locale.parse(code).languages[code], code) for code in LANGUAGE_CODES]  # what speakers call it
    + [(s, code) for w in _ALL for code, s in w.languages.items()],
    "languages",
)
"""Codes and names of the languages an offer carries, in every language of the vocabulary, to the code."""
