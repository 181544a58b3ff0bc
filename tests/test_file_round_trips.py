"""Round trips through files, not only in memory: a piano roll or an SATB grid written to MIDI
or MusicXML and read back is the same roll or grid."""

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musiclab.data import decode_pianoroll, encode_pianoroll, encode_satb, load_file
from musiclab.data.melody import canonical
from musiclab.export import export_midi, export_musicxml
from musiclab.vocab import FIRST_PITCH_TOKEN, HOLD, LOWEST_PITCH, NOTE_OFF

WRITERS = {"midi": export_midi, "musicxml": export_musicxml}


@st.composite
def rolls(draw):
    """Rolls of 4-40 steps over three octaves, with at least one note; notes that start
    together often end apart (the case MIDI readers merge into one chord)."""
    steps = draw(st.integers(4, 40))
    roll = np.zeros((steps, 88), bool)
    for _ in range(draw(st.integers(1, 12))):
        key = draw(st.integers(36 - LOWEST_PITCH, 71 - LOWEST_PITCH))
        onset = draw(st.integers(0, steps - 1))
        roll[onset:onset + draw(st.integers(1, 8)), key] = True
    return roll


@pytest.mark.parametrize("writer", sorted(WRITERS))
@settings(max_examples=15, deadline=None)
@given(roll=rolls())
def test_a_piano_roll_comes_back_from_a_file_unchanged(writer, roll):
    with tempfile.TemporaryDirectory() as folder:
        for music in (roll, decode_pianoroll(roll)):  # the array, and its music21 form
            path = WRITERS[writer](music, folder, "roll")
            back = encode_pianoroll(load_file(path), total_steps=len(roll))
            np.testing.assert_array_equal(back, roll)


@st.composite
def grids(draw):
    """SATB grids of 8 to 40 steps (whole bars of 4/4 or not) whose voices cross, rest, or
    rest throughout (not all four)."""
    steps, columns = draw(st.integers(8, 40)), []
    silent = draw(st.sampled_from([None, 1, 2]))
    for voice in range(4):
        column = np.full(steps, HOLD, np.int16)
        column[0] = NOTE_OFF
        if voice != silent:
            position = 0
            while position < steps:
                pitch = draw(st.integers(48, 76))  # every voice over one range: they cross
                rest = draw(st.booleans()) and position > 0
                column[position] = NOTE_OFF if rest else pitch - LOWEST_PITCH + FIRST_PITCH_TOKEN
                position += draw(st.integers(1, 6))
        columns.append(canonical(column))
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("writer", sorted(WRITERS))
@settings(max_examples=15, deadline=None)
@given(grid=grids())
def test_an_satb_grid_comes_back_from_a_file_unchanged(writer, grid):
    with tempfile.TemporaryDirectory() as folder:
        path = WRITERS[writer](grid, folder, "chorale")
        back = encode_satb(load_file(path), total_steps=len(grid))
        np.testing.assert_array_equal(back, grid)


def test_a_track_of_chords_that_end_apart_becomes_parts_of_its_own(tmp_path):
    roll = np.zeros((8, 88), bool)
    roll[0:2, 60 - LOWEST_PITCH] = roll[0:6, 64 - LOWEST_PITCH] = True  # start together
    roll[2:4, 67 - LOWEST_PITCH] = True
    score = decode_pianoroll(roll)
    assert [part.partName for part in score.parts] == ["voice 1", "voice 2"]
    back = encode_pianoroll(load_file(export_midi(roll, tmp_path, "two")), total_steps=8)
    np.testing.assert_array_equal(back, roll)
    assert Path(tmp_path / "two.mid").exists()
