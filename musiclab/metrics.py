"""Objective metrics of generated music, computed on real and generated data side by side.

Every metric takes piano rolls: ``(n, steps, 88)`` (one track) or
``(n, steps, 88, tracks)`` (several, e.g. the four chorale voices), bool or 0/1.
A note is a run of consecutive sounding steps of one key in one track.

MuseGAN's metrics (Dong et al. 2018):

* ``empty_bars`` (EB): share of (sample, bar, track) with no note.
* ``used_pitch_classes`` (UPC): pitch classes used per non-empty bar and track.
* ``qualified_notes`` (QN): share of notes at least ``min_steps`` long. MuseGAN, at 24
  steps per quarter, counts notes of 3 steps or more (a 32nd note); on a 16th-note grid a
  32nd note cannot occur, so the default threshold here is 2 steps (an eighth note) and
  ``qualified_notes`` measures how much of the music is not fragmented into 16ths.
* ``tonal_distance`` (TD): distance between the tonal centroids (Harte et al. 2006) of
  two tracks, per bar, averaged over track pairs (needs two tracks or more).

Also: ``pitch_range`` (semitones between the lowest and highest note of a sample),
``polyphony`` (keys sounding at once, over steps where any sounds), ``note_density``
(notes started per bar and track), ``scale_consistency`` (share of notes in the best
fitting major scale), and the pitch-class histogram.

``melody_rolls(tokens)`` turns melody tokens into one-track rolls, so every metric applies
to melodies too. ``compare(real, generated)`` gives a table of all of them, with the overlap of the
two per-sample distributions of each metric (1 = identical, 0 = disjoint).
``collapse_warning(generated)`` says when generated samples stop varying.
"""

import numpy as np

from musiclab.vocab import FIRST_PITCH_TOKEN, HOLD, KEYS, LOWEST_PITCH

MAJOR_SCALE = np.array([0, 2, 4, 5, 7, 9, 11])


def melody_rolls(tokens):
    """One-track piano rolls of melodies: a note sounds from its token through its HOLDs.

    Args:
        tokens: int array ``(n, steps)`` of melody tokens.

    Returns:
        bool array ``(n, steps, 88)``.
    """
    tokens = np.asarray(tokens)
    if tokens.ndim != 2:
        raise ValueError(f"tokens: expected shape (n, steps), got {tokens.shape}")
    rolls = np.zeros(tokens.shape + (KEYS,), bool)
    for row, melody in enumerate(tokens):
        key = None
        for step, token in enumerate(melody):
            if token >= FIRST_PITCH_TOKEN:
                key = int(token) - FIRST_PITCH_TOKEN
            elif token != HOLD:
                key = None
            if key is not None:
                rolls[row, step, key] = True
    return rolls


def as_tracks(rolls):
    """Rolls as a bool array ``(n, steps, 88, tracks)``."""
    rolls = np.asarray(rolls)
    if rolls.ndim == 3:
        rolls = rolls[..., None]
    if rolls.ndim != 4 or rolls.shape[2] != 88:
        raise ValueError(f"rolls: expected (n, steps, 88) or (n, steps, 88, tracks), "
                         f"got {rolls.shape}")
    return rolls > 0.5


def _bars(rolls, steps_per_bar):
    n, steps, keys, tracks = rolls.shape
    bars = steps // steps_per_bar
    if bars == 0:
        raise ValueError(f"steps_per_bar: {steps_per_bar} is longer than the {steps} steps")
    return rolls[:, :bars * steps_per_bar].reshape(n, bars, steps_per_bar, keys, tracks)


def _onsets(rolls):
    """Steps where a note starts: ``(n, steps, 88, tracks)``."""
    previous = np.concatenate([np.zeros_like(rolls[:, :1]), rolls[:, :-1]], axis=1)
    return rolls & ~previous


def note_lengths(rolls):
    """Lengths in steps of every note, per sample: a list of int arrays."""
    rolls = as_tracks(rolls)
    result = []
    for sample in rolls:
        padded = np.concatenate([np.zeros((1,) + sample.shape[1:], bool), sample,
                                 np.zeros((1,) + sample.shape[1:], bool)]).astype(np.int8)
        change = np.diff(padded, axis=0)
        starts = np.argwhere(change == 1)
        stops = np.argwhere(change == -1)
        order_start = np.lexsort((starts[:, 0], starts[:, 2], starts[:, 1]))
        order_stop = np.lexsort((stops[:, 0], stops[:, 2], stops[:, 1]))
        result.append(stops[order_stop, 0] - starts[order_start, 0])
    return result


def empty_bars(rolls, steps_per_bar=16):
    """EB per sample: share of its (bar, track) cells with no note. Returns ``(n,)``."""
    bars = _bars(as_tracks(rolls), steps_per_bar)
    return (~bars.any(axis=(2, 3))).mean(axis=(1, 2))


