"""Pitch and loudness of any audio, the inputs of timbre transfer: checked on sines and on
soundfont notes whose pitch is known."""

import numpy as np
import pytest

from musiclab.sound.audio import render
from musiclab.sound.features import (
    SILENCE_DB,
    a_weighted_loudness,
    cents,
    fundamental_frequency,
)

RATE = 16000
SECOND = np.arange(RATE) / RATE


@pytest.mark.parametrize("frequency", [55.0, 110.0, 220.0, 440.0, 1046.5])
def test_f0_of_sines_within_ten_cents(frequency):
    f0, confidence = fundamental_frequency(0.5 * np.sin(2 * np.pi * frequency * SECOND), RATE)
    voiced = ~np.isnan(f0)
    assert len(f0) == 101 and voiced.mean() > 0.9 and np.median(confidence) > 0.95
    assert np.median(np.abs(cents(f0[voiced], frequency))) < 10


@pytest.mark.parametrize("instrument, pitch", [("violin", 67), ("flute", 72), ("cello", 48),
                                               ("trumpet", 60), ("piano", 60)])
def test_f0_of_soundfont_notes_within_ten_cents(instrument, pitch):
    sound = render(np.array([pitch - 21 + 2] + [1] * 15), instrument=instrument, tempo=60)
    f0, _ = fundamental_frequency(sound.resampled(RATE).samples, RATE)
    voiced = ~np.isnan(f0)
    reference = 440 * 2 ** ((pitch - 69) / 12)
    assert voiced.mean() > 0.8
    assert np.median(np.abs(cents(f0[voiced], reference))) < 10


def test_noise_and_silence_are_unvoiced():
    noise = np.random.default_rng(0).normal(size=RATE) * 0.3
    assert np.isnan(fundamental_frequency(noise, RATE)[0]).mean() > 0.9
    silence = np.zeros(RATE)
    assert np.isnan(fundamental_frequency(silence, RATE)[0]).all()
    assert (a_weighted_loudness(silence, RATE) == SILENCE_DB).all()


def test_a_weighted_loudness_follows_level_and_the_a_curve():
    full = np.median(a_weighted_loudness(np.sin(2 * np.pi * 1000 * SECOND), RATE))
    half = np.median(a_weighted_loudness(0.5 * np.sin(2 * np.pi * 1000 * SECOND), RATE))
    low = np.median(a_weighted_loudness(np.sin(2 * np.pi * 100 * SECOND), RATE))
    assert full == pytest.approx(-3.01, abs=0.05)  # mean power 1/2, A(1 kHz) = 0 dB
    assert full - half == pytest.approx(6.02, abs=0.05)
    assert full - low == pytest.approx(19.1, abs=0.3)  # A(100 Hz) = -19.1 dB (IEC 61672)


@pytest.mark.parametrize("samples, rate, message", [
    (np.zeros((100, 2)), RATE, "expected mono samples"),
    (np.zeros(0), RATE, "no samples"),
    (np.array([0.0, np.nan, 0.0]), RATE, "NaN or infinite"),
    (np.zeros(1000), 0, "sample_rate: must be positive"),
    (np.zeros(601), 1, "longer than the 10 minutes"),
])
def test_unusable_audio_gets_one_line(samples, rate, message):
    with pytest.raises(ValueError, match=message):
        fundamental_frequency(samples, rate)


def test_spectral_distance_hears_timbre_and_pitch_not_phase():
    from musiclab.sound.features import multi_scale_spectral_distance as distance

    def note(instrument, pitch=67):
        tokens = np.array([pitch - 21 + 2] + [1] * 7)
        return render(tokens, instrument=instrument, tempo=120).resampled(RATE).samples

    sine = np.sin(2 * np.pi * 440 * SECOND)
    shifted = np.sin(2 * np.pi * 440 * SECOND + 1.0)  # the same tone, another phase
    assert distance(sine, sine) == 0.0
    assert distance(sine, shifted) < 0.5 * distance(sine, np.sin(2 * np.pi * 466 * SECOND))
    violin, flute, piano = note("violin"), note("flute"), note("piano")
    assert distance(violin, note("violin")) == pytest.approx(0.0, abs=1e-6)
    assert distance(violin, note("violin", 69)) > 0
    assert distance(piano, violin) > 0 and distance(flute, violin) > 0
    assert distance(violin, 2 * violin) > 0  # louder is different
    with pytest.raises(ValueError, match="expected two non-empty mono arrays"):
        distance(sine, np.zeros((10, 2)))
