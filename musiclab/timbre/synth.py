"""The differentiable synthesiser of DDSP (Engel et al. 2020): harmonics plus filtered noise.

A network never writes samples here. Every 10 ms it sets a few controls and this module turns
them into sound, with operations whose gradients flow back to the network:

* **Harmonic (additive) synthesis**: ``K`` sines at whole multiples of the pitch ``f0``,
  ``x[n] = sum_k A[n] c_k[n] sin(k phi[n])`` with the phase ``phi[n] = 2 pi sum_{m<=n}
  f0[m] / sample_rate``, the loudness ``A`` and the harmonic distribution ``c_k`` (sums to 1;
  harmonics above the Nyquist frequency get 0, so nothing aliases).
* **Filtered noise**: white noise cut into ``B`` equal frequency bands, each band scaled by a
  magnitude the network sets every frame: a time-varying filter (the bow's hiss, a breath).

Controls come at the frame rate (100 a second) and are interpolated linearly to the sample
rate. Everything is ``keras.ops``: it runs and differentiates on TensorFlow and JAX.
``spectral_loss`` is the multi-scale spectral loss the model trains with: it compares
magnitude spectrograms at six resolutions, never waveforms, so the phases of the harmonics
(which the ear barely hears) cost nothing.
"""

import functools
import math

import keras
import numpy as np
from keras import ops

from musiclab.sound.features import FRAME_RATE, SPECTRAL_SCALES

SAMPLE_RATE = 16000  # DDSP's rate: harmonics up to 8 kHz
HOP = SAMPLE_RATE // FRAME_RATE  # samples per control frame (160)
NOISE_SECONDS = 4.096  # the noise table loops every 4 s (2**16 samples): inaudible as a loop
NOISE_SEED = 20  # the table is the same on every backend and every call: same input, same sound


def upsample(frames, hop=HOP):
    """Controls at the frame rate to the sample rate, by linear interpolation.

    Args:
        frames: ``(batch, frames, channels)``.

    Returns:
        ``(batch, frames * hop, channels)``: frame ``t`` at sample ``t * hop``, moving
        linearly towards frame ``t + 1`` (the last frame is held).
    """
    following = ops.concatenate([frames[:, 1:], frames[:, -1:]], axis=1)
    weight = ops.reshape(ops.arange(hop, dtype=frames.dtype) / hop, (1, 1, hop, 1))
    mixed = (ops.expand_dims(frames, 2) * (1.0 - weight)
             + ops.expand_dims(following, 2) * weight)
    shape = ops.shape(frames)
    return ops.reshape(mixed, (shape[0], shape[1] * hop, shape[2]))


def harmonic_frequencies(f0, harmonics):
    """``(batch, frames)`` pitches in Hz to ``(batch, frames, harmonics)`` frequencies."""
    return ops.expand_dims(f0, -1) * ops.arange(1, harmonics + 1, dtype=f0.dtype)


def harmonic_distribution(weights, f0, *, sample_rate=SAMPLE_RATE):
    """Positive harmonic weights to a distribution: 0 above the Nyquist frequency, summing to 1.

    Args:
        weights: ``(batch, frames, harmonics)``, positive.
        f0: ``(batch, frames)`` in Hz.

    Returns:
        ``(batch, frames, harmonics)``.
    """
    audible = ops.cast(harmonic_frequencies(f0, weights.shape[-1]) < sample_rate / 2,
                       weights.dtype)
    weights = weights * audible
    return weights / (ops.sum(weights, axis=-1, keepdims=True) + 1e-7)


