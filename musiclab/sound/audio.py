"""Hear music: MIDI through a General MIDI soundfont, inline in Jupyter.

Backends, tried in this order by ``backend="auto"``:

1. ``sampler``: musiclab's own SoundFont 2 sample player (``musiclab.sound.soundfont``,
   NumPy only), mono, without chorus or reverb; a few milliseconds a melody, so
   sliders answer at once. It plays the TimGM6mb GM soundfont that ships in the
   ``pretty_midi`` wheel, like the next two;
2. ``midirenderer`` (a pip wheel, no system libraries): a full synthesiser with
   chorus and reverb, in stereo at 48 kHz, several times slower;
3. ``fluidsynth``, the command-line synthesiser, when it is installed;
4. ``numpy``: a small additive synthesiser, always available.

Whatever the backend, ``render`` brings the sound to one loudness (``TARGET_LOUDNESS``,
ITU-R BS.1770 integrated loudness measured by ``pyloudnorm``), so a solo melody, a
four-part chorale and a GAN phrase play at the same level and switching widgets never
jumps; a peak that would pass ``PEAK_CEILING`` lowers the whole sound instead of clipping.
"""

import functools
import io
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from musiclab.music import duration_seconds, named_voices, tempo_of
from musiclab.sound.instruments import instrument_program
from musiclab.sound.soundfont import SAMPLE_RATE, load_soundfont

BACKENDS = ("sampler", "midirenderer", "fluidsynth", "numpy")
TARGET_LOUDNESS = -20.0  # LUFS: everything musiclab plays is brought to this loudness
PEAK_CEILING = 10 ** (-1 / 20)  # -1 dBFS: no sample louder, whatever the loudness asks
INLINE_SAMPLE_RATE = 24000
WAV_BLOCK = 2**20  # frames converted to 16 bits at a time


class Audio:
    """Rendered sound.

    Attributes:
        samples: float32 array of shape ``(frames,)`` or ``(frames, channels)`` in [-1, 1].
        sample_rate: frames per second.
        backend: the backend that made it.
        cut_at: ``None``, or the seconds of the whole piece when only its beginning was
            rendered (``render(..., max_seconds=)``).

    In a notebook an ``Audio`` as the last expression of a cell shows a player.
    """

    def __init__(self, samples, sample_rate, backend=""):
        self.samples = np.asarray(samples, dtype=np.float32)
        self.sample_rate = int(sample_rate)
        self.backend = backend
        self.cut_at = None

    @property
    def duration(self):
        """Length in seconds."""
        return len(self.samples) / self.sample_rate

    def rms(self):
        """Root-mean-square level over all samples."""
        return float(np.sqrt(np.mean(np.square(self.samples)))) if self.samples.size else 0.0

    def loudness(self):
        """Integrated loudness (ITU-R BS.1770, LUFS); ``-inf`` for silence.

        Sounds shorter than the standard 400 ms block are measured in one block."""
        import pyloudnorm

        if not self.samples.size or not np.any(self.samples):
            return float("-inf")
        block = min(0.4, len(self.samples) / self.sample_rate)
        meter = pyloudnorm.Meter(self.sample_rate, block_size=block)
        return float(meter.integrated_loudness(self.samples.astype(np.float64)))

    def normalized(self, target=TARGET_LOUDNESS, *, ceiling=PEAK_CEILING):
        """A copy at ``target`` LUFS, lowered if needed so no sample passes ``ceiling``.

        Silence, and sounds too short to measure (under 10 ms), come back unchanged.
        """
        copy = Audio(self.samples, self.sample_rate, self.backend)
        copy.cut_at = self.cut_at
        if len(self.samples) < self.sample_rate // 100:
            return copy
        level = self.loudness()
        if not np.isfinite(level):
            return copy
        gain = 10 ** ((target - level) / 20)
        peak = float(np.abs(self.samples).max())
        gain = min(gain, ceiling / peak)
        copy.samples = (self.samples * np.float32(gain)).astype(np.float32)
        return copy

    def mono(self):
        """A one-channel copy."""
        samples = self.samples.mean(axis=1) if self.samples.ndim == 2 else self.samples
        return Audio(samples, self.sample_rate, self.backend)

    def resampled(self, sample_rate):
        """A copy at ``sample_rate`` (linear interpolation)."""
        if sample_rate == self.sample_rate:
            return Audio(self.samples, self.sample_rate, self.backend)
        factor = self.sample_rate // sample_rate
        if factor * sample_rate == self.sample_rate:  # whole-number ratio: average blocks
            frames = len(self.samples) // factor
            shape = (frames, factor, *self.samples.shape[1:])
            blocks = self.samples[: frames * factor].reshape(shape)
            return Audio(blocks.mean(axis=1), sample_rate, self.backend)
        frames = int(round(len(self.samples) * sample_rate / self.sample_rate))
        old = np.arange(len(self.samples)) / self.sample_rate
        new = np.arange(frames) / sample_rate
        if self.samples.ndim == 1:
            samples = np.interp(new, old, self.samples)
        else:
            samples = np.stack([np.interp(new, old, c) for c in self.samples.T], axis=1)
        return Audio(samples, sample_rate, self.backend)

    def to_wav_bytes(self):
        """16-bit PCM WAV file contents (converted a block at a time, so a long sound needs
        little memory besides the file itself)."""
        channels = 1 if self.samples.ndim == 1 else self.samples.shape[1]
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as writer:
            writer.setnchannels(channels)
            writer.setsampwidth(2)
            writer.setframerate(self.sample_rate)
            for start in range(0, len(self.samples), WAV_BLOCK):
                block = np.clip(self.samples[start:start + WAV_BLOCK], -1, 1) * 32767
                writer.writeframes(block.astype("<i2").tobytes())
        return buffer.getvalue()

    def inline(self, sample_rate=INLINE_SAMPLE_RATE):
        """WAV bytes small enough for a notebook: mono at ``sample_rate``."""
        return self.mono().resampled(sample_rate).to_wav_bytes()

    def player(self):
        """An ``IPython.display.Audio`` player for this sound."""
        from IPython.display import Audio as IPythonAudio

        return IPythonAudio(data=self.inline())

    def _repr_html_(self):
        return self.player()._repr_html_()

    def __repr__(self):
        return f"<Audio {self.duration:.2f} s, {self.sample_rate} Hz, {self.backend}>"


