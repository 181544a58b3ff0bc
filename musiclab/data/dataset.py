"""An encoded corpus in memory: tunes, metadata, windows, splits, augmentation.

A ``Corpus`` holds whole tunes as flat arrays (fast to save, load and slice):
melody tokens for every tune and a SATB grid for four-voice chorales. Fixed
length training windows, piano rolls and music21 streams are cut from it on
demand.
"""

import dataclasses
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

from musiclab.data.melody import (
    FIRST_PITCH_TOKEN,
    HOLD,
    NOTE_OFF,
    VOCABULARY_SIZE,
    decode_melody,
    tokens_to_notes,
)
from musiclab.data.pianoroll import events_to_pianoroll
from musiclab.data.satb import decode_satb
from musiclab.errors import MusiclabError
from musiclab.files import atomic_write_bytes

METADATA_FIELDS = ("id", "collection", "title", "key", "meter", "region", "dance", "source",
                   "piece")
_ARRAYS = ("tokens", "offsets", "steps_per_bar", "satb", "satb_offsets", "downbeats",
           "downbeat_offsets")


@dataclasses.dataclass
class Windows:
    """Fixed-length training windows cut from a corpus.

    Attributes:
        tokens: int16 array of shape ``(windows, steps)``.
        tune_index: int array of shape ``(windows,)``: the tune of each window.
        skipped: ``{reason: number of tunes}`` that gave no window.
    """

    tokens: np.ndarray
    tune_index: np.ndarray
    skipped: dict

    def __len__(self):
        return len(self.tokens)


