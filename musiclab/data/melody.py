"""Monophonic melody tokens in the MusicVAE style.

One token per time step (16th notes by default):

* ``NOTE_OFF`` (0): the sounding note stops here; a rest starts.
* ``HOLD`` (1): nothing new: the note or rest continues.
* ``2 + pitch - 21`` (2..89): a new note of MIDI ``pitch`` 21..108 (the 88 piano keys).

A rest is ``NOTE_OFF`` followed by ``HOLD``s. That is the *canonical* form:
``encode_melody(decode_melody(tokens)) == canonical(tokens)``.
"""

import dataclasses

import numpy as np

from musiclab.vocab import (  # noqa: F401 (the encoding's vocabulary, re-exported here)
    DEFAULT_STEPS_PER_QUARTER,
    FIRST_PITCH_TOKEN,
    HIGHEST_PITCH,
    HOLD,
    LOWEST_PITCH,
    NOTE_OFF,
    VOCABULARY_SIZE,
)


def pitch_to_token(pitch):
    """MIDI pitch (21..108) to token (2..89)."""
    return int(pitch) - LOWEST_PITCH + FIRST_PITCH_TOKEN


def token_to_pitch(token):
    """Token (2..89) to MIDI pitch (21..108)."""
    return int(token) - FIRST_PITCH_TOKEN + LOWEST_PITCH


@dataclasses.dataclass
class EncodingNotes:
    """What happened while encoding one stream (feeds the drop report).

    Attributes:
        polyphonic: the input had chords, overlapping notes or several voices,
            and only the top voice was kept.
        off_grid: number of onsets or ends that were rounded to the step grid.
        out_of_range: pitches outside 21..108 that were found.
    """

    polyphonic: bool = False
    off_grid: int = 0
    out_of_range: tuple = ()


def note_events(stream, steps_per_quarter=DEFAULT_STEPS_PER_QUARTER):
    """Quantised ``(onset_step, end_step, pitch)`` of every note, chords as all pitches.

    Args:
        stream: a music21 stream (ties are merged first).
        steps_per_quarter: grid resolution.

    Returns:
        ``(events, off_grid)``: a list of tuples sorted by onset then pitch,
        and how many times a position was rounded onto the grid. Grace notes
        and notes shorter than half a step are left out.
    """
    flat = stream.stripTies(inPlace=False).flatten()
    events = []
    off_grid = 0
    for element in flat.notes:
        length = float(element.quarterLength)
        if length <= 0:
            continue
        start = float(element.offset) * steps_per_quarter
        end = start + length * steps_per_quarter
        onset, stop = round(start), round(end)
        off_grid += (abs(start - onset) > 1e-6) + (abs(end - stop) > 1e-6)
        if stop <= onset:
            continue
        for pitch in element.pitches:
            events.append((onset, stop, int(pitch.midi)))
    events.sort()
    return events, off_grid


def encode_events(events, total_steps=None):
    """Turn note events into melody tokens by the "skyline" rule.

    At each onset the highest new note wins; a lower note that starts while a
    higher one still sounds is left out; a note sounds until it ends or the
    next kept onset, whichever comes first.

    Args:
        events: ``(onset_step, end_step, pitch)`` tuples.
        total_steps: length of the result; by default the last end.

    Returns:
        ``(tokens, notes)``: an int16 array of shape ``(steps,)`` and ``EncodingNotes``.
    """
    notes = EncodingNotes()
    kept = []
    for onset, stop, pitch in sorted(events, key=lambda event: (event[0], -event[2], -event[1])):
        if kept and kept[-1][0] == onset:
            notes.polyphonic = True
            continue
        if kept and kept[-1][1] > onset:
            notes.polyphonic = True
            if pitch < kept[-1][2]:
                continue
        kept.append((onset, stop, pitch))
    last_end = max((stop for _, stop, _ in kept), default=0)
    steps = last_end if total_steps is None else int(total_steps)
    tokens = np.full(steps, HOLD, dtype=np.int16)
    if steps:
        tokens[0] = NOTE_OFF
    out_of_range = set()
    for index, (onset, stop, pitch) in enumerate(kept):
        if onset >= steps:
            break
        next_onset = kept[index + 1][0] if index + 1 < len(kept) else steps
        if not LOWEST_PITCH <= pitch <= HIGHEST_PITCH:
            out_of_range.add(pitch)
            tokens[onset] = NOTE_OFF
            continue
        tokens[onset] = pitch_to_token(pitch)
        if stop < next_onset and stop < steps:
            tokens[stop] = NOTE_OFF
    notes.out_of_range = tuple(sorted(out_of_range))
    return canonical(tokens), notes


