"""Any recording in, the learned instrument out (DDSP's timbre transfer).

    audio = convert(model, samples, sample_rate=44100, octaves=1)    # an Audio at 16 kHz

The recording's pitch and loudness are measured (``sound.features``), its loudness mapped onto
the loudness the instrument was trained on (a piano played softly should still make the violin
sing; ``loudness_db`` adjusts from there), its pitch moved by whole ``octaves`` if asked, and the
model's decoder turns the two curves into the synthesiser's controls. Long recordings are
synthesised ten seconds at a time, each part continuing the last one's phase and noise.

``fixed_spectrum`` is the baseline a learned conversion must beat: the same synthesiser
driven by the same pitch and loudness, with one fixed spectrum (a sawtooth's, the ideal bowed
string's) and no noise.
"""

import numpy as np
from keras import ops

from musiclab.nn.config import config_of
from musiclab.nn.sampling import compiled_call
from musiclab.sound.audio import Audio
from musiclab.sound.features import check_samples, resample
from musiclab.timbre.data import analyse
from musiclab.timbre.model import QUANTILES, split_controls
from musiclab.timbre.synth import (
    HOP,
    SAMPLE_RATE,
    filtered_noise,
    harmonic_distribution,
    harmonic_synth,
)

PART_FRAMES = 1000  # frames synthesised at once (10 s): memory stays flat for long audio
BUCKET_FRAMES = 500  # the decoder runs on lengths padded to a multiple of this (few compiles)
MAX_OCTAVES = 3
UNVOICED_DROP_DB = 20.0  # frames without a pitch are this much quieter after loudness mapping


def resampled(samples, sample_rate):
    """Mono samples at any whole-number rate, checked, at ``SAMPLE_RATE``."""
    samples = check_samples(samples, sample_rate)
    if int(sample_rate) != sample_rate:
        raise ValueError(f"sample_rate: must be a whole number of Hz, got {sample_rate}")
    return resample(samples, sample_rate, SAMPLE_RATE)


def prepare(samples, *, sample_rate=SAMPLE_RATE, octaves=0, loudness_db=0.0,
            loudness_quantiles=None, name="audio"):
    """The pitch and loudness curves a conversion plays.

    With ``loudness_quantiles`` (the instrument's, from its config) the recording's loudness
    is mapped onto the instrument's, quantile by quantile, as DDSP's timbre-transfer demo
    does: the recording's loudest voiced frames become the instrument's loudest, its median
    the instrument's median. A piano's quickly decaying notes then sit where a violin plays
    instead of fading below its range; frames with no pitch are lowered a further
    ``UNVOICED_DROP_DB``, so rests stay quiet.

    Args:
        samples: mono float ``(n,)``; sample_rate: its rate (resampled to 16 kHz).
        octaves: whole octaves to move the pitch (-3..3).
        loudness_db: added to the loudness last, in dB (-40..40).
        loudness_quantiles: the instrument's loudness at ``model.QUANTILES`` (dB), or
            ``None`` to keep the recording's loudness.
        name: what error messages call the recording.

    Returns:
        A ``data.Clip`` whose ``f0`` and ``loudness`` are the moved curves (its ``audio`` is
        the recording at 16 kHz).

    Raises:
        ValueError: one line naming the recording when it is silent, unpitched or unusable,
            or naming the setting that is out of range.
    """
    if int(octaves) != octaves or abs(octaves) > MAX_OCTAVES:
        raise ValueError(f"octaves: must be a whole number in -{MAX_OCTAVES}..{MAX_OCTAVES}, "
                         f"got {octaves}")
    if not np.isfinite(loudness_db) or abs(loudness_db) > 40:
        raise ValueError(f"loudness_db: must be within -40..40 dB, got {loudness_db}")
    clip = analyse(resampled(samples, sample_rate), name)
    clip.f0 = clip.f0 * np.float32(2.0 ** int(octaves))
    loudness = clip.loudness
    if loudness_quantiles is not None:
        own = np.quantile(loudness[clip.voiced], QUANTILES)
        ranks = np.interp(loudness, own, QUANTILES)
        loudness = np.interp(ranks, QUANTILES, loudness_quantiles) - UNVOICED_DROP_DB * ~clip.voiced
    clip.loudness = (loudness + loudness_db).astype(np.float32)
    return clip