def harmonic_synth(f0, amplitude, distribution, *, initial_phase=0.0, sample_rate=SAMPLE_RATE,
                   hop=HOP):
    """Additive synthesis: a bank of harmonics of ``f0``.

    Args:
        f0: ``(batch, frames)`` pitch in Hz.
        amplitude: ``(batch, frames)`` overall amplitude (linear).
        distribution: ``(batch, frames, harmonics)`` each harmonic's share (see
            ``harmonic_distribution``).
        initial_phase: the phase of the fundamental before the first sample, in radians
            (``(batch, 1)`` or a number): a long sound made in parts continues its phase.

    Returns:
        ``(batch, frames * hop)`` samples.
    """
    # the phase, summed in two levels so float32 stays exact over long sounds: within each
    # frame, then the frames' totals (160 times fewer terms, each first wrapped to 0..2 pi, which
    # changes no sine), wrapped to 0..2 pi again before multiplying by k
    increments = upsample(ops.expand_dims(f0, -1), hop) * (2 * math.pi / sample_rate)
    shape = ops.shape(f0)
    within = ops.cumsum(ops.reshape(increments, (shape[0], shape[1], hop)), axis=2)
    totals = ops.mod(within[..., -1], 2 * math.pi)
    starts = ops.mod(ops.cumsum(totals, axis=1) - totals + initial_phase, 2 * math.pi)
    phase = ops.reshape(ops.expand_dims(starts, -1) + within, (shape[0], shape[1] * hop))
    phase = ops.mod(phase, 2 * math.pi)
    harmonics = distribution.shape[-1]
    numbers = ops.arange(1, harmonics + 1, dtype=phase.dtype)
    controls = upsample(ops.expand_dims(amplitude, -1) * distribution, hop)
    return ops.sum(controls * ops.sin(ops.expand_dims(phase, -1) * numbers), axis=-1)


@functools.lru_cache(maxsize=4)
def noise_bands(bands, sample_rate=SAMPLE_RATE):
    """A loop of white noise split into ``bands`` equal frequency bands (NumPy, cached).

    Returns:
        float32 ``(samples, bands)``: the bands of one noise, summing back to it; each band's
        mean power is the same.
    """
    length = int(round(NOISE_SECONDS * sample_rate))
    noise = np.random.default_rng(NOISE_SEED).uniform(-1, 1, length)
    spectrum = np.fft.rfft(noise)
    edges = np.linspace(0, len(spectrum), bands + 1).round().astype(int)
    table = np.empty((length, bands), np.float32)
    for band in range(bands):
        part = np.zeros_like(spectrum)
        part[edges[band]:edges[band + 1]] = spectrum[edges[band]:edges[band + 1]]
        table[:, band] = np.fft.irfft(part, length)
    return table


def filtered_noise(magnitudes, *, offset=0, sample_rate=SAMPLE_RATE, hop=HOP):
    """Noise through a time-varying filter: each band of ``noise_bands`` scaled every frame.

    Args:
        magnitudes: ``(batch, frames, bands)``, the filter's gain in each band (``frames``
            must be known: a fixed crop in training, a concrete array when converting).
        offset: the sample the first frame starts at (a long sound made in parts continues
            the same noise).

    Returns:
        ``(batch, frames * hop)`` samples.
    """
    table = noise_bands(magnitudes.shape[-1], sample_rate)
    samples = int(magnitudes.shape[1]) * hop
    start = int(offset) % len(table)
    loops = int(np.ceil((start + samples) / len(table)))
    noise = np.tile(table, (loops, 1))[start:start + samples]
    noise = ops.convert_to_tensor(noise, dtype=magnitudes.dtype)
    return ops.sum(upsample(magnitudes, hop) * noise, axis=-1)


def exp_sigmoid(x, *, exponent=10.0, max_value=2.0, threshold=1e-7):
    """DDSP's positive nonlinearity for amplitudes: ``max * sigmoid(x) ** ln(exponent)``.

    It spans many decades (a harmonic can be 60 dB down), its gradient never vanishes as a
    softplus's does near zero, and it cannot go below ``threshold``.
    """
    return max_value * ops.sigmoid(x) ** math.log(exponent) + threshold


def spectral_loss(y_true, y_pred, *, scales=SPECTRAL_SCALES):
    """The multi-scale spectral loss: for each FFT size, the mean absolute difference of the
    magnitude spectrograms plus that of their logs (as ``sound.features`` measures it).

    Args:
        y_true, y_pred: ``(batch, samples)``.

    Returns:
        ``(batch,)``.
    """
    total = 0.0
    for size in scales:
        spectra = []
        for signal in (y_true, y_pred):
            real, imaginary = ops.stft(signal, size, size // 4, size, window="hann")
            spectra.append(ops.sqrt(real ** 2 + imaginary ** 2 + 1e-10))
        total = total + ops.mean(ops.abs(spectra[0] - spectra[1]), axis=(1, 2))
        total = total + ops.mean(ops.abs(ops.log(spectra[0] + 1e-7)
                                         - ops.log(spectra[1] + 1e-7)), axis=(1, 2))
    return total


keras.saving.register_keras_serializable(package="musiclab",
                                         name="spectral_loss")(spectral_loss)