def used_pitch_classes(rolls, steps_per_bar=16):
    """UPC per sample: pitch classes used per non-empty (bar, track). Returns ``(n,)``.

    Samples with no note at all give NaN.
    """
    bars = _bars(as_tracks(rolls), steps_per_bar)
    per_key = bars.any(axis=2)  # (n, bars, 88, tracks)
    classes = np.zeros(per_key.shape[:2] + (12,) + per_key.shape[3:], bool)
    for key in range(KEYS):
        classes[:, :, (key + LOWEST_PITCH) % 12] |= per_key[:, :, key]
    counts = classes.sum(axis=2).astype(float)  # (n, bars, tracks)
    counts[~per_key.any(axis=2)] = np.nan
    with np.errstate(all="ignore"):
        return np.nanmean(counts.reshape(len(counts), -1), axis=1)


def qualified_notes(rolls, min_steps=2):
    """QN per sample: share of notes lasting at least ``min_steps`` steps. Returns ``(n,)``."""
    return np.array([(lengths >= min_steps).mean() if lengths.size else np.nan
                     for lengths in note_lengths(rolls)])


def _tonal_centroid(chroma):
    """Harte et al. (2006) 6-D tonal centroid of chroma vectors ``(..., 12)``."""
    steps = np.arange(12)
    basis = np.stack([
        np.sin(steps * 7 * np.pi / 6), np.cos(steps * 7 * np.pi / 6),
        np.sin(steps * 3 * np.pi / 2), np.cos(steps * 3 * np.pi / 2),
        0.5 * np.sin(steps * 2 * np.pi / 3), 0.5 * np.cos(steps * 2 * np.pi / 3),
    ])
    total = chroma.sum(axis=-1, keepdims=True)
    with np.errstate(all="ignore"):
        normalised = np.where(total > 0, chroma / total, 0.0)
    return normalised @ basis.T


def tonal_distance(rolls, steps_per_bar=16):
    """TD per sample: tonal-centroid distance between tracks per bar, averaged over track
    pairs and bars where both sound. Returns ``(n,)`` (NaN for one track)."""
    bars = _bars(as_tracks(rolls), steps_per_bar).astype(float)
    n, _, _, _, tracks = bars.shape
    chroma = np.zeros((n, bars.shape[1], 12, tracks))
    per_key = bars.sum(axis=2)  # (n, bars, 88, tracks)
    for key in range(KEYS):
        chroma[:, :, (key + LOWEST_PITCH) % 12] += per_key[:, :, key]
    centroids = _tonal_centroid(np.moveaxis(chroma, 2, -1))  # (n, bars, tracks, 6)
    sounding = chroma.sum(axis=2) > 0  # (n, bars, tracks)
    distances = []
    for first in range(tracks):
        for second in range(first + 1, tracks):
            both = sounding[..., first] & sounding[..., second]
            distance = np.linalg.norm(centroids[:, :, first] - centroids[:, :, second], axis=-1)
            distances.append(np.where(both, distance, np.nan))
    if not distances:
        return np.full(n, np.nan)
    with np.errstate(all="ignore"):
        return np.nanmean(np.stack(distances, -1).reshape(n, -1), axis=1)


def pitch_class_histogram(rolls):
    """Share of sounding steps per pitch class, over all samples: ``(12,)`` (C first)."""
    sounding = as_tracks(rolls).sum(axis=(0, 1, 3))
    histogram = np.zeros(12)
    for key in range(KEYS):
        histogram[(key + LOWEST_PITCH) % 12] += sounding[key]
    return histogram / max(histogram.sum(), 1)


def pitch_range(rolls):
    """Semitones between the lowest and highest key of each sample. Returns ``(n,)``."""
    used = as_tracks(rolls).any(axis=(1, 3))
    return np.array([np.ptp(np.flatnonzero(keys)) if keys.any() else np.nan for keys in used])


def polyphony(rolls):
    """Mean keys sounding at once, over steps where any key sounds. Returns ``(n,)``."""
    counts = as_tracks(rolls).sum(axis=(2, 3)).astype(float)
    with np.errstate(all="ignore"):
        return np.where(counts > 0, counts, np.nan).mean(axis=1, where=counts > 0)


