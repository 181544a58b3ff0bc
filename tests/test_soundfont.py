"""The NumPy SoundFont 2 player behind the ``sampler`` audio backend."""

import io

import numpy as np
import pretty_midi
import pytest

from musiclab.data.melody import HOLD, pitch_to_token
from musiclab.sound import audio, soundfont


def _midi(pitches, seconds=0.5, program=0, velocity=90):
    midi = pretty_midi.PrettyMIDI(initial_tempo=120)
    track = pretty_midi.Instrument(program=program)
    for index, pitch in enumerate(pitches):
        track.notes.append(pretty_midi.Note(velocity, pitch, index * seconds,
                                            (index + 0.9) * seconds))
    midi.instruments.append(track)
    return midi


@pytest.fixture(scope="module")
def font():
    return soundfont.SoundFont(audio.default_soundfont())


def _loudness(samples, rate, hop=0.05):
    size = int(rate * hop)
    blocks = len(samples) // size
    return np.sqrt(np.mean(samples[: blocks * size].reshape(blocks, size) ** 2, axis=1))


@pytest.mark.parametrize("program", [0, 40, 73])
def test_a_key_sounds_at_its_pitch(font, program):
    sound = font.render(_midi([69], seconds=1.0, program=program))
    spectrum = np.abs(np.fft.rfft(sound[: soundfont.SAMPLE_RATE]))
    peak = np.fft.rfftfreq(soundfont.SAMPLE_RATE, 1 / soundfont.SAMPLE_RATE)[spectrum.argmax()]
    assert abs(peak - 440.0) < 6.0


def test_loudness_over_time_follows_the_full_synthesiser(font):
    """The envelopes agree with midirenderer playing the same soundfont."""
    midi = _midi([60, 64, 67, 72, 48, 55, 79, 84])
    buffer = io.BytesIO()
    midi.write(buffer)
    reference = audio._render_midirenderer(buffer.getvalue(), audio.default_soundfont()).mono()
    ours = _loudness(font.render(midi), soundfont.SAMPLE_RATE)
    theirs = _loudness(reference.samples, reference.sample_rate)
    length = min(len(ours), len(theirs))
    assert np.corrcoef(ours[:length], theirs[:length])[0, 1] > 0.9
    assert 0.5 < ours[:length].mean() / theirs[:length].mean() < 2.0


def test_release_tail_and_silence_between_notes(font):
    sound = font.render(_midi([60, 62], seconds=1.0))
    rate = soundfont.SAMPLE_RATE
    assert len(sound) > 1.9 * rate  # the second note's release follows its key release
    loudness = _loudness(sound, rate)
    assert loudness[-1] < 0.05 * loudness.max()  # the tail fades out
    louder = font.render(_midi([60], velocity=120))
    softer = font.render(_midi([60], velocity=40))
    assert np.abs(louder).max() > 3 * np.abs(softer).max()


def test_repeated_keys_come_from_the_cache(font, monkeypatch):
    first = font.key_sound(0, 0, 61, 90, 0.25)
    calls = []
    monkeypatch.setattr(font, "note", lambda *arguments: calls.append(arguments)
                        or np.zeros(4, np.float32))
    assert font.key_sound(0, 0, 61, 90, 0.25) is first and not calls
    monkeypatch.setattr(soundfont, "CACHE_BYTES", 0)
    font.key_sound(0, 0, 62, 90, 0.25)
    assert len(font._cache) == 1  # the cache never grows past its budget
    font.clear_cache()
    assert not font._cache and font._cached_bytes == 0


def test_the_sampler_is_the_first_audio_backend():
    melody = np.full(16, HOLD, np.int16)
    melody[::4] = [pitch_to_token(pitch) for pitch in (60, 64, 67, 72)]
    sound = audio.render(melody, tempo=120)
    assert sound.backend == "sampler" and sound.sample_rate == audio.INLINE_SAMPLE_RATE
    assert sound.samples.ndim == 1 and sound.duration >= 1.0 and sound.rms() > 0.005


@pytest.mark.parametrize("content, message", [
    (b"", "not a SoundFont 2 file"),
    (b"RIFF\x04\x00\x00\x00WAVE", "not a SoundFont 2 file"),
    (b"RIFF\x20\x00\x00\x00sfbkLIST\x40\x00\x00\x00sdta", "truncated RIFF chunk"),
    (b"RIFF\x04\x00\x00\x00sfbk", "no sample or preset data"),
])
def test_damaged_or_foreign_files_are_refused_by_name(tmp_path, content, message):
    path = tmp_path / "broken.sf2"
    path.write_bytes(content)
    with pytest.raises(soundfont.SoundFontError, match=f"broken.sf2: {message}"):
        soundfont.SoundFont(path)
    with pytest.raises(soundfont.SoundFontError, match="missing.sf2: cannot read"):
        soundfont.SoundFont(tmp_path / "missing.sf2")


def test_rendering_memory_follows_the_output_not_the_notes_sounding_at_once():
    import tracemalloc

    import pretty_midi

    midi = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(program=0)
    rng = np.random.default_rng(0)
    for _ in range(3000):  # 3,000 notes at once, 2 s each
        piano.notes.append(pretty_midi.Note(velocity=int(rng.integers(40, 110)),
                                            pitch=int(rng.integers(36, 96)), start=0.0, end=2.0))
    midi.instruments.append(piano)
    font = soundfont.load_soundfont(audio.default_soundfont())
    tracemalloc.start()
    try:
        sound = font.render(midi)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    held_at_once = 3000 * 2.0 * soundfont.SAMPLE_RATE * 4  # what holding every note costs
    assert len(sound) >= 2.0 * soundfont.SAMPLE_RATE and np.abs(sound).max() <= 1.0
    assert peak < soundfont.CACHE_BYTES + 20 * 2**20 < held_at_once / 4