def read_wav(data):
    """Decode 16-bit PCM WAV bytes into an ``Audio``."""
    with wave.open(io.BytesIO(data)) as reader:
        channels, rate = reader.getnchannels(), reader.getframerate()
        if reader.getsampwidth() != 2:
            raise ValueError(f"data: only 16-bit WAV is supported, got {reader.getsampwidth()}")
        frames = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    samples = frames.astype(np.float32) / 32768.0
    return Audio(samples.reshape(-1, channels) if channels > 1 else samples, rate)


def default_soundfont():
    """The TimGM6mb General MIDI soundfont shipped in the ``pretty_midi`` wheel."""
    import pretty_midi

    return Path(pretty_midi.__file__).resolve().parent / "TimGM6mb.sf2"


@functools.lru_cache(maxsize=4)
def _soundfont_bytes(path):
    return Path(path).read_bytes()


def to_pretty_midi(music, *, instrument="piano", tempo=None, steps_per_quarter=4, velocity=90):
    """Build a ``pretty_midi.PrettyMIDI`` from any accepted musical value.

    Args:
        music: a music21 stream, melody tokens, a piano roll or an SATB grid.
        instrument: GM name or program; or a list, one per voice.
        tempo: quarter notes per minute (default: the stream's mark, else 120).
        steps_per_quarter: resolution of array inputs.
        velocity: MIDI velocity of every note (1..127).

    Returns:
        A ``pretty_midi.PrettyMIDI`` with one instrument per voice.
    """
    import pretty_midi

    tempo = tempo_of(music) if tempo is None else float(tempo)
    if not 10 <= tempo <= 400:
        raise ValueError(f"tempo: must be 10..400 quarter notes per minute, got {tempo}")
    seconds = 60.0 / tempo
    parts = named_voices(music, steps_per_quarter)
    instruments = instrument if isinstance(instrument, (list, tuple)) else [instrument] * len(parts)
    if len(instruments) < len(parts):
        raise ValueError(f"instrument: {len(instruments)} given for {len(parts)} voices")
    midi = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    for (voice, notes), name in zip(parts, instruments):
        track = pretty_midi.Instrument(program=instrument_program(name), name=voice)
        for onset, length, pitch in notes:
            if 0 <= pitch <= 127:
                track.notes.append(pretty_midi.Note(int(velocity), int(pitch), onset * seconds,
                                                    (onset + length) * seconds))
        midi.instruments.append(track)
    return midi


