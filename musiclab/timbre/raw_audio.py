"""WaveNet as it was first built: a model of raw audio, one mu-law sample at a time.

van den Oord et al. (2016) trained WaveNet on 16 kHz speech and piano recordings quantised to
256 mu-law levels; each prediction is a categorical over the next sample's level, given the
samples before it. Here the project's own WaveNet (``musiclab.wavenet``, head ``"audio"``)
learns short soundfont notes at 8 kHz, conditioned on instrument and pitch together (one
learned embedding per ``"violin 67"``, the WaveNet's global conditioning). Sampling uses the
same cached sampler as the melody WaveNet; ``generate_note`` reports its speed, which is the
lesson: a second of 8 kHz audio is 8,000 network calls, one after the other.
"""

import time

import numpy as np

from musiclab.nn.config import config_of
from musiclab.sound.audio import Audio
from musiclab.sound.features import mu_law_decode
from musiclab.wavenet.model import WaveNetConfig
from musiclab.wavenet.sample import generate
from musiclab.wavenet.training import audio_notes, note_label, train_wavenet

SAMPLE_RATE = 8000
PITCHES = tuple(range(55, 80, 3))  # G3 to G5 in minor thirds: in every default instrument's range
VELOCITIES = (60, 90, 120)  # training; validation hears 75, the card's test 100
VALID_VELOCITY = 75


def raw_config(instruments, *, pitches=PITCHES, smoke=False):
    """An audio WaveNet's config: two stacks of dilations 1..128 (511 samples, 64 ms, long
    enough for a few periods of G3).

    Args:
        instruments: soundfont instrument names; pitches: MIDI pitches.
        smoke: a tiny model for CI (one stack 1..16, two pitches).
    """
    if smoke:
        labels = tuple(note_label(name, pitch) for name in instruments for pitch in pitches[:2])
        return WaveNetConfig(head="audio", channels=8, skip_channels=16,
                             dilations=(1, 2, 4, 8, 16), styles=labels, style_dim=4,
                             window=512, sample_rate=SAMPLE_RATE)
    labels = tuple(note_label(name, pitch) for name in instruments for pitch in pitches)
    dilations = tuple(2 ** power for power in range(8)) * 2
    return WaveNetConfig(head="audio", channels=32, skip_channels=64, dilations=dilations,
                         styles=labels, style_dim=16, window=2048, learning_rate=2e-3,
                         decay_steps=6000, sample_rate=SAMPLE_RATE)


def train_raw_wavenet(instruments, *, steps, folder, smoke=False, batch_size=8, seed=0,
                      checkpoint_every=250, progress=True, time_limit=None):
    """Train (or resume) an audio WaveNet on one-second soundfont notes.

    Args:
        instruments: soundfont instrument names (``["violin", "flute"]``).
        steps, folder, batch_size, seed, checkpoint_every, progress, time_limit: as
            ``wavenet.training.train_wavenet``.
        smoke: a tiny model on a few notes.

    Returns:
        ``(model, state)``; ``valid_loss`` is nats per sample on notes at velocity 75.
    """
    if not instruments:
        raise ValueError("instruments: name at least one")
    config = raw_config(instruments, smoke=smoke)
    velocities = VELOCITIES[1:2] if smoke else VELOCITIES
    pieces, labels = audio_notes(config.styles, velocities, SAMPLE_RATE)
    valid_pieces, valid_labels = audio_notes(config.styles, (VALID_VELOCITY,), SAMPLE_RATE)
    return train_wavenet(config, pieces, valid_pieces, steps=steps, folder=folder,
                         batch_size=batch_size, train_labels=labels, valid_labels=valid_labels,
                         checkpoint_every=checkpoint_every, seed=seed, progress=progress,
                         time_limit=time_limit)


def generate_note(model, instrument, pitch, *, seconds=1.0, temperature=1.0, seed=0,
                  method="cached"):
    """Sample a note from an audio WaveNet, one sample at a time, and time it.

    Args:
        model: an audio WaveNet; instrument, pitch: one of its conditions.
        seconds: length of the note.
        temperature: 1 samples the model's own distribution; lower is more careful.
        seed: the same seed gives the same samples.
        method: ``"cached"`` (each step one pass over one sample) or ``"naive"``.

    Returns:
        ``(audio, speed)``: an ``Audio`` at the model's rate, and a dict with ``samples``,
        ``seconds`` (of computing), ``samples_per_second`` and ``real_time`` (the share of
        real time: 1 keeps up with playback).
    """
    config = config_of(model)
    label = note_label(instrument, pitch)
    if label not in config.styles:
        raise ValueError(f"instrument, pitch: the model knows no {label!r}; it knows "
                         f"{', '.join(config.styles[:6])}{'...' if len(config.styles) > 6 else ''}")
    length = int(round(seconds * config.sample_rate))
    started = time.perf_counter()
    levels = generate(model, length=length, temperature=temperature, seed=seed,
                      style=config.styles.index(label), method=method)[0]
    elapsed = time.perf_counter() - started
    speed = {"samples": length, "seconds": elapsed, "samples_per_second": length / elapsed,
             "real_time": length / elapsed / config.sample_rate}
    return Audio(mu_law_decode(levels), config.sample_rate, "raw-audio WaveNet"), speed


def note_audio(instrument, pitch, *, velocity=90):
    """The soundfont note an audio WaveNet learned from, through the same mu-law (to compare).

    Returns:
        An ``Audio`` at the raw WaveNet's rate.
    """
    pieces, _ = audio_notes((note_label(instrument, pitch),), (velocity,), SAMPLE_RATE)
    return Audio(mu_law_decode(np.asarray(pieces[0])), SAMPLE_RATE, "soundfont, mu-law")
