"""Data augmentation for melody windows, each switchable, each measured.

Every function takes token windows ``(n, steps)`` and returns new windows of the same length
(windows a change would push off the 88 keys are left out):

* ``transposed``: every shift in ``semitones`` (the key changes, the tune does not).
* ``stretched``: note lengths times ``factor`` (2: augmentation, the first half of the
  window played at half speed; 0.5: diminution, the window twice at double speed).
* ``inverted``: pitches mirrored around the first note (up becomes down): a new melody,
  not the same one in another form.
* ``retrograded``: the notes in reverse order: also a new melody.
* ``medleys``: the first half of one window joined to the second half of another.
* ``duplicated``: the same windows again (adds nothing a longer run would not see).

``augment(tokens, ...)`` applies the ones you switch on and keeps the originals;
``musiclab.data.splits.corpus_windows(..., augment={...})`` applies it to the training split
only. ``benchmarks/augmentation.py`` measures each on held-out tunes.
"""

import numpy as np

from musiclab.data.dataset import transpose_windows
from musiclab.data.melody import tokens_to_notes
from musiclab.vocab import FIRST_PITCH_TOKEN, HOLD, NOTE_OFF, VOCABULARY_SIZE

AUGMENTATIONS = ("transpose", "stretch", "invert", "retrograde", "medley", "duplicate")


def _from_notes(notes, steps):
    """Notes ``(onset, end, token)`` back to a token window of ``steps`` (rests between)."""
    window = np.full(steps, HOLD, np.int16)
    window[0] = NOTE_OFF
    for onset, end, token in notes:
        if onset >= steps:
            continue
        window[onset] = token
        if end < steps and window[end] == HOLD:
            window[end] = NOTE_OFF
    return window


def _notes(window):
    return [(onset, end, pitch - 21 + FIRST_PITCH_TOKEN)
            for onset, end, pitch in tokens_to_notes(window)]


def transposed(tokens, semitones=range(-5, 7)):
    """The windows in every key of ``semitones`` that fits the 88 keys (0 excluded)."""
    shifts = [shift for shift in semitones if shift != 0]
    return transpose_windows(tokens, shifts)[0] if shifts else np.zeros((0, tokens.shape[1]))


def stretched(tokens, factor=2.0):
    """Note onsets and lengths times ``factor`` (2 or 0.5), cut or repeated to the same length."""
    tokens = np.asarray(tokens)
    steps = tokens.shape[1]
    if factor not in (0.5, 2.0):
        raise ValueError(f"factor: 0.5 or 2 (a factor of the step grid), got {factor}")
    result = []
    for window in tokens:
        notes = _notes(window)
        if factor == 2.0:
            notes = [(2 * onset, 2 * end, token) for onset, end, token in notes]
        else:
            half = [(onset // 2, max(end // 2, onset // 2 + 1), token)
                    for onset, end, token in notes]
            notes = half + [(onset + steps // 2, end + steps // 2, token)
                            for onset, end, token in half]
        result.append(_from_notes(notes, steps))
    return np.asarray(result, np.int16).reshape(-1, steps)


def _mirrored(tokens):
    tokens = np.asarray(tokens)
    pitched = tokens >= FIRST_PITCH_TOKEN
    first = np.take_along_axis(tokens, pitched.argmax(1)[:, None], 1)
    mirrored = np.where(pitched, 2 * first - tokens, tokens)
    fits = ((mirrored >= FIRST_PITCH_TOKEN) | ~pitched).all(1) & (mirrored < VOCABULARY_SIZE).all(1)
    return mirrored.astype(np.int16), fits


def inversion_fits(tokens):
    """Which windows ``(n, steps)`` stay within the 88 keys when inverted: bool ``(n,)``."""
    return _mirrored(tokens)[1]


def inverted(tokens):
    """Pitches mirrored around each window's first note: ``p' = 2 p_first - p``.

    Windows whose inversion leaves the 88 keys are left out (see ``inversion_fits``).
    """
    mirrored, fits = _mirrored(tokens)
    return mirrored[fits]


def retrograded(tokens):
    """The notes in reverse order (a note ending at ``e`` now starts at ``steps - e``)."""
    tokens = np.asarray(tokens)
    steps = tokens.shape[1]
    return np.asarray([_from_notes([(steps - end, steps - onset, token)
                                    for onset, end, token in _notes(window)], steps)
                       for window in tokens], np.int16).reshape(-1, steps)


def medleys(tokens, count=None, seed=0):
    """``count`` windows (default ``len(tokens)``) joining halves of two random windows."""
    tokens = np.asarray(tokens)
    rng = np.random.default_rng(seed)
    count = len(tokens) if count is None else count
    first, second = rng.integers(0, len(tokens), count), rng.integers(0, len(tokens), count)
    half = tokens.shape[1] // 2
    joined = np.concatenate([tokens[first, :half], tokens[second, half:]], axis=1)
    joined[:, half] = np.where(joined[:, half] == HOLD, NOTE_OFF, joined[:, half])
    return joined.astype(np.int16)


def augment(tokens, *, transpose=None, stretch=(), invert=False, retrograde=False,
            medley=0.0, duplicate=1, seed=0):
    """The originals followed by every augmentation switched on.

    Args:
        tokens: melody windows ``(n, steps)``.
        transpose: semitone shifts, e.g. ``range(-5, 7)`` (``None``: off).
        stretch: factors, e.g. ``(0.5, 2.0)``.
        invert, retrograde: add the inversions / retrogrades.
        medley: medleys to add, as a share of ``n``.
        duplicate: copies of the originals (1: no duplication).
        seed: for the medleys.

    Returns:
        int16 windows ``(m, steps)``, ``m >= n``.
    """
    tokens = np.asarray(tokens, np.int16)
    parts = [tokens] * max(int(duplicate), 1)
    if transpose is not None:
        parts.append(transposed(tokens, transpose))
    parts += [stretched(tokens, factor) for factor in stretch]
    if invert:
        parts.append(inverted(tokens))
    if retrograde:
        parts.append(retrograded(tokens))
    if medley:
        parts.append(medleys(tokens, int(round(medley * len(tokens))), seed=seed))
    return np.concatenate([part.astype(np.int16) for part in parts])