def top_voice(stream):
    """The part that carries the melody: one named soprano, else the highest.

    Args:
        stream: a music21 ``Score`` (or a single ``Part``/``Stream``).

    Returns:
        ``(part, voices)``: the chosen stream and how many parts had notes.
    """
    parts = [part for part in getattr(stream, "parts", []) if part.recurse().notes.first()]
    if len(parts) <= 1:
        return (parts[0] if parts else stream), len(parts)
    for part in parts:
        label = f"{part.partName or ''} {part.id or ''}".lower()
        if "soprano" in label or "sopran" in label:
            return part, len(parts)
    return max(parts, key=mean_pitch), len(parts)


def mean_pitch(stream):
    """Mean MIDI pitch of every note in ``stream`` (0 when it has none)."""
    pitches = [pitch.midi for element in stream.recurse().notes for pitch in element.pitches]
    return sum(pitches) / max(len(pitches), 1)


def encode_melody(stream, steps_per_quarter=DEFAULT_STEPS_PER_QUARTER, total_steps=None):
    """Encode a music21 stream as melody tokens.

    Polyphonic input is reduced to its top voice: the soprano (or highest)
    part, then the highest note of each chord; ``notes.polyphonic`` says that
    it happened.

    Args:
        stream: a music21 ``Score``, ``Part`` or ``Stream``.
        steps_per_quarter: steps per quarter note (4 = 16th notes).
        total_steps: pad or cut to this length (default: up to the stream's end).

    Returns:
        ``(tokens, notes)``: int16 array of shape ``(steps,)`` with values in
        ``[0, 90)``, and ``EncodingNotes``.
    """
    voice, voices = top_voice(stream)
    events, off_grid = note_events(voice, steps_per_quarter)
    if total_steps is None:
        total_steps = round(float(stream.highestTime) * steps_per_quarter)
        total_steps = max(total_steps, max((stop for _, stop, _ in events), default=0))
    tokens, notes = encode_events(events, total_steps)
    notes.off_grid = off_grid
    notes.polyphonic = notes.polyphonic or voices > 1
    return tokens, notes


def canonical(tokens):
    """The canonical form of a token sequence (what a decode/encode round trip gives).

    A ``NOTE_OFF`` during a rest becomes ``HOLD``; a leading ``HOLD`` becomes ``NOTE_OFF``.

    Args:
        tokens: int array of shape ``(steps,)``.

    Returns:
        A new int16 array of the same shape.
    """
    tokens = np.array(tokens, dtype=np.int16, copy=True)
    resting = True
    for index, token in enumerate(tokens):
        if token >= FIRST_PITCH_TOKEN:
            resting = False
        elif token == NOTE_OFF:
            if resting and index > 0:
                tokens[index] = HOLD
            resting = True
        elif index == 0:
            tokens[index] = NOTE_OFF
    return tokens


def validate_tokens(tokens, name="tokens"):
    """Check shape and range of a melody token array; return it as int16.

    Raises:
        ValueError: naming the argument, for a wrong shape or value.
    """
    array = np.asarray(tokens)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected shape (steps,), got {array.shape}")
    if array.size and (array.min() < 0 or array.max() >= VOCABULARY_SIZE):
        raise ValueError(
            f"{name}: values must be in [0, {VOCABULARY_SIZE}), got {array.min()}..{array.max()}"
        )
    return array.astype(np.int16)


def tokens_to_notes(tokens):
    """The notes of a token sequence.

    Args:
        tokens: int array of shape ``(steps,)``.

    Returns:
        A list of ``(onset_step, end_step, pitch)``.
    """
    tokens = validate_tokens(tokens)
    notes = []
    current = None
    for index, token in enumerate(tokens):
        if token == HOLD:
            continue
        if current is not None:
            notes.append((current[0], index, current[1]))
            current = None
        if token >= FIRST_PITCH_TOKEN:
            current = (index, token_to_pitch(token))
    if current is not None:
        notes.append((current[0], len(tokens), current[1]))
    return notes


