import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musiclab.data.melody import (
    HOLD,
    NOTE_OFF,
    VOCABULARY_SIZE,
    canonical,
    decode_melody,
    encode_melody,
    pitch_to_token,
    tokens_to_notes,
    transpose_tokens,
)

tokens_strategy = st.lists(
    st.one_of(st.sampled_from([NOTE_OFF, HOLD, HOLD]), st.integers(2, VOCABULARY_SIZE - 1)),
    min_size=1, max_size=64,
).map(lambda values: np.array(values, dtype=np.int16))


@settings(max_examples=60, deadline=None)
@given(tokens_strategy)
def test_round_trip_is_exact_for_canonical_tokens(tokens):
    decoded = decode_melody(tokens)
    again, notes = encode_melody(decoded)
    np.testing.assert_array_equal(again, canonical(tokens))
    assert not notes.polyphonic and notes.off_grid == 0


@settings(max_examples=60, deadline=None)
@given(tokens_strategy)
def test_canonical_keeps_the_notes(tokens):
    assert tokens_to_notes(canonical(tokens)) == tokens_to_notes(tokens)


def test_known_melody_tokens():
    import music21

    part = music21.stream.Part()
    part.append(music21.note.Note("C4", quarterLength=1))
    part.append(music21.note.Rest(quarterLength=0.5))
    part.append(music21.note.Note("E4", quarterLength=0.25))
    tokens, _ = encode_melody(part)
    c4, e4 = pitch_to_token(60), pitch_to_token(64)
    assert tokens.tolist() == [c4, HOLD, HOLD, HOLD, NOTE_OFF, HOLD, e4]


def test_polyphony_keeps_the_top_voice_and_says_so():
    import music21

    part = music21.stream.Part()
    part.append(music21.chord.Chord(["C4", "E4", "G4"], quarterLength=1))
    part.append(music21.note.Note("A4", quarterLength=1))
    tokens, notes = encode_melody(part)
    assert notes.polyphonic
    assert [pitch for _, _, pitch in tokens_to_notes(tokens)] == [67, 69]


def test_several_parts_take_the_soprano():
    import music21

    score = music21.stream.Score()
    for name, pitch in (("Bass", "C3"), ("Soprano", "E5")):
        part = music21.stream.Part(id=name)
        part.partName = name
        part.append(music21.note.Note(pitch, quarterLength=2))
        score.insert(0, part)
    tokens, notes = encode_melody(score)
    assert notes.polyphonic and tokens_to_notes(tokens) == [(0, 8, 76)]


def test_transposition_within_range_and_error_outside():
    tokens = np.array([pitch_to_token(60), HOLD, NOTE_OFF, pitch_to_token(100)])
    shifted = transpose_tokens(tokens, 5)
    assert [p for _, _, p in tokens_to_notes(shifted)] == [65, 105]
    with pytest.raises(ValueError, match="semitones"):
        transpose_tokens(tokens, 9)


def test_bad_tokens_name_the_argument():
    with pytest.raises(ValueError, match=r"tokens: values must be in \[0, 90\)"):
        decode_melody(np.array([0, 95]))
    with pytest.raises(ValueError, match="tokens: expected shape"):
        decode_melody(np.zeros((2, 2), int))