def controls(model, f0, loudness):
    """The decoder's raw controls for whole curves.

    Args:
        model: a timbre model; f0, loudness: ``(frames,)``.

    Returns:
        float32 ``(frames, 1 + harmonics + bands)``.
    """
    frames = len(f0)
    padded = -(-frames // BUCKET_FRAMES) * BUCKET_FRAMES  # the GRU is causal: padding after
    inputs = [np.pad(np.asarray(curve, np.float32), (0, padded - frames), mode="edge")[None]
              for curve in (f0, loudness)]
    decoder = compiled_call(model.get_layer("decoder"))
    return np.asarray(decoder(inputs))[0, :frames]


def synthesize(f0, raw, harmonics):
    """Audio from pitch and raw controls, ``PART_FRAMES`` at a time.

    Args:
        f0: ``(frames,)`` Hz; raw: ``(frames, 1 + harmonics + bands)``.

    Returns:
        float32 ``(frames * HOP,)``.
    """
    def part(f0_part, raw_part, phase, offset):
        f0_part = ops.convert_to_tensor(f0_part[None])
        amplitude, distribution, noise = split_controls(
            ops.convert_to_tensor(raw_part[None]), f0_part, harmonics)
        return harmonic_synth(f0_part, amplitude, distribution, initial_phase=phase) + \
            filtered_noise(noise, offset=offset)

    return _in_parts(f0, raw, part)


def _in_parts(f0, values, part):
    """Run ``part(f0, values, initial_phase, first_sample)`` over ``PART_FRAMES`` frames at a
    time (each with one frame more, so interpolation runs on across the joins), joined."""
    f0 = np.asarray(f0, np.float32)
    output, phase = [], 0.0
    for start in range(0, len(f0), PART_FRAMES):
        stop = min(start + PART_FRAMES, len(f0))
        extra = min(stop + 1, len(f0))
        audio = np.asarray(part(f0[start:extra], values[start:extra], phase, start * HOP))
        output.append(audio[0, :(stop - start) * HOP])
        phase = (phase + _phase_advance(f0[start:extra], stop - start)) % (2 * np.pi)
    return np.concatenate(output).astype(np.float32)


def _phase_advance(f0, frames):
    """Radians the fundamental turns through in the first ``frames`` frames of ``f0`` (the
    linear interpolation of ``synth.upsample`` summed in closed form)."""
    current = f0[:frames].astype(np.float64)
    following = np.append(f0[1:], f0[-1])[:frames].astype(np.float64)
    total = HOP * current + (following - current) * (HOP - 1) / 2
    return 2 * np.pi * total.sum() / SAMPLE_RATE


def convert(model, samples, *, sample_rate=SAMPLE_RATE, octaves=0, loudness_db=0.0,
            auto_loudness=True, name="audio"):
    """A recording played by the model's instrument.

    Args:
        model: a timbre model (``load_timbre`` or a shipped one).
        samples: mono float ``(n,)``; sample_rate: its rate.
        octaves: whole octaves to move the pitch (-3..3).
        loudness_db: loudness adjustment in dB (after the automatic one).
        auto_loudness: map the recording's loudness onto the instrument's first (``prepare``).
        name: what error messages call the recording (a file name).

    Returns:
        An ``Audio`` at 16 kHz, at the loudness musiclab plays everything.
    """
    config = config_of(model)
    quantiles = config.loudness_quantiles if auto_loudness else None
    clip = prepare(samples, sample_rate=sample_rate, octaves=octaves, loudness_db=loudness_db,
                   loudness_quantiles=quantiles, name=name)
    raw = controls(model, clip.f0, clip.loudness)
    return Audio(synthesize(clip.f0, raw, config.harmonics), SAMPLE_RATE,
                 f"timbre: {config.instrument}").normalized()


def fixed_spectrum(samples, *, sample_rate=SAMPLE_RATE, harmonics=40, loudness_quantiles=None,
                   name="audio"):
    """The baseline: the same synthesiser on the recording's pitch and loudness (mapped as a
    conversion maps it, given the same ``loudness_quantiles``), with a fixed sawtooth spectrum
    (harmonic ``k`` at ``1 / k``, the ideal bowed string's) and no noise.

    Returns:
        An ``Audio`` at 16 kHz, at the loudness musiclab plays everything.
    """
    clip = prepare(samples, sample_rate=sample_rate, loudness_quantiles=loudness_quantiles,
                   name=name)
    amplitude = np.where(clip.voiced, 10 ** (clip.loudness / 20), 0.0).astype(np.float32)
    weights = np.broadcast_to(1.0 / np.arange(1, harmonics + 1, dtype=np.float32),
                              (len(clip.f0), harmonics))

    def part(f0_part, amplitude_part, phase, offset):
        f0_part = ops.convert_to_tensor(f0_part[None])
        frames = len(amplitude_part)
        distribution = harmonic_distribution(ops.convert_to_tensor(weights[None, :frames]),
                                             f0_part)
        return harmonic_synth(f0_part, ops.convert_to_tensor(amplitude_part[None]),
                              distribution, initial_phase=phase)

    return Audio(_in_parts(clip.f0, amplitude, part), SAMPLE_RATE,
                 "fixed-spectrum synth").normalized()