class Corpus:
    """Encoded tunes with their metadata.

    Build one with ``musiclab.data.build_corpus`` or load the bundled one
    with ``musiclab.data.load_corpus``.
    """

    def __init__(self, arrays, metadata, steps_per_quarter):
        self.tokens = arrays["tokens"]
        self.offsets = arrays["offsets"]
        self.steps_per_bar = arrays["steps_per_bar"]
        self.downbeats = arrays["downbeats"]
        self.downbeat_offsets = arrays["downbeat_offsets"]
        self.satb = arrays["satb"]
        self.satb_offsets = arrays["satb_offsets"]
        self.metadata = {field: np.asarray(metadata[field]).astype(str)
                         for field in METADATA_FIELDS}
        self.steps_per_quarter = int(steps_per_quarter)

    # ---- construction, saving, loading --------------------------------------------------
    @classmethod
    def from_encoded(cls, encoded, steps_per_quarter):
        """Make a corpus from ``EncodedTune`` results (see ``musiclab.data.build``)."""
        tokens, offsets, satb, satb_offsets, downbeats, downbeat_offsets = _encoded_to_arrays(
            encoded)
        arrays = {
            "tokens": tokens, "offsets": offsets, "satb": satb, "satb_offsets": satb_offsets,
            "steps_per_bar": np.array([item.steps_per_bar for item in encoded], np.int32),
            "downbeats": downbeats, "downbeat_offsets": downbeat_offsets,
        }
        metadata = {field: [str(getattr(item.tune, field) or "") for item in encoded]
                    for field in METADATA_FIELDS}
        return cls(arrays, metadata, steps_per_quarter)

    def save(self, path):
        """Write the corpus to ``path`` (``.npz``, atomically). Returns the path."""

        buffer = io.BytesIO()
        payload = {name: getattr(self, name) for name in _ARRAYS}
        payload.update({f"meta_{field}": self.metadata[field] for field in METADATA_FIELDS})
        payload["steps_per_quarter"] = np.array(self.steps_per_quarter)
        np.savez_compressed(buffer, **payload)
        return atomic_write_bytes(path, buffer.getvalue())

    @classmethod
    def load(cls, path):
        """Read a corpus written by ``save`` (no pickles are read).

        Raises:
            MusiclabError: naming the file when it is missing, corrupt or not a corpus.
        """
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in _ARRAYS}
                metadata = {field: data[f"meta_{field}"] for field in METADATA_FIELDS}
                steps_per_quarter = int(data["steps_per_quarter"])
        except KeyError as error:
            raise MusiclabError(f"{path}: not a musiclab corpus (missing {error})") from None
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise MusiclabError(f"{path}: cannot read corpus: {error}") from None
        corpus = cls(arrays, metadata, steps_per_quarter)
        if len(corpus.offsets) != len(corpus.metadata["id"]) + 1 or (
            corpus.tokens.size and corpus.tokens.max() >= VOCABULARY_SIZE
        ):
            raise MusiclabError(f"{path}: corpus arrays are inconsistent (corrupt file?)")
        return corpus

    # ---- tunes ------------------------------------------------------------------------------
    def __len__(self):
        return len(self.metadata["id"])

    def __repr__(self):
        return f"<Corpus: {len(self)} tunes, {len(self.tokens)} steps>"

    def info(self, index):
        """The metadata of tune ``index`` as a dict (plus ``steps`` and ``has_satb``)."""
        self._check_index(index)
        entry = {field: str(self.metadata[field][index]) for field in METADATA_FIELDS}
        entry["steps"] = int(self.offsets[index + 1] - self.offsets[index])
        entry["has_satb"] = bool(self.satb_offsets[index + 1] > self.satb_offsets[index])
        return entry

    def _check_index(self, index):
        if not 0 <= int(index) < len(self):
            raise IndexError(f"index: {index} is not in 0..{len(self) - 1}")

    def tune_tokens(self, index):
        """Melody tokens of tune ``index``: int16 array of shape ``(steps,)``."""
        self._check_index(index)
        return self.tokens[self.offsets[index]: self.offsets[index + 1]].astype(np.int16)

    def tune_satb(self, index):
        """SATB grid ``(steps, 4)`` of tune ``index``, or ``None`` if it has none."""
        self._check_index(index)
        start, stop = self.satb_offsets[index], self.satb_offsets[index + 1]
        return self.satb[start:stop].astype(np.int16) if stop > start else None

    def tune_downbeats(self, index):
        """Steps where the full bars of tune ``index`` start: int array."""
        self._check_index(index)
        return self.downbeats[self.downbeat_offsets[index]: self.downbeat_offsets[index + 1]]

    def pickup(self, index):
        """Steps before the first full bar of tune ``index`` (0 when it starts on a downbeat)."""
        beats = self.tune_downbeats(index)
        bar = int(self.steps_per_bar[index])
        return int(beats[0]) if len(beats) and bar and 0 < beats[0] < bar else 0

    def index_of(self, tune_id):
        """Index of the tune whose id is ``tune_id``."""
        found = np.flatnonzero(self.metadata["id"] == tune_id)
        if not found.size:
            raise KeyError(f"tune_id: no tune {tune_id!r} in this corpus")
        return int(found[0])

    def search(self, text, limit=20):
        """Indices of tunes whose title or id contains ``text`` (case-insensitive)."""
        text = text.lower()
        hits = [i for i in range(len(self))
                if text in self.metadata["title"][i].lower() or text in self.metadata["id"][i]]
        return hits[:limit]

    def stream(self, index):
        """Tune ``index`` as a music21 ``Part`` (its melody), with title, meter and key."""
        info = self.info(index)
        return decode_melody(self.tune_tokens(index), self.steps_per_quarter,
                             meter=info["meter"] or None, title=info["title"],
                             key=info["key"] or None, pickup=self.pickup(index))

    def satb_stream(self, index):
        """Tune ``index`` as a four-part music21 ``Score`` (chorales only)."""

        grid = self.tune_satb(index)
        if grid is None:
            raise ValueError(f"index: tune {self.metadata['id'][index]} has no SATB grid")
        info = self.info(index)
        return decode_satb(grid, self.steps_per_quarter, meter=info["meter"] or None,
                           title=info["title"], key=info["key"] or None,
                           pickup=self.pickup(index))

    def pianoroll(self, index, voices="all"):
        """Tune ``index`` as a ``(steps, 88)`` bool piano roll.

        Args:
            index: the tune.
            voices: ``"all"`` (every SATB voice when there are some) or ``"melody"``.
        """

        grid = self.tune_satb(index) if voices == "all" else None
        columns = [self.tune_tokens(index)] if grid is None else list(grid.T)
        events = [note for column in columns for note in tokens_to_notes(column)]
        return events_to_pianoroll(events, len(columns[0]))

    # ---- subsets and splits -----------------------------------------------------------------
    def subset(self, indices):
        """A new corpus of the tunes at ``indices`` (in that order)."""
        indices = np.asarray(indices, dtype=np.int64)
        pieces = [self.tune_tokens(i) for i in indices]
        lengths = [len(piece) for piece in pieces]
        grids = [self.tune_satb(i) for i in indices]
        satb_lengths = [0 if grid is None else len(grid) for grid in grids]
        beats = [self.tune_downbeats(i) for i in indices]
        arrays = {
            "tokens": np.concatenate(pieces).astype(np.uint8) if pieces else np.zeros(0, np.uint8),
            "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            "satb": np.concatenate([g for g in grids if g is not None]).astype(np.uint8)
            if any(n for n in satb_lengths) else np.zeros((0, 4), np.uint8),
            "satb_offsets": np.concatenate([[0], np.cumsum(satb_lengths)]).astype(np.int64),
            "steps_per_bar": self.steps_per_bar[indices],
            "downbeats": np.concatenate(beats).astype(np.int32) if beats
            else np.zeros(0, np.int32),
            "downbeat_offsets": np.concatenate([[0], np.cumsum([len(b) for b in beats])]).astype(
                np.int64),
        }
        metadata = {field: self.metadata[field][indices] for field in METADATA_FIELDS}
        return Corpus(arrays, metadata, self.steps_per_quarter)

    def select(self, *, collection=None, region=None, dance=None, meter=None):
        """Tunes matching every given filter (each a value or a list of values)."""
        mask = np.ones(len(self), bool)
        for field, wanted in (("collection", collection), ("region", region),
                              ("dance", dance), ("meter", meter)):
            if wanted is None:
                continue
            wanted = [wanted] if isinstance(wanted, str) else list(wanted)
            known = set(self.metadata[field])
            unknown = [value for value in wanted if value not in known]
            if unknown:
                raise ValueError(f"{field}: no tunes with {unknown}; known: {sorted(known)[:12]}")
            mask &= np.isin(self.metadata[field], wanted)
        return self.subset(np.flatnonzero(mask))

    def split_of(self, valid=0.1, test=0.1, seed=0):
        """The split (``"train"``, ``"valid"``, ``"test"``) of every tune.

        Decided by a hash of the tune's piece (file and number) and ``seed``,
        so it does not depend on order or on what else is in the corpus, and
        every window of a tune lands in its tune's split.
        """
        if not (0 <= valid < 1 and 0 <= test < 1 and valid + test < 1):
            raise ValueError(f"valid, test: fractions must be in [0, 1) with sum < 1, "
                             f"got {valid}, {test}")
        labels = []
        for piece in self.metadata["piece"]:
            digest = hashlib.sha1(f"{seed}:{piece}".encode()).digest()
            fraction = int.from_bytes(digest[:8], "big") / 2**64
            labels.append("test" if fraction < test else "valid" if fraction < test + valid
                          else "train")
        return np.array(labels)

    def split(self, valid=0.1, test=0.1, seed=0):
        """Split by piece into ``{"train": Corpus, "valid": Corpus, "test": Corpus}``."""
        labels = self.split_of(valid, test, seed)
        return {name: self.subset(np.flatnonzero(labels == name))
                for name in ("train", "valid", "test")}

    # ---- windows ----------------------------------------------------------------------------
    def windows(self, *, bars=2, steps_per_bar=16, hop_bars=1, transpose=None):
        """Cut fixed-length windows of whole bars, starting on downbeats.

        A tune contributes when its bar length divides ``steps_per_bar`` (with
        16: 4/4, 2/2 and 2/4 tunes; use 12 for 3/4 and 6/8). A window starts on
        a downbeat and spans only full bars of the tune's meter, so pickups,
        short bars at repeats and passages in another meter are never split.
        A window that starts in the middle of a note starts with that note;
        windows without any note are left out.

        Args:
            bars: window length in bars of ``steps_per_bar`` steps.
            steps_per_bar: steps in one bar.
            hop_bars: bars between window starts.
            transpose: optional semitone shifts for augmentation (see ``transpose_windows``).

        Returns:
            ``Windows`` with tokens of shape ``(n, bars * steps_per_bar)``.
        """
        for name, value in (("bars", bars), ("steps_per_bar", steps_per_bar),
                            ("hop_bars", hop_bars)):
            if int(value) != value or value < 1:
                raise ValueError(f"{name}: must be a positive integer, got {value}")
        length = bars * steps_per_bar
        collected, owners = [], []
        skipped = {"unsupported meter": 0, "too short": 0}
        for index in range(len(self)):
            tune_bar = int(self.steps_per_bar[index])
            if tune_bar == 0 or steps_per_bar % tune_bar:
                skipped["unsupported meter"] += 1
                continue
            tokens = self.tune_tokens(index)
            starts = _window_starts(self.tune_downbeats(index), tune_bar, length,
                                    hop_bars * steps_per_bar, len(tokens))
            if not starts.size:
                skipped["too short"] += 1
                continue
            state = _sounding_state(tokens)
            cut = tokens[starts[:, None] + np.arange(length)]
            first = cut[:, 0] == HOLD
            cut[first, 0] = state[starts[first]]
            has_note = (cut >= FIRST_PITCH_TOKEN).any(axis=1)
            collected.append(cut[has_note])
            owners.append(np.full(int(has_note.sum()), index))
        tokens = np.concatenate(collected) if collected else np.zeros((0, length), np.int16)
        tune_index = np.concatenate(owners) if owners else np.zeros(0, np.int64)
        result = Windows(tokens.astype(np.int16), tune_index, skipped)
        if transpose is not None:
            shifts = list(transpose)
            result.tokens, keep = transpose_windows(result.tokens, shifts)
            result.tune_index = np.tile(result.tune_index, len(shifts))[keep]
        return result

    def satb_windows(self, bars=2, steps_per_bar=16, hop_bars=1):
        """Bar-aligned windows of the chorales' four voices (tunes with an SATB grid).

        Windows start on downbeats of tunes whose bar is ``steps_per_bar`` steps long
        (4/4 chorales with the default); a voice that is holding a note at the start
        of a window starts with that note.

        Returns:
            ``(grids, tune_index)``: int16 ``(n, bars * steps_per_bar, 4)`` SATB tokens
            and the tune of each window ``(n,)``.
        """
        length = bars * steps_per_bar
        collected, owners = [], []
        for index in range(len(self)):
            grid = self.tune_satb(index)
            if grid is None or int(self.steps_per_bar[index]) != steps_per_bar:
                continue
            starts = _window_starts(self.tune_downbeats(index), steps_per_bar, length,
                                    hop_bars * steps_per_bar, len(grid))
            if not starts.size:
                continue
            cut = grid[starts[:, None] + np.arange(length)].astype(np.int16)
            for voice in range(grid.shape[1]):
                state = _sounding_state(grid[:, voice])
                first = cut[:, 0, voice] == HOLD
                cut[first, 0, voice] = state[starts[first]]
            collected.append(cut)
            owners.append(np.full(len(cut), index))
        if not collected:
            return np.zeros((0, length, 4), np.int16), np.zeros(0, np.int64)
        return np.concatenate(collected), np.concatenate(owners)

    def summary(self):
        """``{collection: {region: tunes}}`` counts."""
        table = {}
        for collection, region in zip(self.metadata["collection"], self.metadata["region"]):
            table.setdefault(str(collection), {}).setdefault(str(region), 0)
            table[str(collection)][str(region)] += 1
        return table