def decode_melody(
    tokens, steps_per_quarter=DEFAULT_STEPS_PER_QUARTER, *, meter=None, title=None, key=None,
    pickup=0, clef=None,
):
    """Decode melody tokens to a music21 ``Part``.

    Args:
        tokens: int array of shape ``(steps,)``.
        steps_per_quarter: steps per quarter note used when encoding.
        meter: a time signature string (``"4/4"``) to write, or ``None``.
        title: optional title stored in the part's metadata.
        key: optional key (``"G"``, ``"Am"``...) written as a key signature.
        pickup: steps before the first downbeat (an anacrusis); with ``meter``
            the part is cut into measures whose first one is that pickup.
        clef: optional music21 clef.

    Returns:
        A ``music21.stream.Part`` of notes and rests.
    """
    import music21

    tokens = validate_tokens(tokens)
    part = music21.stream.Part()
    if title:
        part.insert(0, music21.metadata.Metadata(title=title))
    if meter:
        try:
            part.insert(0, music21.meter.TimeSignature(meter))
        except Exception:
            pass
    if key:
        try:
            part.insert(0, music21.key.Key(_key_name(key)))
        except Exception:
            pass
    if clef is not None:
        part.insert(0, clef)
    cursor = 0
    for onset, stop, pitch in tokens_to_notes(tokens):
        if onset > cursor:
            part.insert(cursor / steps_per_quarter, _rest(onset - cursor, steps_per_quarter))
        note = make_note(pitch, (stop - onset) / steps_per_quarter)
        part.insert(onset / steps_per_quarter, note)
        cursor = stop
    if len(tokens) > cursor:
        part.insert(cursor / steps_per_quarter, _rest(len(tokens) - cursor, steps_per_quarter))
    if pickup and meter:
        part = _measures_with_pickup(part, pickup / steps_per_quarter)
    return part


def _measures_with_pickup(part, pickup):
    """Cut ``part`` into measures whose first one holds only the ``pickup`` quarters."""
    import music21

    signature = part.getElementsByClass(music21.meter.TimeSignature).first()
    if signature is None or not 0 < pickup < signature.barDuration.quarterLength:
        return part
    shift = float(signature.barDuration.quarterLength) - pickup
    shifted = music21.stream.Part()
    for element in part:
        moved = isinstance(element, music21.note.GeneralNote)
        shifted.insert(element.offset + (shift if moved else 0.0), element)
    measured = shifted.makeMeasures()
    measures = list(measured.getElementsByClass(music21.stream.Measure))
    first = measures[0]
    for element in list(first.notesAndRests):
        first.setElementOffset(element, element.offset - shift)
    first.paddingLeft = shift
    for measure in measures[1:]:
        measured.setElementOffset(measure, measure.offset - shift)
    for element in part.getElementsByClass(music21.metadata.Metadata):
        measured.insert(0, element)
    return measured


def make_note(pitch, quarter_length):
    """A music21 note of MIDI ``pitch`` with no accidental forced on display
    (music21 marks every natural it makes from a MIDI number)."""
    import music21

    note = music21.note.Note(int(pitch))
    note.quarterLength = quarter_length
    if note.pitch.accidental is not None and note.pitch.accidental.name == "natural":
        note.pitch.accidental = None
    return note


def _rest(steps, steps_per_quarter):
    import music21

    rest = music21.note.Rest()
    rest.quarterLength = steps / steps_per_quarter
    return rest


def _key_name(key):
    """ABC-style key (``"Gm"``, ``"Dmix"``, ``"F#"``) to a music21 key name."""
    text = key.strip().split()[0] if key.strip() else "C"
    tonic, mode = text[0], text[1:].lower()
    if mode[:1] in ("#", "b"):
        tonic, mode = tonic + mode[0].replace("b", "-"), mode[1:]
    is_minor = mode.startswith("m") and not mode.startswith(("maj", "mix"))
    return tonic.lower() if is_minor else tonic.upper()


def transpose_tokens(tokens, semitones):
    """Transpose melody tokens.

    Args:
        tokens: int array of shape ``(..., steps)``.
        semitones: the shift.

    Returns:
        The shifted array.

    Raises:
        ValueError: if a pitch would leave 21..108.
    """
    tokens = np.asarray(tokens)
    pitched = tokens >= FIRST_PITCH_TOKEN
    shifted = np.where(pitched, tokens + int(semitones), tokens)
    if pitched.any() and (
        shifted[pitched].min() < FIRST_PITCH_TOKEN or shifted[pitched].max() >= VOCABULARY_SIZE
    ):
        raise ValueError(f"semitones: a shift of {semitones} leaves the 88-key range")
    return shifted.astype(tokens.dtype)


def pitch_bounds(tokens):
    """Lowest and highest MIDI pitch in ``tokens`` (``None`` if no note)."""
    tokens = np.asarray(tokens)
    pitched = tokens[tokens >= FIRST_PITCH_TOKEN]
    if pitched.size == 0:
        return None
    return token_to_pitch(pitched.min()), token_to_pitch(pitched.max())
