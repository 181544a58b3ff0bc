"""Answers to notebook 01's exercises (data and sound)."""

import numpy as np


def midi_to_frequency(pitch):
    """Equal temperament: 12 semitones double the frequency; MIDI 69 is A4 = 440 Hz."""
    return 440.0 * 2.0 ** ((np.asarray(pitch) - 69) / 12.0)


def steps_to_seconds(steps, tempo, steps_per_quarter):
    """A quarter note lasts 60 / tempo seconds; a step is 1 / steps_per_quarter of it."""
    return steps * (60.0 / tempo) / steps_per_quarter


def transpose(tokens, semitones):
    """Pitch tokens (2 and above) move; NOTE_OFF (0) and HOLD (1) stay."""
    tokens = np.asarray(tokens)
    return np.where(tokens >= 2, tokens + semitones, tokens)


def invert(pitches):
    """Each interval from the first note is turned upside down."""
    pitches = np.asarray(pitches)
    return pitches[0] - (pitches - pitches[0])