def to_midi_bytes(music, **options):
    """Standard MIDI file contents of ``music`` (options as for ``to_pretty_midi``)."""
    buffer = io.BytesIO()
    to_pretty_midi(music, **options).write(buffer)
    return buffer.getvalue()


def _render_midirenderer(midi_bytes, soundfont):
    import midirenderer

    return read_wav(midirenderer.render_wave_from(_soundfont_bytes(str(soundfont)), midi_bytes))


def _render_fluidsynth(midi_bytes, soundfont, sample_rate=44100):
    executable = shutil.which("fluidsynth")
    if executable is None:
        raise RuntimeError("fluidsynth is not installed")
    with tempfile.TemporaryDirectory() as folder:
        midi_path, wav_path = Path(folder) / "in.mid", Path(folder) / "out.wav"
        midi_path.write_bytes(midi_bytes)
        subprocess.run([executable, "-ni", "-g", "0.6", "-r", str(sample_rate), "-F",
                        str(wav_path), str(soundfont), str(midi_path)],
                       check=True, capture_output=True, timeout=120)
        return read_wav(wav_path.read_bytes())


def synthesize(midi, sample_rate=INLINE_SAMPLE_RATE, release=0.3):
    """The pure-NumPy fallback: additive synthesis with a few harmonics per note.

    Args:
        midi: a ``pretty_midi.PrettyMIDI``.
        sample_rate: output rate.
        release: seconds of fade after each note ends.

    Returns:
        A mono ``Audio``.
    """
    end = midi.get_end_time() + release
    output = np.zeros(int(end * sample_rate) + 1, dtype=np.float32)
    for track in midi.instruments:
        plucked = 24 <= track.program <= 39 or 104 <= track.program <= 108 or track.program < 16
        weights = (1.0, 0.5, 0.25, 0.12) if plucked else (1.0, 0.35, 0.2, 0.1)
        for note in track.notes:
            start = int(note.start * sample_rate)
            length = int((note.end - note.start + release) * sample_rate)
            time = np.arange(length) / sample_rate
            frequency = 440.0 * 2 ** ((note.pitch - 69) / 12)
            wave_ = sum(w * np.sin(2 * np.pi * frequency * (h + 1) * time)
                        for h, w in enumerate(weights))
            held = note.end - note.start
            envelope = np.minimum(1.0, time / 0.01)
            envelope *= np.exp(-3.0 * time) if plucked else 1.0
            envelope *= np.clip(1.0 - (time - held) / release, 0.0, 1.0)
            segment = (note.velocity / 127.0) * 0.2 * wave_ * envelope
            output[start:start + length] += segment[: len(output) - start]
    peak = np.abs(output).max()
    if peak > 1.0:
        output /= peak
    return Audio(output, sample_rate, "numpy")


def render_note(instrument, pitch, *, velocity=90, seconds=1.0, held=0.75,
                sample_rate=SAMPLE_RATE, peak=0.8):
    """One note of a soundfont instrument, mono, at a fixed length and peak.

    Args:
        instrument: GM name or program; pitch: MIDI pitch; velocity: 1..127.
        seconds: the length returned (the release tail is cut or padded to it).
        held: seconds the key is held.
        sample_rate: output rate.
        peak: the largest sample after scaling (silence stays silence).

    Returns:
        float32 ``(round(seconds * sample_rate),)``.
    """
    import pretty_midi

    if not 0 <= int(pitch) <= 127 or not 1 <= int(velocity) <= 127:
        raise ValueError(f"pitch, velocity: must be MIDI values, got {pitch}, {velocity}")
    midi = pretty_midi.PrettyMIDI()
    track = pretty_midi.Instrument(program=instrument_program(instrument))
    track.notes.append(pretty_midi.Note(int(velocity), int(pitch), 0.0, float(held)))
    midi.instruments.append(track)
    samples = load_soundfont(str(default_soundfont())).render(midi, sample_rate=sample_rate)
    length = int(round(seconds * sample_rate))
    samples = np.pad(samples[:length], (0, max(0, length - len(samples))))
    largest = float(np.abs(samples).max())
    return (samples * (peak / largest) if largest > 0 else samples).astype(np.float32)


