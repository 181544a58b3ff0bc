"""One musical value, many forms: conversions between streams and encodings.

Functions that show, play or export music accept any of:

* a music21 stream (``Score``, ``Part``, ``Stream``);
* melody tokens, an int array of shape ``(steps,)``;
* a piano roll, a bool/0-1 array of shape ``(steps, 88)``;
* an SATB grid, an int array of shape ``(steps, 4)``.
"""

import numpy as np

from musiclab.data.melody import VOCABULARY_SIZE, decode_melody, tokens_to_notes
from musiclab.data.pianoroll import KEYS, chord_voices, decode_pianoroll, pianoroll_to_events
from musiclab.data.satb import decode_satb
from musiclab.vocab import VOICES

DEFAULT_TEMPO = 120.0


def kind_of(music):
    """``"stream"``, ``"melody"``, ``"pianoroll"`` or ``"satb"``.

    Raises:
        ValueError: for anything else, naming the shape or type.
    """
    if hasattr(music, "flatten") and hasattr(music, "highestTime"):
        return "stream"
    array = np.asarray(music)
    if array.ndim == 1 and array.dtype != bool:
        return "melody"
    if array.ndim == 2 and array.shape[1] == KEYS:
        return "pianoroll"
    if array.ndim == 2 and array.shape[1] == 4 and array.dtype != bool:
        return "satb"
    raise ValueError(
        f"music: expected a music21 stream, melody tokens (steps,), a piano roll (steps, {KEYS}) "
        f"or an SATB grid (steps, 4); got {type(music).__name__} of shape {array.shape}"
    )


def as_stream(music, steps_per_quarter=4):
    """Any accepted value as a music21 stream (streams are returned unchanged)."""

    kind = kind_of(music)
    if kind == "stream":
        return music
    if kind == "melody":
        return decode_melody(music, steps_per_quarter)
    if kind == "pianoroll":
        return decode_pianoroll(music, steps_per_quarter)
    return decode_satb(music, steps_per_quarter)


def voices(music, steps_per_quarter=4):
    """The notes of each voice, in quarter notes.

    Args:
        music: any accepted value.
        steps_per_quarter: resolution of array inputs.

    Returns:
        A list (one entry per part/voice) of lists of ``(onset, duration, pitch)``,
        onsets and durations in quarter notes.
    """
    return [notes for _, notes in named_voices(music, steps_per_quarter)]


def named_voices(music, steps_per_quarter=4):
    """``(name, notes)`` of each voice: as ``voices``, with the SATB voice names of a grid,
    a stream's part names, and a piano roll shared out as ``chord_voices`` ("voice 1"...,
    so that a MIDI file keeps notes that start together but end apart)."""
    kind = kind_of(music)
    scale = 1.0 / steps_per_quarter
    if kind == "melody":
        if np.asarray(music).size and np.asarray(music).max() >= VOCABULARY_SIZE:
            raise ValueError(f"music: melody tokens must be < {VOCABULARY_SIZE}")
        columns = [("", tokens_to_notes(music))]
    elif kind == "satb":
        columns = [(name.capitalize(), tokens_to_notes(column))
                   for name, column in zip(VOICES, np.asarray(music).T, strict=True)]
    elif kind == "pianoroll":
        split = chord_voices(pianoroll_to_events(music)) or [[]]
        columns = [(f"voice {number}" if len(split) > 1 else "",
                    [(on, off, pitch) for on, off, pitches in voice for pitch in pitches])
                   for number, voice in enumerate(split, start=1)]
    else:
        return _stream_voices(music)
    return [(name, [(on * scale, (off - on) * scale, pitch) for on, off, pitch in column])
            for name, column in columns]


def _stream_voices(stream):
    parts = list(getattr(stream, "parts", [])) or [stream]
    result = []
    for part in parts:
        notes = []
        for element in part.stripTies(inPlace=False).flatten().notes:
            length = float(element.quarterLength)
            if length <= 0:
                continue
            offset = float(element.offset)
            for pitch in element.pitches:
                notes.append((offset, length, int(pitch.midi)))
        if notes:
            result.append((str(getattr(part, "partName", "") or ""), sorted(notes)))
    return result


def tempo_of(music, default=DEFAULT_TEMPO):
    """The first metronome mark of a stream in quarter notes per minute, else ``default``."""
    if kind_of(music) != "stream":
        return float(default)
    import music21

    mark = music.recurse().getElementsByClass(music21.tempo.MetronomeMark).first()
    if mark is None or mark.getQuarterBPM() is None:
        return float(default)
    return float(mark.getQuarterBPM())


def length_quarters(music, steps_per_quarter=4):
    """Length in quarter notes, trailing rests included."""
    kind = kind_of(music)
    if kind == "stream":
        return float(music.highestTime)
    return len(np.asarray(music)) / steps_per_quarter


def duration_seconds(music, tempo=None, steps_per_quarter=4):
    """How long ``music`` lasts at ``tempo`` (quarter notes per minute)."""
    tempo = tempo_of(music) if tempo is None else float(tempo)
    end = max((on + length for voice in voices(music, steps_per_quarter)
               for on, length, _ in voice), default=0.0)
    return max(end, length_quarters(music, steps_per_quarter)) * 60.0 / tempo
