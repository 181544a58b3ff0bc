"""What a timbre-transfer model hears of any recording: pitch (f0) with a confidence, and
A-weighted loudness, frame by frame.

DDSP (Engel et al. 2020) resynthesises a recording from exactly these two curves: the pitch
says which harmonics to play, the loudness how strongly; the instrument is what a model adds.

    samples = read_audio("piano.wav", 16000)                 # mono float32, resampled
    pitch, confidence = fundamental_frequency(samples, rate) # Hz per frame (NaN unvoiced)
    level = a_weighted_loudness(samples, rate)               # dB per frame

Pitch comes from librosa's YIN (de Cheveigne & Kawahara 2002; no weights to download), its
period refined between lags, so it is continuous (pYIN, librosa's other tracker, snaps to a
10-cent grid by default and takes about 1.6 s per second of audio here; YIN takes 11 ms). The
confidence of each frame is the normalised autocorrelation of the frame at the period found:
near 1 for a steady pitch, near 0 for noise; frames below ``VOICED`` or quieter than
``QUIET_DB`` are unvoiced. Loudness is the mean power of each frame's spectrum weighted by
the A curve (IEC 61672: how loud each frequency sounds to people at moderate levels), in dB.
"""

from pathlib import Path

import numpy as np

FRAME_RATE = 100  # frames a second: a 10 ms hop, as DDSP uses at 16 kHz (160 samples)
LOWEST_F0, HIGHEST_F0 = 32.7, 2093.0  # C1 to C7: the double bass's low C to the piccolo's top
FRAME_SECONDS = 0.128  # analysis window: four periods of C1, the lowest pitch tracked
SILENCE_DB = -100.0  # loudness of digital silence (the floor of the curve)
VOICED = 0.8  # the least confidence of a voiced frame
QUIET_DB = -60.0  # frames quieter than this (A-weighted) are unvoiced
MAX_SECONDS = 600  # longest audio analysed in one call: ten minutes (cut longer files first)


def _hop(sample_rate):
    return int(round(sample_rate / FRAME_RATE))


def _frame_length(sample_rate):
    return int(2 ** np.ceil(np.log2(FRAME_SECONDS * sample_rate)))


def check_samples(samples, sample_rate, *, name="audio"):
    """Mono float samples, checked.

    Raises:
        ValueError: naming ``name`` when the audio is empty, not finite, not mono or too long.
    """
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"{name}: expected mono samples (n,), got shape {samples.shape}; "
                         "mix the channels down first")
    if samples.size == 0:
        raise ValueError(f"{name}: no samples")
    if not np.isfinite(samples).all():
        raise ValueError(f"{name}: holds NaN or infinite samples")
    if sample_rate <= 0:
        raise ValueError(f"sample_rate: must be positive, got {sample_rate}")
    if len(samples) > MAX_SECONDS * sample_rate:
        raise ValueError(f"{name}: {len(samples) / sample_rate / 60:.0f} minutes is longer than "
                         f"the {MAX_SECONDS // 60} minutes analysed at once; cut it into parts")
    return samples


