"""Rhythm and pitch as two tasks on one trunk: notes, heads, losses and the comparison."""

import keras
import numpy as np
import pytest

from musiclab.data.melody import pitch_to_token
from musiclab.harmony import rhythm_pitch


def test_notes_of_keeps_rests_and_caps_durations():
    d, e, f = (pitch_to_token(pitch) for pitch in (62, 64, 66))
    tokens = np.array([d, 1, 1, 1, 0, 1, e, 1, f] + [1] * 19, np.int16)
    pitches, durations = rhythm_pitch.notes_of(tokens)
    # D for 4 steps, a rest of 2, E for 2, F# for 20 (capped at 16); keys count from A0 = 21
    assert pitches.tolist() == [62 - 21, rhythm_pitch.REST, 64 - 21, 66 - 21]
    assert (durations + 1).tolist() == [4, 2, 2, 16]


def test_one_trunk_two_heads_and_single_task_models():
    keras.utils.set_random_seed(0)
    both = rhythm_pitch.build(("pitch", "duration"), units=16)
    pitch_only = rhythm_pitch.build(("pitch",), units=16)
    duration_only = rhythm_pitch.build(("duration",), units=16)
    inputs = [np.zeros((2, 5), np.int32), np.zeros((2, 5), np.int32)]
    outputs = both(inputs)
    assert outputs["pitch"].shape == (2, 5, 89) and outputs["duration"].shape == (2, 5, 16)
    assert set(pitch_only(inputs)) == {"pitch"}
    # sharing the trunk: fewer parameters than two models
    assert both.count_params() < pitch_only.count_params() + duration_only.count_params()


def test_compare_trains_all_three_on_the_same_held_out_notes():
    rng = np.random.default_rng(0)
    pitches = rng.integers(40, 48, (400, 17)).astype(np.int32)
    durations = (pitches % 2 * 3).astype(np.int32)  # rhythm follows pitch: sharing helps
    data = {"train": (pitches[:300], durations[:300]), "test": (pitches[300:], durations[300:])}
    before = rhythm_pitch.held_out(rhythm_pitch.build(units=16), *data["test"])
    rows = rhythm_pitch.compare(data, steps=40, units=16)
    assert [row["model"] for row in rows] == ["pitch + duration", "pitch", "duration"]
    assert {"pitch_nll", "duration_nll"} <= set(rows[0]) and "duration_nll" not in rows[1]
    assert rows[0]["duration_nll"] < before["duration_nll"]
    assert rows[0]["pitch_nll"] < before["pitch_nll"]


def test_generate_writes_notes_with_sampled_pitches_and_lengths():
    keras.utils.set_random_seed(0)
    model = rhythm_pitch.build(units=8)
    tokens = rhythm_pitch.generate(model, notes=12, temperature=1.0, seed=3)
    pitches, durations = rhythm_pitch.notes_of(tokens)
    assert len(pitches) >= 10  # 13 notes and rests; rests after rests merge
    assert np.array_equal(tokens, rhythm_pitch.generate(model, notes=12, seed=3))
    with pytest.raises(ValueError, match="both heads"):
        rhythm_pitch.generate(rhythm_pitch.build(("pitch",), units=8))
