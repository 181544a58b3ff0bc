"""A four-voice (soprano, alto, tenor, bass) grid for chorales.

The grid has shape ``(steps, 4)``; each column holds melody tokens (see
``musiclab.data.melody``) for one voice, so each voice keeps its own note
repetitions and rests. Round trips are exact for canonical tokens.
"""

import numpy as np

from musiclab.data.melody import decode_melody, encode_melody, mean_pitch, validate_tokens
from musiclab.vocab import HOLD, NOTE_OFF, VOICES

_ALIASES = {
    "soprano": ("soprano", "sopran", "s."),
    "alto": ("alto", "alt"),
    "tenor": ("tenor", "tenore"),
    "bass": ("bass", "basso", "bassus"),
}


def satb_parts(score):
    """Find the soprano, alto, tenor and bass parts of a score.

    Parts are matched by name; a score of exactly four unnamed parts is read
    top to bottom. When every part is named for a voice and a voice is missing (it rests
    throughout, and a MIDI file keeps no empty track), that voice is ``None``.

    Returns:
        A list of four parts (or ``None`` for a resting voice).

    Raises:
        ValueError: when four voices cannot be identified.
    """
    found = {}
    for part in score.parts:
        label = f"{part.partName or ''} {part.id or ''}".lower()
        for voice, names in _ALIASES.items():
            named = any(name in label.split() or label.startswith(name) for name in names)
            if voice not in found and named:
                found[voice] = part
                break
    if len(found) == 4 or (found and len(found) == len(score.parts)):
        return [found.get(voice) for voice in VOICES]
    parts = [part for part in score.parts if part.recurse().notes.first()]
    if len(parts) == 4:
        return sorted(parts, key=mean_pitch, reverse=True)
    names = [part.partName or part.id for part in parts]
    raise ValueError(f"score: cannot identify four SATB voices among parts {names}")


def encode_satb(score, steps_per_quarter=4, total_steps=None):
    """Encode a four-voice score as a ``(steps, 4)`` grid of melody tokens.

    Args:
        score: a music21 ``Score`` with soprano, alto, tenor and bass parts.
        steps_per_quarter: steps per quarter note.
        total_steps: pad or cut to this many steps (default: the score's end; a MIDI file
            keeps no silence after its last note, so give the length to keep one).

    Returns:
        An int16 array of shape ``(steps, 4)``, voices in S, A, T, B order.
    """
    parts = satb_parts(score)
    steps = round(float(score.highestTime) * steps_per_quarter) if total_steps is None \
        else int(total_steps)
    resting = np.full(steps, HOLD, np.int16)
    resting[:1] = NOTE_OFF
    columns = [resting if part is None else
               encode_melody(part, steps_per_quarter, total_steps=steps)[0] for part in parts]
    return np.stack(columns, axis=1)


CLEFS = ("TrebleClef", "TrebleClef", "Treble8vbClef", "BassClef")


def decode_satb(grid, steps_per_quarter=4, *, meter=None, title=None, key=None, pickup=0):
    """Decode a ``(steps, 4)`` grid to a four-part music21 ``Score``.

    Args:
        grid: int array of shape ``(steps, 4)``, voices in S, A, T, B order.
        steps_per_quarter: steps per quarter note used when encoding.
        meter: optional time signature string.
        title: optional title.
        key: optional key (``"G major"``, ``"Am"``) for the key signature.
        pickup: steps before the first downbeat (see ``decode_melody``).

    Returns:
        A ``music21.stream.Score`` with parts named Soprano, Alto, Tenor, Bass.
    """
    import music21

    grid = np.asarray(grid)
    if grid.ndim != 2 or grid.shape[1] != 4:
        raise ValueError(f"grid: expected shape (steps, 4), got {grid.shape}")
    score = music21.stream.Score()
    if title:
        score.insert(0, music21.metadata.Metadata(title=title))
    for column, voice in enumerate(VOICES):
        tokens = validate_tokens(grid[:, column], name=f"grid[:, {column}]")
        part = decode_melody(tokens, steps_per_quarter, meter=meter, key=key, pickup=pickup,
                             clef=getattr(music21.clef, CLEFS[column])())
        part.partName = voice.capitalize()
        part.id = voice.capitalize()
        score.insert(0, part)
    return score