def note_density(rolls, steps_per_bar=16):
    """Notes started per bar and track. Returns ``(n,)``."""
    rolls = as_tracks(rolls)
    bars = max(rolls.shape[1] // steps_per_bar, 1)
    return _onsets(rolls).sum(axis=(1, 2, 3)) / (bars * rolls.shape[3])


def scale_consistency(rolls):
    """Share of note onsets in the best fitting major scale (any of 12). Returns ``(n,)``."""
    onsets = _onsets(as_tracks(rolls)).sum(axis=(1, 3))  # (n, 88)
    classes = np.zeros((len(onsets), 12))
    for key in range(KEYS):
        classes[:, (key + LOWEST_PITCH) % 12] += onsets[:, key]
    total = classes.sum(axis=1)
    best = np.max([classes[:, (MAJOR_SCALE + tonic) % 12].sum(axis=1) for tonic in range(12)],
                  axis=0)
    with np.errstate(all="ignore"):
        return np.where(total > 0, best / total, np.nan)


METRICS = {
    "EB (empty bars)": lambda rolls, spb: empty_bars(rolls, spb),
    "UPC (pitch classes per bar)": lambda rolls, spb: used_pitch_classes(rolls, spb),
    "QN (qualified notes)": lambda rolls, spb: qualified_notes(rolls),
    "TD (tonal distance)": lambda rolls, spb: tonal_distance(rolls, spb),
    "pitch range": lambda rolls, spb: pitch_range(rolls),
    "polyphony": lambda rolls, spb: polyphony(rolls),
    "note density": lambda rolls, spb: note_density(rolls, spb),
    "scale consistency": lambda rolls, spb: scale_consistency(rolls),
}


def overlap(first, second, bins=20):
    """Overlapping area of two samples' histograms on shared bins: 1 identical, 0 disjoint."""
    first = np.asarray(first, float)
    second = np.asarray(second, float)
    first, second = first[np.isfinite(first)], second[np.isfinite(second)]
    if not first.size or not second.size:
        return float("nan")
    low, high = min(first.min(), second.min()), max(first.max(), second.max())
    if high - low < 1e-12:
        return 1.0
    edges = np.linspace(low, high, bins + 1)
    a = np.histogram(first, edges)[0] / first.size
    b = np.histogram(second, edges)[0] / second.size
    return float(np.minimum(a, b).sum())


def compare(real, generated, steps_per_bar=16):
    """Every metric on real and generated rolls side by side.

    Args:
        real, generated: rolls ``(n, steps, 88[, tracks])``.
        steps_per_bar: steps in one bar.

    Returns:
        A list of dicts, one per metric: ``metric``, ``real``, ``generated`` (means over
        samples), ``relative_difference`` (``|generated - real| / |real|``) and
        ``overlap`` (of the per-sample distributions); the last row compares the
        pitch-class histograms (``overlap`` = shared mass).
    """
    rows = []
    for name, metric in METRICS.items():
        values_real = metric(real, steps_per_bar)
        values_generated = metric(generated, steps_per_bar)
        with np.errstate(all="ignore"):
            mean_real = float(np.nanmean(values_real)) if np.isfinite(values_real).any() \
                else float("nan")
            mean_generated = float(np.nanmean(values_generated)) \
                if np.isfinite(values_generated).any() else float("nan")
        rows.append({"metric": name, "real": mean_real, "generated": mean_generated,
                     "relative_difference": abs(mean_generated - mean_real) / abs(mean_real)
                     if mean_real else float("nan"),
                     "overlap": overlap(values_real, values_generated)})
    histogram_real, histogram_generated = (pitch_class_histogram(real),
                                           pitch_class_histogram(generated))
    rows.append({"metric": "pitch-class histogram", "real": float("nan"),
                 "generated": float("nan"), "relative_difference": float("nan"),
                 "overlap": float(np.minimum(histogram_real, histogram_generated).sum())})
    return rows


def diversity(rolls):
    """Mean share of differing cells between pairs of samples (0 when all are identical)."""
    flat = as_tracks(rolls).reshape(len(np.asarray(rolls)), -1)
    if len(flat) < 2:
        return float("nan")
    pairs = [(first, second) for first in range(len(flat)) for second in range(first + 1,
                                                                                len(flat))]
    sounding = max(flat.sum(axis=1).mean(), 1.0)
    differing = [np.sum(flat[first] != flat[second]) for first, second in pairs[:2000]]
    return float(np.mean(differing) / (2 * sounding))


def collapse_warning(generated, real=None, threshold=0.25):
    """A message when generated samples stop varying (mode collapse), else ``None``.

    Collapse is declared when the generated samples' diversity (see ``diversity``) falls
    below ``threshold`` times the real data's (or below 0.05 without real data), or
    when half of the samples are exact duplicates.
    """
    flat = as_tracks(generated).reshape(len(np.asarray(generated)), -1)
    unique = len({row.tobytes() for row in flat})
    if len(flat) >= 4 and unique <= len(flat) / 2:
        return f"collapse: only {unique} distinct samples out of {len(flat)}"
    generated_diversity = diversity(generated)
    floor = 0.05 if real is None else threshold * diversity(real)
    if np.isfinite(generated_diversity) and generated_diversity < floor:
        return (f"collapse: generated samples differ by {generated_diversity:.3f} "
                f"(below {floor:.3f}); the generator is repeating itself")
    return None


def format_table(rows):
    """``compare``'s rows as a plain-text table (real, generated, difference, overlap)."""
    lines = [f"{'metric':30} {'real':>8} {'generated':>10} {'rel. diff':>9} {'overlap':>8}"]
    for row in rows:
        cells = [f"{row[key]:.3f}" if np.isfinite(row[key]) else "-"
                 for key in ("real", "generated", "relative_difference", "overlap")]
        lines.append(f"{row['metric']:30} {cells[0]:>8} {cells[1]:>10} {cells[2]:>9} "
                     f"{cells[3]:>8}")
    return "\n".join(lines)
