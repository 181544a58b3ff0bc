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


def chord_voices(events):
    """Share note events out into voices that a score, a MIDI track and a MusicXML part can
    each hold exactly: within a voice, notes that start together end together (a chord) and
    chords do not overlap. Greedy: each chord goes to the first voice free at its onset.

    Args:
        events: ``(onset_step, end_step, pitch)`` tuples.

    Returns:
        A list of voices, each a list of ``(onset_step, end_step, pitches)`` chords by onset.
    """
    chords = {}
    for onset, stop, pitch in events:
        chords.setdefault((onset, stop), []).append(pitch)
    voices, ends = [], []
    for (onset, stop), pitches in sorted(chords.items()):
        free = next((index for index, end in enumerate(ends) if end <= onset), None)
        if free is None:
            free = len(voices)
            voices.append([])
            ends.append(0)
        voices[free].append((onset, stop, sorted(pitches)))
        ends[free] = stop
    return voices


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
    """Decode a piano roll to music21: a ``Part`` of notes and chords, or, when notes that
    start together end apart, a ``Score`` of such parts (``chord_voices``), so the music
    goes through MIDI and MusicXML files unchanged.

    Args:
        roll: array of shape ``(steps, 88)``.
        steps_per_quarter: steps per quarter note used when encoding.
        program: General MIDI program stored on each part's instrument.

    Returns:
        A ``music21.stream.Part``, or a ``music21.stream.Score`` of parts "voice 1", ...
    """
    import music21  # slow to import: loaded when music is decoded

    steps = np.asarray(roll).shape[0]
    voices = chord_voices(pianoroll_to_events(roll)) or [[]]
    parts = []
    for number, voice in enumerate(voices, start=1):
        part = music21.stream.Part()
        part.insert(0, music21.instrument.instrumentFromMidiProgram(int(program)))
        for onset, stop, pitches in voice:
            length = (stop - onset) / steps_per_quarter
            sound = make_note(pitches[0], length) if len(pitches) == 1 else \
                music21.chord.Chord([make_note(pitch, length) for pitch in pitches])
            part.insert(onset / steps_per_quarter, sound)
        end = max((stop for _, stop, _ in voice), default=0)
        if end < steps:  # an explicit rest to the roll's end
            rest = music21.note.Rest()
            rest.quarterLength = (steps - end) / steps_per_quarter
            part.insert(end / steps_per_quarter, rest)
        if len(voices) > 1:
            part.partName = part.id = f"voice {number}"
        parts.append(part)
    if len(parts) == 1:
        return parts[0]
    score = music21.stream.Score()
    for part in parts:
        score.insert(0, part)
    return score
