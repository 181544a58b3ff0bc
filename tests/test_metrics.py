"""Objective metrics on hand-made rolls whose values are known."""

import numpy as np
import pytest

from musiclab import metrics


def _roll(notes, steps=32, tracks=1):
    """notes: (track, start, stop, midi pitch)."""
    roll = np.zeros((steps, 88, tracks), bool)
    for track, start, stop, pitch in notes:
        roll[start:stop, pitch - 21, track] = True
    return roll


def test_empty_bars_used_pitch_classes_and_qualified_notes():
    # bar 1: C4 for 4 steps, E4 for 1 step, C5 for 2; bar 2 empty
    roll = _roll([(0, 0, 4, 60), (0, 4, 5, 64), (0, 5, 7, 72)])[None]
    assert metrics.empty_bars(roll).tolist() == [0.5]
    assert metrics.used_pitch_classes(roll).tolist() == [2.0]  # C and E
    assert metrics.qualified_notes(roll).tolist() == [pytest.approx(2 / 3)]
    assert metrics.qualified_notes(roll, min_steps=4).tolist() == [pytest.approx(1 / 3)]
    assert metrics.pitch_range(roll).tolist() == [12]
    assert metrics.note_density(roll).tolist() == [1.5]  # 3 notes over 2 bars
    assert metrics.polyphony(roll).tolist() == [1.0]
    assert sorted(metrics.note_lengths(roll)[0].tolist()) == [1, 2, 4]


def test_note_lengths_pair_runs_per_key_and_track():
    roll = _roll([(0, 0, 3, 60), (0, 5, 6, 60), (1, 2, 10, 60), (1, 0, 32, 67)], tracks=2)
    assert sorted(metrics.note_lengths(roll[None])[0].tolist()) == [1, 3, 8, 32]


def test_tonal_distance_is_zero_for_unisons_and_larger_for_a_tritone():
    same = _roll([(0, 0, 16, 60), (1, 0, 16, 72)], tracks=2)
    fifth = _roll([(0, 0, 16, 60), (1, 0, 16, 67)], tracks=2)
    tritone = _roll([(0, 0, 16, 60), (1, 0, 16, 66)], tracks=2)
    distances = metrics.tonal_distance(np.stack([same, fifth, tritone]))
    assert distances[0] == pytest.approx(0.0, abs=1e-9)
    assert 0 < distances[1] < distances[2]
    assert np.isnan(metrics.tonal_distance(same[..., :1][None]))[0]


def test_scale_consistency_and_pitch_class_histogram():
    c_major = _roll([(0, step, step + 1, pitch)
                     for step, pitch in enumerate([60, 62, 64, 65, 67, 69, 71, 72])])
    chromatic = _roll([(0, step, step + 1, 60 + step) for step in range(12)])
    assert metrics.scale_consistency(np.stack([c_major, chromatic])).tolist() == [
        1.0, pytest.approx(7 / 12)]
    histogram = metrics.pitch_class_histogram(c_major[None])
    assert histogram[0] == pytest.approx(2 / 8) and histogram[1] == 0


def test_compare_reports_side_by_side_and_overlap():
    rng = np.random.default_rng(0)
    real = np.stack([_roll([(0, 4 * k, 4 * k + 4, int(rng.integers(60, 72))) for k in range(8)])
                     for _ in range(20)])
    noise = rng.random(real.shape) > 0.9
    rows = {row["metric"]: row for row in metrics.compare(real, noise)}
    assert rows["QN (qualified notes)"]["real"] == 1.0
    assert rows["QN (qualified notes)"]["generated"] < 0.5
    assert rows["QN (qualified notes)"]["overlap"] == 0.0
    same = {row["metric"]: row for row in metrics.compare(real, real)}
    assert np.isnan(same["TD (tonal distance)"]["overlap"])  # one track: no pairs
    assert all(row["overlap"] == pytest.approx(1.0) for row in same.values()
               if row["metric"] != "TD (tonal distance)")
    assert same["UPC (pitch classes per bar)"]["relative_difference"] == 0.0
    assert metrics.overlap([1, 2, 3], [10, 11, 12]) == 0.0


def test_collapse_warning():
    rng = np.random.default_rng(1)
    varied = rng.random((16, 32, 88)) > 0.95
    assert metrics.collapse_warning(varied) is None
    copies = np.repeat(varied[:1], 16, axis=0)
    assert "only 1 distinct samples out of 16" in metrics.collapse_warning(copies)
    nearly = copies.copy()
    nearly[np.arange(16), 0, 0] = ~nearly[np.arange(16), 0, 0]  # one cell differs each
    nearly[np.arange(16), 1, np.arange(16)] = True
    assert "repeating itself" in metrics.collapse_warning(nearly, real=varied)
    with pytest.raises(ValueError, match="rolls: expected"):
        metrics.empty_bars(np.zeros((2, 32, 12)))