def available_backends():
    """The backends that can run here, in the order ``auto`` tries them."""
    found = ["sampler"]
    try:
        import midirenderer  # noqa: F401

        found.append("midirenderer")
    except ImportError:
        pass
    if shutil.which("fluidsynth"):
        found.append("fluidsynth")
    found.append("numpy")
    return found


def render(music, *, instrument="piano", tempo=None, backend="auto", soundfont=None,
           steps_per_quarter=4, max_seconds=None, loudness=TARGET_LOUDNESS):
    """Render music to sound through a General MIDI soundfont.

    Args:
        music: a music21 stream, melody tokens, a piano roll or an SATB grid.
        instrument: GM name (``"violin"``) or program, or one per voice.
        tempo: quarter notes per minute (default: the stream's mark, else 120).
        backend: ``"auto"``, ``"sampler"``, ``"midirenderer"``, ``"fluidsynth"`` or ``"numpy"``.
        soundfont: a ``.sf2`` file (default: TimGM6mb from ``pretty_midi``).
        steps_per_quarter: resolution of array inputs.
        max_seconds: optional: play only the beginning, this long (``Audio.cut_at`` then
            holds the length of the whole piece).
        loudness: the integrated loudness in LUFS to bring the sound to (default
            ``TARGET_LOUDNESS``, the same for everything musiclab plays); ``None``
            keeps the backend's own level.

    Returns:
        An ``Audio`` (24 kHz mono from the sampler, 48 kHz stereo from midirenderer).
    """
    if backend != "auto" and backend not in BACKENDS:
        raise ValueError(f"backend: unknown {backend!r}; use auto or one of {', '.join(BACKENDS)}")
    soundfont = Path(soundfont) if soundfont else default_soundfont()
    if not soundfont.is_file():
        raise ValueError(f"soundfont: no such file {soundfont}")
    midi = to_pretty_midi(music, instrument=instrument, tempo=tempo,
                          steps_per_quarter=steps_per_quarter)
    seconds = whole = duration_seconds(music, tempo, steps_per_quarter)
    if max_seconds is not None and seconds > max_seconds:
        seconds = max_seconds
        for track in midi.instruments:
            track.notes = [note for note in track.notes if note.start < max_seconds]
            for note in track.notes:
                note.end = min(note.end, max_seconds)
    audio = _render(midi, soundfont, backend, seconds)
    if loudness is not None:
        audio = audio.normalized(loudness)
    audio.cut_at = whole if seconds < whole else None
    return audio


def _render(midi, soundfont, backend, seconds):
    order = available_backends() if backend == "auto" else [backend]
    errors = []
    for name in order:
        try:
            if name == "numpy":
                return _pad(synthesize(midi), seconds)
            if name == "sampler":

                samples = load_soundfont(str(soundfont)).render(midi)
                return _pad(Audio(samples, SAMPLE_RATE, "sampler"), seconds)
            buffer = io.BytesIO()
            midi.write(buffer)
            renderer = _render_midirenderer if name == "midirenderer" else _render_fluidsynth
            audio = renderer(buffer.getvalue(), soundfont)
            audio.backend = name
            return _pad(audio, seconds)
        except Exception as error:  # fall through to the next backend
            errors.append(f"{name}: {error}")
    raise RuntimeError("no audio backend could render: " + "; ".join(errors))


def _pad(audio, seconds):
    """Extend ``audio`` with silence to ``seconds`` (music that ends in rests)."""
    frames = int(round(seconds * audio.sample_rate)) - len(audio.samples)
    if frames > 0:
        shape = (frames,) + audio.samples.shape[1:]
        audio.samples = np.concatenate([audio.samples, np.zeros(shape, np.float32)])
    return audio


def play(music, **options):
    """Render ``music`` and return an inline player (options as for ``render``)."""
    return render(music, **options).player()
