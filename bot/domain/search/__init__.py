"""Searching the offers for a household: criteria, the one-line search command, and the ranking.

Pure: no I/O, no clock (``today`` and ``now`` are passed in), no Telegram. Parsing never raises on
user input: it returns :class:`Criteria` or a :class:`LineError` (an enum code plus the offending
token); turning that into a sentence in the user's language is the caller's job.

- ``criteria.py``: what a household needs (:class:`Criteria`), within a caseworker's territory;
- ``ranking.py``: which offers suit it, best first, with reasons and caveats;
- ``line.py``: the one-line command (``44 3p from:15/03 60d pmr near:Nantes``), parsed and written back.
"""
