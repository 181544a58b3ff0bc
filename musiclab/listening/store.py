"""The results store of listening tests: one SQLite file that loses nothing.

Tables: ``tests`` (a name and its design), ``stimuli`` (audio, MIDI and provenance: model,
checkpoint, seed, settings), ``raters`` (anonymous ids) and ``responses`` (the answer, the time
taken, how often and how much of each clip was heard). The database runs in WAL mode, so
readers (a teacher's notebook showing results live) never block the raters' writers, and every
answer is its own transaction, committed before ``record`` returns: a closed tab, a restarted
kernel or a crashed server loses nothing already answered. A response is keyed by
``(test, rater, item)``: sending the same answer twice (a double click, a retried request)
stores it once, and a rater who reloads the page resumes at the first item not answered.

    store = ResultsStore("class.db")
    test = store.create_test("human or machine?", design={"kind": "turing"})
    clip = store.add_stimulus(test, "real", audio=wav_bytes, provenance={"tune": "han1"})
    rater = store.add_rater(test)
    store.record(test, rater, "item-1", {"human": True}, seconds=4.2, plays=2, heard=1.0)
    store.responses(test)               # a pandas DataFrame, one row per answer
"""

import contextlib
import json
import os
import sqlite3
import time
import uuid
from pathlib import Path

import pandas

from musiclab.files import atomic_write_text, output_path

SCHEMA = """
CREATE TABLE IF NOT EXISTS tests (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, design TEXT NOT NULL,
    created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS stimuli (
    id INTEGER PRIMARY KEY, test INTEGER NOT NULL REFERENCES tests(id), system TEXT NOT NULL,
    audio BLOB, midi BLOB, provenance TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS raters (
    id TEXT NOT NULL, test INTEGER NOT NULL REFERENCES tests(id), created REAL NOT NULL,
    PRIMARY KEY (test, id));
CREATE TABLE IF NOT EXISTS responses (
    id INTEGER PRIMARY KEY, test INTEGER NOT NULL REFERENCES tests(id),
    rater TEXT NOT NULL, item TEXT NOT NULL, answer TEXT NOT NULL,
    seconds REAL, plays INTEGER, heard REAL, created REAL NOT NULL,
    UNIQUE (test, rater, item), FOREIGN KEY (test, rater) REFERENCES raters(test, id));
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, source TEXT NOT NULL, rating INTEGER NOT NULL, tokens TEXT,
    code TEXT, provenance TEXT NOT NULL, created REAL NOT NULL);
"""
BUSY_MILLISECONDS = 30_000  # how long a writer waits for another writer's lock


