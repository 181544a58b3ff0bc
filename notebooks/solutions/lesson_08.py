"""Answers to notebook 08's exercises (instruments in audio)."""

import numpy as np


def mu_law_encode(samples):
    """Compand with mu = 255, then round to the nearest of 256 levels."""
    x = np.clip(np.asarray(samples, dtype=np.float64), -1, 1)
    companded = np.sign(x) * np.log1p(255 * np.abs(x)) / np.log1p(255)
    return np.clip(np.floor((companded + 1) / 2 * 255 + 0.5), 0, 255).astype(int)


def harmonic_phase(f0, sample_rate):
    """The running sum of the frequency, in radians."""
    return 2 * np.pi * np.cumsum(f0) / sample_rate


def additive_synth(phase, amplitudes):
    """Harmonic k at k times the phase, weighted by its amplitude, summed."""
    numbers = np.arange(1, np.shape(amplitudes)[1] + 1)
    return np.sum(amplitudes * np.sin(np.asarray(phase)[:, None] * numbers), axis=1)


def spectral_term(magnitude, reference):
    """L1 on the magnitudes plus L1 on their logs."""
    return np.mean(np.abs(magnitude - reference)) + np.mean(
        np.abs(np.log(magnitude + 1e-7) - np.log(reference + 1e-7)))
