"""Listening tests: people in the loop.

``store``: the results database (SQLite, WAL mode): tests, stimuli with their provenance,
anonymous raters, every answer (committed as it is given, never duplicated) and feedback on
generated samples. ``designs``: A/B, "human or machine?", MOS and MUSHRA tests written in a few
lines, balanced per-rater orders, attention checks, and ``Session`` (one rater taking a test).
``statistics``: intervals, tests, rankings and agreement. ``simulate``: simulated raters.
``serve``: the served page for a class (Voila).
"""

from musiclab.listening.designs import Clip, Design, Session, create_test
from musiclab.listening.store import ResultsStore

__all__ = ["Clip", "Design", "ResultsStore", "Session", "create_test"]