class ResultsStore:
    """A listening-test database in one file (created when missing).

    Args:
        path: the SQLite file the user names.

    Raises:
        ValueError: naming the file when it is not a musiclab results database.
    """

    def __init__(self, path):
        self.path = Path(path)
        if self.path.is_dir():
            raise ValueError(f"{self.path}: a folder, not a results database file")
        if self.path.exists() and not os.access(self.path, os.R_OK | os.W_OK):
            raise ValueError(f"{self.path}: read-only; answers could not be stored (copy the "
                             "file or change its permissions)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._connect() as connection:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(SCHEMA)
        except sqlite3.DatabaseError as error:
            raise ValueError(f"{self.path}: not a results database ({error})") from None
        except OSError as error:
            raise ValueError(f"{self.path}: cannot be opened ({error.strerror})") from None

    def _connect(self):
        connection = sqlite3.connect(self.path, timeout=BUSY_MILLISECONDS / 1000,
                                     isolation_level=None)  # explicit transactions below
        connection.execute(f"PRAGMA busy_timeout={BUSY_MILLISECONDS}")
        connection.execute("PRAGMA foreign_keys=ON")
        return connection

    @contextlib.contextmanager
    def _transaction(self):
        """A connection inside one write transaction: committed at the end, rolled back on
        any error (nothing half-written), closed either way."""
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield connection
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        finally:
            connection.close()

    def _write(self, statement, parameters=()):
        """Run one statement in its own transaction, committed before returning."""
        with self._transaction() as connection:
            return connection.execute(statement, parameters)

    def _read(self, statement, parameters=()):
        connection = self._connect()
        try:
            return connection.execute(statement, parameters).fetchall()
        finally:
            connection.close()

    # ---- tests, stimuli, raters ----------------------------------------------------------------
    def create_test(self, name, *, design):
        """A new test (or the existing one of that name and design). Returns its id.

        Raises:
            ValueError: when a test of that name exists with another design.
        """
        text = json.dumps(design, sort_keys=True)
        self._write("INSERT INTO tests (name, design, created) VALUES (?, ?, ?) "
                    "ON CONFLICT (name) DO NOTHING", (name, text, time.time()))
        ((test, stored),) = self._read("SELECT id, design FROM tests WHERE name = ?", (name,))
        if stored != text:
            raise ValueError(f"name: {self.path} already holds a test {name!r} with another "
                             "design; choose another name")
        return test

    def create_test_with_stimuli(self, name, design, stimuli, make_items):
        """A test, its stimuli and its items in one transaction: all of it or nothing.

        Args:
            design: the design's settings (a dict); ``items`` is added to it.
            stimuli: ``[(system, audio, midi, provenance), ...]``.
            make_items: ``ids -> items``: the items, given the stimuli's ids in order.

        Returns:
            The test's id.
        """
        with self._transaction() as connection:
            now = time.time()
            test = connection.execute("INSERT INTO tests (name, design, created) VALUES (?, ?, ?)",
                                      (name, "{}", now)).lastrowid
            ids = [connection.execute(
                "INSERT INTO stimuli (test, system, audio, midi, provenance, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (test, str(system), audio, midi, json.dumps(provenance or {}, sort_keys=True),
                 now)).lastrowid for system, audio, midi, provenance in stimuli]
            connection.execute("UPDATE tests SET design = ? WHERE id = ?",
                               (json.dumps({**design, "items": make_items(ids)}, sort_keys=True),
                                test))
        return test

    def find_test(self, name):
        """The id of the test of that name, or ``None``."""
        rows = self._read("SELECT id FROM tests WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    def test_id(self, test):
        """A test's id from its id or name.

        Raises:
            ValueError: naming the database when it holds no such test.
        """
        rows = self._read("SELECT id FROM tests WHERE id = ? OR name = ?",
                          (test if isinstance(test, int) else -1, str(test)))
        if not rows:
            names = ", ".join(repr(name) for (name,) in self._read("SELECT name FROM tests"))
            raise ValueError(f"test: {self.path} holds no test {test!r} "
                             f"({'tests: ' + names if names else 'it holds no tests'})")
        return rows[0][0]

    def tests(self):
        """A DataFrame of the tests: id, name, kind, raters, responses."""
        rows = self._read(
            "SELECT t.id, t.name, t.design, "
            "(SELECT COUNT(*) FROM raters r WHERE r.test = t.id), "
            "(SELECT COUNT(*) FROM responses s WHERE s.test = t.id) FROM tests t ORDER BY t.id")
        return pandas.DataFrame([(i, n, json.loads(d).get("kind"), r, s) for i, n, d, r, s in rows],
                                columns=["id", "name", "kind", "raters", "responses"])

    def design(self, test):
        """The design a test was created with (a dict)."""
        rows = self._read("SELECT design FROM tests WHERE id = ?", (test,))
        if not rows:
            raise ValueError(f"test: {self.path} holds no test {test}")
        return json.loads(rows[0][0])

    def add_stimulus(self, test, system, *, audio=None, midi=None, provenance=None):
        """Store a clip of ``system`` ("real", a model's name) with where it came from.

        Returns:
            The stimulus id.
        """
        cursor = self._write(
            "INSERT INTO stimuli (test, system, audio, midi, provenance, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (test, str(system), audio, midi, json.dumps(provenance or {}, sort_keys=True),
             time.time()))
        return cursor.lastrowid

    def stimuli(self, test):
        """A DataFrame of a test's stimuli: id, system, provenance (no audio)."""
        rows = self._read("SELECT id, system, provenance FROM stimuli WHERE test = ? "
                          "ORDER BY id", (test,))
        return pandas.DataFrame([(i, s, json.loads(p)) for i, s, p in rows],
                                columns=["id", "system", "provenance"])

    def audio(self, stimulus):
        """The audio bytes of a stimulus (``None`` if it has none)."""
        rows = self._read("SELECT audio FROM stimuli WHERE id = ?", (stimulus,))
        if not rows:
            raise ValueError(f"stimulus: {self.path} holds no stimulus {stimulus}")
        return rows[0][0]

    def add_rater(self, test, rater=None):
        """Register an anonymous rater (a new random id unless one is given). Returns the id."""
        rater = rater or uuid.uuid4().hex
        self._write("INSERT INTO raters (id, test, created) VALUES (?, ?, ?) "
                    "ON CONFLICT (test, id) DO NOTHING", (rater, test, time.time()))
        return rater

    def has_rater(self, test, rater):
        """Whether ``rater`` is registered for ``test``."""
        return bool(self._read("SELECT 1 FROM raters WHERE id = ? AND test = ?", (rater, test)))

    def rater_number(self, test, rater):
        """0 for a test's first rater, 1 for the second... (orders are balanced by it).

        Raises:
            ValueError: when the rater does not exist.
        """
        if not self.has_rater(test, rater):
            raise ValueError(f"rater: {self.path} has no rater {rater!r} in test {test}")
        return self._read("SELECT COUNT(*) FROM raters WHERE test = ? AND rowid < "
                          "(SELECT rowid FROM raters WHERE id = ? AND test = ?)",
                          (test, rater, test))[0][0]

    # ---- feedback on generated samples -----------------------------------------------------------
    def record_feedback(self, source, rating, *, tokens=None, code=None, provenance=None):
        """Store a thumbs up (+1), down (-1) or "more like this" (+2) on a generated sample.

        Args:
            source: the widget or model that made the sample ("LatentExplorer", ...).
            tokens: the sample's melody tokens; code: its latent code, if it has one.

        Returns:
            The feedback's id.
        """
        if rating not in (-1, 1, 2):
            raise ValueError(f"rating: -1 (down), 1 (up) or 2 (more like this), got {rating!r}")
        cursor = self._write(
            "INSERT INTO feedback (source, rating, tokens, code, provenance, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (str(source), int(rating),
             None if tokens is None else json.dumps([int(token) for token in tokens]),
             None if code is None else json.dumps([float(value) for value in code]),
             json.dumps(provenance or {}, sort_keys=True), time.time()))
        return cursor.lastrowid

    def feedback(self, source=None):
        """A DataFrame of feedback: source, rating, tokens, code (lists or None), provenance."""
        rows = self._read("SELECT source, rating, tokens, code, provenance, created FROM feedback "
                          + ("WHERE source = ? " if source else "") + "ORDER BY id",
                          (source,) if source else ())
        return pandas.DataFrame(
            [(s, r, t and json.loads(t), c and json.loads(c), json.loads(p), w)
             for s, r, t, c, p, w in rows],
            columns=["source", "rating", "tokens", "code", "provenance", "created"])

    # ---- responses -----------------------------------------------------------------------------
    def record(self, test, rater, item, answer, *, seconds=None, plays=None, heard=None):
        """Store one answer at once; the same ``(test, rater, item)`` again is ignored.

        Args:
            answer: JSON-serialisable (a choice, a score, ``{"human": True}``...).
            seconds: time the rater took; plays: times the clips were played; heard: the
                share (0..1) of the clips heard.

        Returns:
            ``True`` when stored, ``False`` when this rater had already answered the item.
        """
        if heard is not None and not 0.0 <= heard <= 1.0:
            raise ValueError(f"heard: a share between 0 and 1, got {heard}")
        cursor = self._write(
            "INSERT INTO responses (test, rater, item, answer, seconds, plays, heard, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (test, rater, item) DO NOTHING",
            (test, rater, str(item), json.dumps(answer, sort_keys=True), seconds, plays, heard,
             time.time()))
        return cursor.rowcount == 1

    def answered(self, test, rater):
        """The items a rater has answered, in the order answered."""
        return [item for (item,) in self._read(
            "SELECT item FROM responses WHERE test = ? AND rater = ? ORDER BY id",
            (test, rater))]

    def next_item(self, test, rater, order):
        """Where a rater resumes: the first item of ``order`` not yet answered (``None``: done)."""
        done = set(self.answered(test, rater))
        return next((item for item in order if str(item) not in done), None)

    def responses(self, test):
        """A DataFrame with one row per answer: rater, item, answer, seconds, plays, heard,
        created (seconds since the epoch)."""
        rows = self._read("SELECT rater, item, answer, seconds, plays, heard, created "
                          "FROM responses WHERE test = ? ORDER BY id", (test,))
        frame = pandas.DataFrame(rows, columns=["rater", "item", "answer", "seconds", "plays",
                                                "heard", "created"])
        frame["answer"] = [json.loads(text) for text in frame["answer"]]
        return frame

    def export_csv(self, test, folder, name=None):
        """Write a test's responses as CSV (answers as JSON text) into ``folder``.

        Returns:
            The file's path (written atomically).
        """
        frame = self.responses(test)
        frame["answer"] = [json.dumps(answer, sort_keys=True) for answer in frame["answer"]]
        path = output_path(folder, name or f"test_{test}_responses", ".csv")
        return atomic_write_text(path, frame.to_csv(index=False))

    def integrity(self):
        """SQLite's own check of the file: ``"ok"`` when nothing is corrupt."""
        return self._read("PRAGMA integrity_check")[0][0]
