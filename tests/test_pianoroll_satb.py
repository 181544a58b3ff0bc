import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from musiclab.data import decode_pianoroll, decode_satb, encode_pianoroll, encode_satb
from musiclab.data.melody import HOLD, NOTE_OFF, VOCABULARY_SIZE, canonical


@settings(max_examples=30, deadline=None)
@given(arrays(bool, st.tuples(st.integers(1, 24), st.just(88)),
              elements=st.booleans()),
       st.sampled_from([1, 2, 4, 12]))
def test_pianoroll_round_trip_at_any_resolution(roll, steps_per_quarter):
    part = decode_pianoroll(roll, steps_per_quarter)
    again = encode_pianoroll(part, steps_per_quarter, total_steps=len(roll))
    np.testing.assert_array_equal(again, roll)


def test_pianoroll_keeps_chords():
    import music21

    part = music21.stream.Part()
    part.append(music21.chord.Chord(["C4", "E4"], quarterLength=1))
    roll = encode_pianoroll(part, steps_per_quarter=2)
    assert roll.shape == (2, 88)
    assert roll[:, 60 - 21].all() and roll[:, 64 - 21].all() and roll.sum() == 4


def test_pianoroll_shape_error():
    with pytest.raises(ValueError, match=r"roll: expected shape \(steps, 88\)"):
        decode_pianoroll(np.zeros((4, 12), bool))


voice = st.lists(st.one_of(st.sampled_from([NOTE_OFF, HOLD]), st.integers(30, 70)),
                 min_size=16, max_size=16)


@settings(max_examples=25, deadline=None)
@given(st.lists(voice, min_size=4, max_size=4))
def test_satb_round_trip(columns):
    grid = np.stack([canonical(np.array(column)) for column in columns], axis=1)
    score = decode_satb(grid)
    assert [part.partName for part in score.parts] == ["Soprano", "Alto", "Tenor", "Bass"]
    np.testing.assert_array_equal(encode_satb(score)[: len(grid)], grid)


def test_real_chorale_round_trip():
    from musiclab.data import catalogue, load_tune

    score = load_tune(catalogue("bach")[0])
    grid = encode_satb(score)
    assert grid.shape[1] == 4 and grid.max() < VOCABULARY_SIZE
    np.testing.assert_array_equal(encode_satb(decode_satb(grid)), grid)
    soprano_mean = grid[:, 0][grid[:, 0] > 1].mean()
    bass_mean = grid[:, 3][grid[:, 3] > 1].mean()
    assert soprano_mean > bass_mean
