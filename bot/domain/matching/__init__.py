"""Matching waiting households with available places, for a whole territory at once.

Pure: no I/O, no clock (``today`` and ``now`` are passed in), no Telegram.

- ``needs.py``: what a household needs (:class:`HouseholdNeeds`), its priority, and a place that
  may take several households (:class:`Place`);
- ``candidates.py``: which places each household could take (the search's hard filters) and how
  well each fits (the search's order as one number), or what excludes every place;
- ``solver.py``: the exact assignment: priorities first, then the total fit (SciPy's HiGHS);
- ``plan.py``: the plan a person reviews: pairs with the search's reasons and caveats, and who
  stays unmatched and why.

See ``docs/matching.md``.
"""