def _window_starts(downbeats, tune_bar, length, hop, steps):
    """Downbeats that begin ``length`` steps of consecutive full bars, ``hop`` apart or more."""
    if not len(downbeats):
        return np.zeros(0, np.int64)
    beat_set = set(int(beat) for beat in downbeats)
    bars_needed = length // tune_bar
    starts, last = [], None
    for beat in downbeats:
        beat = int(beat)
        if beat + length > steps or (last is not None and beat - last < hop):
            continue
        if all(beat + j * tune_bar in beat_set for j in range(1, bars_needed)):
            starts.append(beat)
            last = beat
    return np.array(starts, np.int64)


def _sounding_state(tokens):
    """For each step, the last non-HOLD token at or before it (NOTE_OFF or a pitch)."""
    positions = np.where(tokens != HOLD, np.arange(len(tokens)), 0)
    np.maximum.accumulate(positions, out=positions)
    state = tokens[positions].copy()
    state[state == HOLD] = NOTE_OFF
    return state


def transpose_windows(tokens, semitones):
    """Transposition augmentation that stays within the 88 keys.

    Args:
        tokens: int array of shape ``(n, steps)``.
        semitones: iterable of shifts, e.g. ``range(-5, 7)``.

    Returns:
        ``(shifted, keep)``: the windows for every shift whose notes all stay
        within 21..108, stacked shift by shift, and the boolean mask over the
        ``len(semitones) * n`` candidates that says which were kept.
    """
    tokens = np.asarray(tokens)
    pitched = tokens >= FIRST_PITCH_TOKEN
    high = np.where(pitched, tokens, -1).max(axis=1)
    low = np.where(pitched, tokens, VOCABULARY_SIZE).min(axis=1)
    results, masks = [], []
    for shift in semitones:
        fits = (high + shift < VOCABULARY_SIZE) & (low + shift >= FIRST_PITCH_TOKEN)
        shifted = np.where(pitched, tokens + int(shift), tokens)
        results.append(shifted[fits])
        masks.append(fits)
    if not results:
        raise ValueError("semitones: give at least one shift")
    return np.concatenate(results).astype(np.int16), np.concatenate(masks)


def _encoded_to_arrays(encoded):
    """Concatenate encoded tunes into flat arrays (used by ``Corpus.from_encoded``)."""
    lengths = [len(item.tokens) for item in encoded]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    tokens = np.concatenate([item.tokens for item in encoded]).astype(np.uint8)
    satb_lengths = [0 if item.satb is None else len(item.satb) for item in encoded]
    satb_offsets = np.concatenate([[0], np.cumsum(satb_lengths)]).astype(np.int64)
    grids = [item.satb for item in encoded if item.satb is not None]
    satb = np.concatenate(grids).astype(np.uint8) if grids else np.zeros((0, 4), np.uint8)
    beats = [np.zeros(0, np.int32) if item.downbeats is None else item.downbeats
             for item in encoded]
    downbeat_offsets = np.concatenate([[0], np.cumsum([len(b) for b in beats])]).astype(np.int64)
    downbeats = np.concatenate(beats).astype(np.int32)
    return tokens, offsets, satb, satb_offsets, downbeats, downbeat_offsets
