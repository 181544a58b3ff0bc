"""Shared fixtures: small music files, good and broken, made on the fly."""

import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

GOOD_ABC = """X:1
T:Test Reel
M:4/4
L:1/8
K:G
GABc dBGB|cBAG FDFA|GABc dBGB|cAFA G4|
"""

TWO_TUNES_ABC = GOOD_ABC + """
X:2
T:Second Tune
M:3/4
L:1/4
K:D
DEF|GAB|A2F|D3|DEF|GAB|A2F|D3|
"""


def write_midi(path, pitches=(60, 62, 64, 65, 67, 69, 71, 72), seconds_per_note=0.5, chord=False):
    """A small MIDI file (with a chord on every note when ``chord``)."""
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    track = pretty_midi.Instrument(program=0)
    for index, pitch in enumerate(pitches):
        start = index * seconds_per_note
        for offset in ((0, -5) if chord else (0,)):
            track.notes.append(pretty_midi.Note(90, pitch + offset, start,
                                                start + seconds_per_note))
    midi.instruments.append(track)
    midi.write(str(path))
    return path


@pytest.fixture
def good_abc(tmp_path):
    path = tmp_path / "reel.abc"
    path.write_text(GOOD_ABC)
    return path


@pytest.fixture
def mixed_folder(tmp_path):
    """A folder of 4 good tunes (in 3 files) and 6 broken or unusable files.

    Expected report: kept 4; unparseable 3 (garbage.mid, truncated.mid,
    binary.xml); empty 2 (empty.abc, nonotes.abc); too short 1 (short.abc);
    polyphonic-reduced 1 (chords.mid).
    """
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "tunes.abc").write_text(TWO_TUNES_ABC)
    write_midi(folder / "scale.mid")
    write_midi(folder / "chords.mid", chord=True)
    (folder / "empty.abc").write_text("")
    (folder / "nonotes.abc").write_text("X:1\nT:Silence\nM:4/4\nL:1/4\nK:C\nz4|z4|z4|\n")
    (folder / "short.abc").write_text("X:1\nT:Short\nM:4/4\nL:1/4\nK:C\nCDEF|\n")
    (folder / "garbage.mid").write_bytes(np.random.default_rng(0).bytes(600))
    good = (folder / "scale.mid").read_bytes()
    (folder / "truncated.mid").write_bytes(good[: len(good) // 2])
    (folder / "binary.xml").write_bytes(b"\x00\x01\x02garbage\x00" * 40)
    (folder / "notes.txt").write_text("not music; ignored by suffix")
    return folder


@pytest.fixture(scope="session")
def bundled():
    from musiclab.data import load_corpus

    return load_corpus()
