"""Listening tests: people in the loop.

``store``: the results database (SQLite, WAL mode): tests, stimuli with their provenance,
anonymous raters and every answer, committed as it is given, never duplicated.
"""

from musiclab.listening.store import ResultsStore

__all__ = ["ResultsStore"]
