"""Training audio for a timbre model, with nothing downloaded: soundfont renders of the bundled
melodies, or the user's own folder of recordings of one instrument.

Each recording becomes a ``Clip``: its samples at 16 kHz and the two curves the model reads
(pitch and loudness, one frame every 10 ms). Renders are split by tune (the corpus's own
train / valid / test split), so a held-out tune was never heard in training.
"""

import dataclasses
from pathlib import Path

import numpy as np

from musiclab.data.splits import corpus_pieces
from musiclab.sound.audio import TARGET_LOUDNESS, Audio, default_soundfont, to_pretty_midi
from musiclab.sound.features import (
    a_weighted_loudness,
    fundamental_frequency,
    read_audio,
)
from musiclab.sound.soundfont import load_soundfont
from musiclab.timbre.synth import HOP, SAMPLE_RATE
from musiclab.vocab import FIRST_PITCH_TOKEN

# the lowest and highest MIDI pitch each instrument plays; melodies move by octaves into it
RANGES = {"violin": (55, 96), "viola": (48, 88), "cello": (36, 76), "flute": (60, 96),
          "trumpet": (54, 82), "clarinet": (50, 91), "oboe": (58, 91), "piano": (21, 108)}
TEMPOS = (80, 110, 140)  # quarter notes per minute of the renders
VELOCITIES = (60, 90, 120)
MAX_CLIP_SECONDS = 20.0  # a render is cut here: many tunes, not a few long ones
MIN_VOICED = 0.2  # a recording with fewer voiced frames has no pitched content to learn


@dataclasses.dataclass
class Clip:
    """One recording of the instrument, as the model sees it.

    Attributes:
        name: where it came from (a tune id with tempo and velocity, or a file name).
        audio: float32 ``(frames * HOP,)`` at ``SAMPLE_RATE``, at the shared loudness.
        f0: float32 ``(frames,)`` pitch in Hz, unvoiced frames filled from their neighbours.
        loudness: float32 ``(frames,)`` A-weighted loudness in dB.
        voiced: bool ``(frames,)``.
    """

    name: str
    audio: np.ndarray
    f0: np.ndarray
    loudness: np.ndarray
    voiced: np.ndarray

    @property
    def frames(self):
        return len(self.f0)


def fill_unvoiced(f0):
    """Pitch with its unvoiced (NaN) frames filled: between voiced frames the earlier pitch is
    held, before the first the first is used (the synthesiser needs a pitch everywhere;
    the loudness says the frame is quiet)."""
    f0 = np.asarray(f0, np.float32).copy()
    voiced = ~np.isnan(f0)
    if not voiced.any():
        raise ValueError("audio: no pitched frames")
    indices = np.where(voiced, np.arange(len(f0)), 0)
    np.maximum.accumulate(indices, out=indices)
    filled = f0[indices]
    filled[:np.argmax(voiced)] = f0[np.argmax(voiced)]
    return filled


