"""Variable-length pieces for sequence models: benchmark files, crops, padding, masks.

A *piece* is either a melody (int tokens ``(steps,)``) or a piano roll (bool
``(steps, 88)``). Training batches are random crops of a fixed window, padded
with a mask so that short pieces fit; pieces are drawn in proportion to their
length so that every step is equally likely to be trained on, as every step
counts equally in the frame-level score.
"""

import json
from pathlib import Path

import numpy as np

from musiclab.errors import MusiclabError
from musiclab.vocab import FIRST_PITCH_TOKEN, KEYS, LOWEST_PITCH, VOCABULARY_SIZE

SPLITS = ("train", "valid", "test")


def load_pianoroll_benchmark(path):
    """Read a Boulanger-Lewandowski benchmark file (``JSB_Chorales.json``, ``Nottingham.json``).

    Args:
        path: a JSON file ``{"train": [...], "valid": [...], "test": [...]}`` where each
            piece is a list of steps and each step the list of sounding MIDI pitches.

    Returns:
        ``{split: [bool array (steps, 88), ...]}``.

    Raises:
        MusiclabError: naming the file when it is missing, not JSON, or not in this format.
    """
    path = Path(path)
    if not path.is_file():
        raise MusiclabError(f"{path}: no such benchmark file")
    try:
        data = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError):
        raise MusiclabError(f"{path}: not a JSON file") from None
    if not isinstance(data, dict) or not set(SPLITS) <= set(data):
        raise MusiclabError(f"{path}: expected an object with 'train', 'valid' and 'test'")
    result = {}
    for split in SPLITS:
        pieces = []
        for number, piece in enumerate(data[split]):
            roll = np.zeros((len(piece), KEYS), bool)
            try:
                for step, pitches in enumerate(piece):
                    keys = np.asarray(pitches, dtype=np.int64) - LOWEST_PITCH
                    if keys.size and (keys.min() < 0 or keys.max() >= KEYS):
                        raise ValueError
                    roll[step, keys] = True
            except (TypeError, ValueError):
                raise MusiclabError(f"{path}: {split} piece {number}: steps must be lists of "
                                    "MIDI pitches 21..108") from None
            if len(roll):
                pieces.append(roll)
        result[split] = pieces
    return result


def _transpose(piece, semitones):
    if piece.ndim == 2:
        return np.roll(piece, semitones, axis=1)
    pitched = piece >= FIRST_PITCH_TOKEN
    return np.where(pitched, piece + semitones, piece).astype(piece.dtype)


def _room(piece):
    """Semitones a piece can move down and up while staying on the 88 keys."""
    if piece.ndim == 2:
        used = np.flatnonzero(piece.any(axis=0))
        return (int(used[0]), int(KEYS - 1 - used[-1])) if used.size else (0, 0)
    pitched = piece[piece >= FIRST_PITCH_TOKEN]
    if not pitched.size:
        return 0, 0
    return int(pitched.min() - FIRST_PITCH_TOKEN), int(VOCABULARY_SIZE - 1 - pitched.max())


def random_batch(pieces, window, batch_size, rng, transpose=0, labels=None):
    """A training batch of random crops.

    Args:
        pieces: list of melodies ``(steps,)`` or piano rolls ``(steps, 88)``.
        window: steps per crop; shorter pieces are padded at the end.
        batch_size: crops per batch.
        rng: a ``numpy.random.Generator``.
        transpose: shift each crop by a random number of semitones up to this many
            (only shifts that keep every note on the 88 keys).
        labels: optional int array ``(len(pieces),)`` of style labels.

    Returns:
        ``(sequences, mask, batch_labels)``: int32 ``(batch, window)`` or float32
        ``(batch, window, 88)``; float32 mask ``(batch, window)`` (1 on real steps);
        int32 ``(batch,)`` labels or ``None``.
    """
    if not pieces:
        raise ValueError("pieces: no pieces to draw from")
    lengths = np.array([len(piece) for piece in pieces], dtype=np.float64)
    chosen = rng.choice(len(pieces), size=batch_size, p=lengths / lengths.sum())
    roll = pieces[0].ndim == 2
    sequences = np.zeros((batch_size, window, KEYS) if roll else (batch_size, window),
                         np.float32 if roll else np.int32)
    mask = np.zeros((batch_size, window), np.float32)
    for row, index in enumerate(chosen):
        piece = pieces[index]
        start = int(rng.integers(0, len(piece) - window + 1)) if len(piece) > window else 0
        crop = piece[start:start + window]
        if transpose:
            down, up = _room(crop)
            crop = _transpose(crop, int(rng.integers(-min(down, transpose),
                                                     min(up, transpose) + 1)))
        sequences[row, :len(crop)] = crop
        mask[row, :len(crop)] = 1.0
    batch_labels = None if labels is None else np.asarray(labels, np.int32)[chosen]
    return sequences, mask, batch_labels


def padded_batches(pieces, batch_size=16, multiple=64, labels=None):
    """Whole pieces in batches, padded to a multiple of ``multiple`` steps (for evaluation).

    Yields:
        ``(sequences, mask, batch_labels)`` as in ``random_batch``; pieces are
        grouped by length so that padding stays small and shapes repeat.
    """
    order = np.argsort([len(piece) for piece in pieces], kind="stable")
    for first in range(0, len(order), batch_size):
        indices = order[first:first + batch_size]
        longest = max(len(pieces[index]) for index in indices)
        width = -(-longest // multiple) * multiple
        roll = pieces[indices[0]].ndim == 2
        sequences = np.zeros((len(indices), width, KEYS) if roll else (len(indices), width),
                             np.float32 if roll else np.int32)
        mask = np.zeros((len(indices), width), np.float32)
        for row, index in enumerate(indices):
            sequences[row, :len(pieces[index])] = pieces[index]
            mask[row, :len(pieces[index])] = 1.0
        batch_labels = None if labels is None else np.asarray(labels, np.int32)[indices]
        yield sequences, mask, batch_labels
