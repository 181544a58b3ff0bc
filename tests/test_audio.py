import io
import wave

import numpy as np
import pytest

from musiclab.data.melody import HOLD, pitch_to_token, transpose_tokens
from musiclab.sound import audio
from musiclab.sound.instruments import instrument_program


def scale_tokens(quarters=8):
    tokens = np.full(quarters * 4, HOLD, np.int16)
    tokens[::4] = [pitch_to_token(60 + step) for step in range(quarters)]
    return tokens


@pytest.mark.parametrize("backend", ["sampler", "midirenderer", "numpy"])
def test_render_is_audible_and_the_right_length(backend):
    sound = audio.render(scale_tokens(8), instrument="violin", tempo=120, backend=backend)
    assert sound.backend == backend
    assert 3.9 <= sound.duration <= 5.0  # 8 quarters at 120 = 4 s, plus a release tail
    assert sound.rms() > 0.005
    first_second = sound.mono().samples[: sound.sample_rate]
    assert np.sqrt(np.mean(first_second**2)) > 0.005


def test_auto_prefers_the_soundfont():
    assert audio.render(scale_tokens(2)).backend == "sampler"
    assert audio.available_backends()[:2] == ["sampler", "midirenderer"]


def test_tempo_changes_length():
    slow = audio.render(scale_tokens(8), tempo=60, backend="numpy")
    fast = audio.render(scale_tokens(8), tempo=240, backend="numpy")
    assert slow.duration > 3 * fast.duration


def test_instruments_sound_different():
    piano = audio.render(scale_tokens(4), instrument="piano").mono().samples
    flute = audio.render(scale_tokens(4), instrument="flute").mono().samples
    length = min(len(piano), len(flute))
    assert not np.allclose(piano[:length], flute[:length], atol=1e-3)


def test_wav_bytes_and_inline_player():
    sound = audio.render(scale_tokens(4))
    with wave.open(io.BytesIO(sound.to_wav_bytes())) as reader:
        assert reader.getframerate() == sound.sample_rate
        assert reader.getnframes() == len(sound.samples)
    inline = audio.read_wav(sound.inline())
    assert inline.sample_rate == audio.INLINE_SAMPLE_RATE and inline.samples.ndim == 1
    assert abs(inline.duration - sound.duration) < 0.01
    assert "<audio" in sound._repr_html_()


def test_multi_voice_gets_one_track_per_voice():
    grid = np.stack([transpose_tokens(scale_tokens(4), -offset) for offset in (0, 4, 9, 16)],
                    axis=1)
    midi = audio.to_pretty_midi(grid, instrument=["flute", "violin", "viola", "cello"])
    assert [track.program for track in midi.instruments] == [73, 40, 41, 42]
    assert all(len(track.notes) == 4 for track in midi.instruments)


def test_fluidsynth_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="fluidsynth is not installed"):
        audio.render(scale_tokens(2), backend="fluidsynth")


def test_argument_errors():
    with pytest.raises(ValueError, match="instrument: unknown 'kazoo'"):
        audio.render(scale_tokens(2), instrument="kazoo")
    with pytest.raises(ValueError, match="backend: unknown"):
        audio.render(scale_tokens(2), backend="speaker")
    with pytest.raises(ValueError, match="tempo: must be"):
        audio.render(scale_tokens(2), tempo=0)
    with pytest.raises(ValueError, match="music: expected"):
        audio.render(np.zeros((3, 3, 3)))
    assert instrument_program("Violin") == 40 and instrument_program(41) == 41


def test_trailing_rests_and_silent_melodies_keep_their_length():
    tokens = np.concatenate([scale_tokens(2), np.full(16, HOLD, np.int16)])
    tokens[8] = 0  # note off: the last 4 quarters are a rest
    assert abs(audio.render(tokens, tempo=120).duration - 3.0) < 0.05
    silent = np.array([0] + [HOLD] * 15, np.int16)
    sound = audio.render(silent, tempo=120)
    assert abs(sound.duration - 2.0) < 0.05 and sound.rms() == 0.0


def test_everything_plays_at_one_loudness_without_clipping(bundled):
    from musiclab.sound.audio import PEAK_CEILING, TARGET_LOUDNESS, Audio, render

    melody = bundled.stream(bundled.index_of("essen/han1.abc#1"))
    chorale = bundled.satb_stream(0)
    dense = np.zeros((64, 88, 4), bool)  # a block of many keys at once, as an untrained GAN
    dense[:, 20:70:3] = True
    levels = {}
    for name, music, options in [("melody", melody, {}), ("chorale", chorale, {}),
                                 ("dense", dense[..., 0], {}),
                                 ("flute", melody, {"instrument": "flute"})]:
        sound = render(music, **options)
        levels[name] = sound.loudness()
        assert np.abs(sound.samples).max() <= PEAK_CEILING + 1e-6, name
    quiet = [name for name, level in levels.items() if abs(level - TARGET_LOUDNESS) > 1.0]
    # a sound can only be quieter than the target when its peaks would pass the ceiling
    for name in quiet:
        assert levels[name] < TARGET_LOUDNESS, (name, levels[name])
    assert not set(quiet) & {"melody", "chorale", "flute"}, levels
    raw = render(melody, loudness=None)
    assert abs(raw.loudness() - TARGET_LOUDNESS) > 3.0  # the backend's own level differs
    silence = Audio(np.zeros(24000, np.float32), 24000)
    assert silence.normalized().rms() == 0.0 and silence.loudness() == float("-inf")
    assert abs(render(melody, loudness=-30.0).loudness() + 30.0) < 0.5