def analyse(samples, name):
    """A recording at ``SAMPLE_RATE`` to a ``Clip`` (its length cut to whole frames).

    Raises:
        ValueError: naming the recording when it is silent or has too little pitched content.
    """
    samples = np.asarray(samples, np.float32)
    if not np.any(np.abs(samples) > 1e-4):
        raise ValueError(f"{name}: silent")
    level = Audio(samples, SAMPLE_RATE).loudness()
    if np.isfinite(level):  # the shared loudness: every clip as loud as musiclab plays
        samples = samples * np.float32(10 ** ((TARGET_LOUDNESS - level) / 20))
    loudness = a_weighted_loudness(samples, SAMPLE_RATE)
    f0, _ = fundamental_frequency(samples, SAMPLE_RATE, loudness=loudness)
    frames = min(len(f0), len(loudness), len(samples) // HOP)
    f0, loudness = f0[:frames], loudness[:frames]
    voiced = ~np.isnan(f0)
    if voiced.mean() < MIN_VOICED:
        raise ValueError(f"{name}: no pitched content ({voiced.mean():.0%} of its frames have "
                         f"a pitch; at least {MIN_VOICED:.0%} needed)")
    return Clip(name, samples[:frames * HOP], fill_unvoiced(f0), loudness, voiced)


def in_range(tokens, instrument):
    """Melody tokens moved by whole octaves into the instrument's range (as far as they fit)."""
    low, high = RANGES.get(instrument, (36, 96))
    tokens = np.asarray(tokens).copy()
    notes = tokens >= FIRST_PITCH_TOKEN
    if not notes.any():
        return tokens
    pitches = tokens[notes] - FIRST_PITCH_TOKEN + 21
    shift = 0
    while pitches.min() + shift < low and pitches.max() + shift + 12 <= max(high, 108):
        shift += 12
    while pitches.max() + shift > high and pitches.min() + shift - 12 >= 21:
        shift -= 12
    tokens[notes] += shift
    return tokens


def render_melody(tokens, instrument, *, tempo=110, velocity=90, max_seconds=MAX_CLIP_SECONDS):
    """A melody played by the soundfont's instrument, mono at ``SAMPLE_RATE``.

    Returns:
        float32 ``(n,)`` at the shared loudness (not yet analysed).
    """
    midi = to_pretty_midi(in_range(tokens, instrument), instrument=instrument, tempo=tempo,
                          velocity=velocity)
    for track in midi.instruments:
        track.notes = [note for note in track.notes if note.start < max_seconds]
    samples = load_soundfont(str(default_soundfont())).render(midi, sample_rate=SAMPLE_RATE)
    return samples[:int(max_seconds * SAMPLE_RATE)]


def soundfont_clips(instrument, *, split="train", tunes=None, tempos=TEMPOS,
                    velocities=VELOCITIES, source="all", seed=0, progress=None):
    """Renders of the bundled melodies through one soundfont instrument, analysed.

    Every tune is played once, at a tempo and velocity drawn from ``tempos`` and
    ``velocities`` (so a split holds every combination, no tune twice).

    Args:
        instrument: a General MIDI name (``"violin"``).
        split: ``"train"``, ``"valid"`` or ``"test"`` of the corpus's split by tune.
        tunes: how many tunes (default: all of the split), drawn with ``seed``.
        progress: optional ``(done, total)`` callback.

    Returns:
        A list of ``Clip``.
    """
    pieces, _, _ = corpus_pieces(source, "melody")
    melodies = pieces[split]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(melodies))[: tunes or len(melodies)]
    clips = []
    for done, index in enumerate(order):
        tempo, velocity = int(rng.choice(tempos)), int(rng.choice(velocities))
        name = f"{split} tune {index} at {tempo} bpm, velocity {velocity}"
        try:
            clips.append(analyse(render_melody(melodies[index], instrument, tempo=tempo,
                                               velocity=velocity), name))
        except ValueError:  # a tune of rests only: nothing to learn from
            pass
        if progress is not None:
            progress(done + 1, len(order))
    return clips


def folder_clips(folder, *, max_seconds=MAX_CLIP_SECONDS * 30):
    """The user's recordings of one instrument: every audio file in ``folder``, analysed.

    Files that cannot be used (not audio, damaged, silent, unpitched, too long) are skipped
    and reported by name with the reason.

    Returns:
        ``(clips, skipped)``: a list of ``Clip`` and a list of ``"file: reason"`` lines.

    Raises:
        ValueError: when the folder is missing or none of its files can be used.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder}: no such folder")
    clips, skipped = [], []
    files = sorted(path for path in folder.rglob("*") if path.is_file()
                   and not path.name.startswith("."))
    for path in files:
        try:
            clips.append(analyse(read_audio(path, SAMPLE_RATE, max_seconds=max_seconds),
                                 str(path)))
        except ValueError as error:
            skipped.append(str(error))
    if not clips:
        reasons = "; ".join(skipped[:3]) or "it holds no files"
        raise ValueError(f"{folder}: no usable recordings ({reasons})")
    return clips, skipped


def crops(clips, frames, count, rng):
    """``count`` random crops of ``frames`` frames from the clips (longer clips more often).

    Returns:
        ``(f0 (count, frames), loudness (count, frames), audio (count, frames * HOP))``.
    """
    usable = [clip for clip in clips if clip.frames >= frames]
    if not usable:
        raise ValueError(f"clips: none is as long as a crop of {frames} frames")
    weights = np.array([clip.frames - frames + 1 for clip in usable], np.float64)
    chosen = rng.choice(len(usable), size=count, p=weights / weights.sum())
    f0 = np.empty((count, frames), np.float32)
    loudness = np.empty_like(f0)
    audio = np.empty((count, frames * HOP), np.float32)
    for row, index in enumerate(chosen):
        clip = usable[index]
        start = int(rng.integers(0, clip.frames - frames + 1))
        f0[row] = clip.f0[start:start + frames]
        loudness[row] = clip.loudness[start:start + frames]
        audio[row] = clip.audio[start * HOP:(start + frames) * HOP]
    return f0, loudness, audio
