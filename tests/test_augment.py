"""Augmentations of melody windows: what each does to the notes, and the pipeline switch."""

import numpy as np
import pytest

from musiclab.data import augment
from musiclab.data.melody import tokens_to_notes, validate_tokens
from musiclab.data.splits import corpus_windows

SCALE = np.array([[50, 1, 1, 1, 52, 1, 54, 1, 55, 1, 1, 1, 0, 1, 1, 1,
                   57, 1, 1, 1, 1, 1, 1, 1, 55, 1, 54, 1, 52, 1, 1, 1]], np.int16)


def notes(window):
    return tokens_to_notes(window)


def test_inversion_mirrors_around_the_first_note():
    (window,) = augment.inverted(SCALE)
    original, mirrored = notes(SCALE[0]), notes(window)
    assert [(on, off) for on, off, _ in original] == [(on, off) for on, off, _ in mirrored]
    first = original[0][2]
    assert [p for _, _, p in mirrored] == [2 * first - p for _, _, p in original]


def test_retrograde_reverses_notes_and_keeps_rests():
    (window,) = augment.retrograded(SCALE)
    original, reversed_ = notes(SCALE[0]), notes(window)
    assert [p for _, _, p in reversed_] == [p for _, _, p in original][::-1]
    assert [off - on for on, off, _ in reversed_] == [off - on for on, off, _ in original][::-1]
    assert np.array_equal(augment.retrograded(augment.retrograded(SCALE)), SCALE)


def test_stretch_doubles_and_halves_durations():
    (slow,) = augment.stretched(SCALE, 2.0)
    assert notes(slow)[:3] == [(on * 2, off * 2, p) for on, off, p in notes(SCALE[0])[:3]]
    (fast,) = augment.stretched(SCALE, 0.5)
    halves = notes(fast)
    assert len(halves) == 2 * len(notes(SCALE[0]))
    assert [p for _, _, p in halves[:len(halves) // 2]] == [p for _, _, p in notes(SCALE[0])]
    with pytest.raises(ValueError, match="factor"):
        augment.stretched(SCALE, 3)


def test_medley_joins_two_halves_and_every_output_is_valid():
    windows = corpus_windows("all")["train"][:200]
    joined = augment.medleys(windows, 50, seed=3)
    assert joined.shape == (50, 32)
    halves = {row[:16].tobytes() for row in windows}
    assert all(row[:16].tobytes() in halves for row in joined)
    for result in (joined, augment.inverted(windows), augment.retrograded(windows),
                   augment.stretched(windows, 0.5), augment.stretched(windows, 2.0)):
        for row in result:
            validate_tokens(row)
            assert (row >= 2).any()


def test_pipeline_switches_and_leaves_held_out_alone():
    plain = corpus_windows("all")
    augmented = corpus_windows("all", augment={"invert": True, "retrograde": True,
                                               "duplicate": 2})
    n = len(plain["train"])
    assert np.array_equal(augmented["test"], plain["test"])
    assert np.array_equal(augmented["train"][:n], plain["train"])
    assert np.array_equal(augmented["train"][n:2 * n], plain["train"])
    extra = len(augment.inverted(plain["train"])) + n
    assert len(augmented["train"]) == 2 * n + extra


def test_inversion_fits_matches_what_inverted_keeps():
    windows = corpus_windows("all")["test"]
    fits = augment.inversion_fits(windows)
    assert 0 < fits.sum() < len(windows)  # a few windows leave the 88 keys when inverted
    assert np.array_equal(augment.inverted(windows), augment.inverted(windows[fits]))


def test_shipped_studies_hold_every_augmentation_and_name_their_command():
    from musiclab import shipped

    for name in ("augmentation", "augmentation_full"):
        study = shipped.study(name)
        assert [row["augmentation"] for row in study["rows"]][0] == "none"
        assert len(study["rows"]) == 7 and study["command"].startswith("python benchmarks/")
        assert all(len(row["runs"]) == study["seeds"] for row in study["rows"])
    with pytest.raises(ValueError, match="no study 'nothing'"):
        shipped.study("nothing")
