"""88-key piano rolls at any step resolution.

A roll is a boolean array of shape ``(steps, 88)``: ``roll[t, k]`` is true when
key ``k`` (MIDI pitch ``21 + k``) sounds during step ``t``. A roll cannot tell a
held note from repeated ones, so decoding joins every run of true steps into
one note; ``encode_pianoroll(decode_pianoroll(roll)) == roll`` exactly.
"""

import numpy as np

from musiclab.data.melody import make_note, note_events
from musiclab.vocab import HIGHEST_PITCH, KEYS, LOWEST_PITCH


def events_to_pianoroll(events, total_steps=None):
    """Note events ``(onset_step, end_step, pitch)`` to a ``(steps, 88)`` bool roll.

    Pitches outside the 88 keys are left out.
    """
    steps = max((stop for _, stop, _ in events), default=0) if total_steps is None else total_steps
    roll = np.zeros((int(steps), KEYS), dtype=bool)
    for onset, stop, pitch in events:
        if LOWEST_PITCH <= pitch <= HIGHEST_PITCH:
            roll[onset:stop, pitch - LOWEST_PITCH] = True
    return roll


def encode_pianoroll(stream, steps_per_quarter=4, total_steps=None):
    """Encode every note of a music21 stream as a piano roll.

    Args:
        stream: a music21 stream; all parts and chords are kept.
        steps_per_quarter: steps per quarter note (4 = 16th notes, 1 = quarters).
        total_steps: pad or cut to this many steps (default: the stream's end).

    Returns:
        A bool array of shape ``(steps, 88)``.
    """
    if steps_per_quarter <= 0:
        raise ValueError(f"steps_per_quarter: must be positive, got {steps_per_quarter}")
    events, _ = note_events(stream, steps_per_quarter)
    if total_steps is None:
        total_steps = max(
            round(float(stream.highestTime) * steps_per_quarter),
            max((stop for _, stop, _ in events), default=0),
        )
    return events_to_pianoroll(events, total_steps)


def pianoroll_to_events(roll):
    """Runs of true steps as ``(onset_step, end_step, pitch)``, sorted by onset.

    Args:
        roll: array-like of shape ``(steps, 88)``; nonzero means sounding.
    """
    roll = validate_pianoroll(roll)
    padded = np.zeros((roll.shape[0] + 2, KEYS), dtype=np.int8)
    padded[1:-1] = roll
    change = np.diff(padded, axis=0)
    events = []
    for key in range(KEYS):
        onsets = np.flatnonzero(change[:, key] == 1)
        ends = np.flatnonzero(change[:, key] == -1)
        events.extend((int(on), int(off), key + LOWEST_PITCH) for on, off in zip(onsets, ends))
    events.sort()
    return events


def validate_pianoroll(roll, name="roll"):
    """Check that ``roll`` has shape ``(steps, 88)``; return it as bool.

    Raises:
        ValueError: naming the argument, for a wrong shape.
    """
    array = np.asarray(roll)
    if array.ndim != 2 or array.shape[1] != KEYS:
        raise ValueError(f"{name}: expected shape (steps, {KEYS}), got {array.shape}")
    return array.astype(bool)


def decode_pianoroll(roll, steps_per_quarter=4, program=0):
    """Decode a piano roll to a music21 ``Part`` (chords where notes start together).

    Args:
        roll: array of shape ``(steps, 88)``.
        steps_per_quarter: steps per quarter note used when encoding.
        program: General MIDI program stored on the part's instrument.

    Returns:
        A ``music21.stream.Part``.
    """
    import music21

    events = pianoroll_to_events(roll)
    part = music21.stream.Part()
    instrument = music21.instrument.instrumentFromMidiProgram(int(program))
    part.insert(0, instrument)
    for onset, stop, pitch in events:
        part.insert(onset / steps_per_quarter,
                    make_note(pitch, (stop - onset) / steps_per_quarter))
    steps = np.asarray(roll).shape[0]
    if steps and (not events or max(stop for _, stop, _ in events) < steps):
        end = max((stop for _, stop, _ in events), default=0)
        rest = music21.note.Rest()
        rest.quarterLength = (steps - end) / steps_per_quarter
        part.insert(end / steps_per_quarter, rest)
    return part