def resample(samples, sample_rate, target_rate):
    """Mono samples from one whole-number rate to another by a polyphase filter (no aliasing;
    ``Audio.resampled`` interpolates linearly, which is enough for playback, not for analysis).

    Returns:
        float32 array ``(n * target_rate / sample_rate,)``.
    """
    from scipy.signal import resample_poly

    samples = np.asarray(samples, np.float32)
    if int(sample_rate) == int(target_rate):
        return samples
    divisor = np.gcd(int(sample_rate), int(target_rate))
    return resample_poly(samples, int(target_rate) // divisor,
                         int(sample_rate) // divisor).astype(np.float32)


def read_audio(path, sample_rate, *, max_seconds=MAX_SECONDS):
    """Any audio file as mono float samples at ``sample_rate`` (channels mixed, resampled).

    WAV, FLAC and OGG are read by ``soundfile`` (libsndfile); its header is checked before a
    sample is read, so a two-hour file is refused at once instead of filling the memory.

    Args:
        path: the file.
        sample_rate: the rate wanted (a polyphase filter resamples, without aliasing).
        max_seconds: the longest audio accepted.

    Returns:
        float32 array ``(n,)``.

    Raises:
        ValueError: one line naming the file when it is missing, not audio, empty or too long.
    """
    import soundfile

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such audio file")
    try:
        info = soundfile.info(str(path))
    except (RuntimeError, soundfile.LibsndfileError, TypeError):
        raise ValueError(f"{path}: not an audio file (WAV, FLAC or OGG) that can be "
                         "read") from None
    if info.frames <= 0 or info.samplerate <= 0:
        raise ValueError(f"{path}: no samples")
    seconds = info.frames / info.samplerate
    if seconds > max_seconds:
        raise ValueError(f"{path}: {seconds / 60:.0f} minutes is longer than the "
                         f"{max_seconds / 60:g} minutes read at once; cut it into parts")
    try:
        samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise ValueError(f"{path}: damaged audio ({str(error).splitlines()[0][:80]})") from None
    samples = resample(np.nan_to_num(samples.mean(axis=1)), rate, sample_rate)
    return check_samples(samples, sample_rate, name=str(path))


def fundamental_frequency(samples, sample_rate, *, lowest=LOWEST_F0, highest=HIGHEST_F0,
                          loudness=None):
    """The pitch of monophonic audio, frame by frame (YIN), with a confidence.

    Args:
        samples: float array ``(n,)``; sample_rate: samples a second.
        lowest, highest: the range of pitches searched, in Hz.
        loudness: the samples' ``a_weighted_loudness`` when the caller has it already (it
            marks quiet frames unvoiced); computed otherwise.

    Returns:
        ``(f0, confidence)``: float32 arrays ``(frames,)``, one frame every 10 ms; ``f0`` in Hz,
        NaN where the frame is unvoiced; ``confidence`` in 0..1.
    """
    import librosa

    samples = check_samples(samples, sample_rate)
    length, hop = _frame_length(sample_rate), _hop(sample_rate)
    f0 = librosa.yin(samples, fmin=lowest, fmax=highest, sr=sample_rate, frame_length=length,
                     hop_length=hop).astype(np.float32)
    padded = np.pad(samples, length // 2)  # frames centred as librosa centres them
    frames = librosa.util.frame(padded, frame_length=length, hop_length=hop)[:, :len(f0)]
    confidence = np.zeros(len(f0), np.float32)
    for index, frequency in enumerate(f0):
        lag = int(round(sample_rate / frequency))
        first, second = frames[:length - lag, index], frames[lag:, index]
        energy = np.sqrt(np.dot(first, first) * np.dot(second, second))
        confidence[index] = max(np.dot(first, second) / energy, 0.0) if energy > 0 else 0.0
    if loudness is None:
        loudness = a_weighted_loudness(samples, sample_rate)
    quiet = np.asarray(loudness)[:len(f0)] < QUIET_DB
    f0[(confidence < VOICED) | quiet] = np.nan
    return f0, confidence


def a_weighted_loudness(samples, sample_rate):
    """A-weighted loudness in dB, frame by frame (10 ms hop), floored at ``SILENCE_DB``.

    A full-scale sine at 1 kHz (where the A weighting is 0 dB) reads about -3 dB (its mean
    power is one half).

    Returns:
        float32 array ``(frames,)``, aligned with ``fundamental_frequency``'s frames.
    """
    import librosa

    samples = check_samples(samples, sample_rate)
    length = _frame_length(sample_rate)
    spectrum = np.abs(librosa.stft(samples, n_fft=length, hop_length=_hop(sample_rate),
                                   window="hann")) ** 2
    frequencies = librosa.fft_frequencies(sr=sample_rate, n_fft=length)
    weights = np.zeros_like(frequencies)  # DC is inaudible: weight 0
    weights[1:] = 10 ** (librosa.A_weighting(frequencies[1:], min_db=None) / 10)
    window_power = np.sum(np.hanning(length + 1)[:-1] ** 2)  # Parseval, for the Hann window
    power = 2 * (weights[:, None] * spectrum).sum(axis=0) / (window_power * length)
    return np.maximum(10 * np.log10(np.maximum(power, 1e-30)), SILENCE_DB).astype(np.float32)


def cents(f0, reference):
    """The interval from ``reference`` to ``f0`` in cents (100 to a semitone)."""
    return 1200 * np.log2(np.asarray(f0, np.float64) / np.asarray(reference, np.float64))


MU_LAW_LEVELS = 256  # 8-bit mu-law: the original WaveNet's samples


def mu_law_encode(samples, levels=MU_LAW_LEVELS):
    """Samples in [-1, 1] to ``levels`` mu-law levels (ITU-T G.711's companding, as WaveNet).

    ``F(x) = sign(x) ln(1 + mu |x|) / ln(1 + mu)`` with ``mu = levels - 1`` spends the levels
    where the ear is sensitive (quiet sounds) and few on loud ones; then it is quantised.

    Returns:
        int32 array of the same shape, in ``0..levels - 1`` (silence is ``levels // 2``).
    """
    mu = levels - 1
    samples = np.clip(np.asarray(samples, np.float64), -1, 1)
    companded = np.sign(samples) * np.log1p(mu * np.abs(samples)) / np.log1p(mu)
    return np.clip(np.floor((companded + 1) / 2 * mu + 0.5), 0, mu).astype(np.int32)


def mu_law_decode(levels_, levels=MU_LAW_LEVELS):
    """Mu-law levels back to samples in [-1, 1] (the inverse of ``mu_law_encode``).

    Returns:
        float32 array of the same shape.
    """
    mu = levels - 1
    companded = 2 * np.asarray(levels_, np.float64) / mu - 1
    return (np.sign(companded) * np.expm1(np.abs(companded) * np.log1p(mu)) / mu).astype(
        np.float32)


SPECTRAL_SCALES = (2048, 1024, 512, 256, 128, 64)  # FFT sizes: DDSP's multi-scale loss


def multi_scale_spectral_distance(audio, reference, *, scales=SPECTRAL_SCALES, log_weight=1.0):
    """How different two sounds are, spectrally, at several time-frequency resolutions.

    DDSP's multi-scale spectral loss as a measure: for each FFT size, the mean absolute
    difference of the magnitude spectrograms plus ``log_weight`` times that of their logs,
    summed over sizes. It compares timbre and pitch over time, not waveforms: a phase shift
    moves it far less than a semitone does (the log term still hears the leakage of the
    window in near-silent bins).

    Args:
        audio, reference: mono float arrays at the same sample rate (the longer is cut to the
            shorter).

    Returns:
        A float, 0 for identical sounds.
    """
    import librosa

    audio, reference = np.asarray(audio, np.float32), np.asarray(reference, np.float32)
    if audio.ndim != 1 or reference.ndim != 1 or audio.size == 0 or reference.size == 0:
        raise ValueError(f"audio, reference: expected two non-empty mono arrays, got shapes "
                         f"{np.shape(audio)} and {np.shape(reference)}")
    length = min(len(audio), len(reference))
    total = 0.0
    for size in scales:
        spectra = [np.abs(librosa.stft(signal[:length], n_fft=size, hop_length=size // 4))
                   for signal in (audio, reference)]
        total += np.mean(np.abs(spectra[0] - spectra[1]))
        total += log_weight * np.mean(np.abs(np.log(spectra[0] + 1e-7)
                                             - np.log(spectra[1] + 1e-7)))
    return float(total)
