"""The timbre family: the differentiable synthesiser, training data, conversion, its command,
and the WaveNet on raw audio."""

import datetime
import subprocess
import sys
import wave

import numpy as np
import pytest
import soundfile
from keras import ops

from musiclab.cli import main
from musiclab.nn.config import read_config
from musiclab.sound.features import (
    cents,
    fundamental_frequency,
    mu_law_decode,
    mu_law_encode,
    multi_scale_spectral_distance,
    read_audio,
)
from musiclab.timbre import convert as conversion
from musiclab.timbre.data import analyse, fill_unvoiced, folder_clips, in_range
from musiclab.timbre.model import TimbreConfig
from musiclab.timbre.synth import (
    HOP,
    SAMPLE_RATE,
    filtered_noise,
    harmonic_distribution,
    harmonic_synth,
    spectral_loss,
    upsample,
)

RATE = SAMPLE_RATE
FRAMES = 100  # one second


def peak_frequency(samples):
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return np.fft.rfftfreq(len(samples), 1 / RATE)[spectrum.argmax()]


def tone(f0, harmonic, *, frames=FRAMES, harmonics=8):
    weights = np.full((1, frames, harmonics), 1e-6, np.float32)
    weights[..., harmonic - 1] = 1.0
    pitch = np.full((1, frames), f0, np.float32)
    distribution = harmonic_distribution(ops.convert_to_tensor(weights),
                                         ops.convert_to_tensor(pitch))
    return np.asarray(harmonic_synth(pitch, np.ones((1, frames), np.float32), distribution))[0]


def test_upsampling_interpolates_linearly_between_frames():
    frames = np.array([[[0.0], [1.0], [3.0]]], np.float32)
    samples = np.asarray(upsample(ops.convert_to_tensor(frames), 4))[0, :, 0]
    assert np.allclose(samples, [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3, 3, 3])


@pytest.mark.parametrize("f0, harmonic", [(220.0, 1), (220.0, 3), (440.0, 2)])
def test_the_harmonic_synth_plays_the_harmonic_it_is_told(f0, harmonic):
    samples = tone(f0, harmonic)
    assert samples.shape == (FRAMES * HOP,)
    assert abs(peak_frequency(samples) - f0 * harmonic) < 2
    assert np.sqrt(np.mean(samples ** 2)) == pytest.approx(1 / np.sqrt(2), rel=0.02)


def test_harmonics_above_nyquist_are_silenced_and_the_rest_renormalised():
    weights = ops.convert_to_tensor(np.ones((1, 2, 4), np.float32))
    f0 = ops.convert_to_tensor(np.full((1, 2), 3000.0, np.float32))  # 9 and 12 kHz are gone
    distribution = np.asarray(harmonic_distribution(weights, f0))[0, 0]
    assert np.allclose(distribution, [0.5, 0.5, 0, 0], atol=1e-6)


def test_a_sound_made_in_parts_joins_without_a_seam(monkeypatch):
    f0 = np.linspace(200, 400, 250).astype(np.float32)
    raw = np.full((250, 1 + 8 + 4), -30.0, np.float32)  # noise off
    raw[:, 0], raw[:, 1] = 10.0, 10.0  # full amplitude, all of it on the fundamental
    monkeypatch.setattr(conversion, "PART_FRAMES", 70)
    parts = conversion.synthesize(f0, raw, 8)
    following = np.append(f0[1:], f0[-1])  # the same sine in float64, in one piece
    weight = np.arange(HOP) / HOP
    exact = (f0[:, None] * (1 - weight) + following[:, None] * weight).ravel()
    phase = np.cumsum(2 * np.pi * exact.astype(np.float64) / RATE)
    reference = 2.0 * np.sin(phase)
    assert np.max(np.abs(parts - reference)) < 0.01


def test_filtered_noise_puts_its_power_in_the_bands_asked_for():
    gains = np.zeros((1, FRAMES, 8), np.float32)
    gains[..., 2] = 1.0  # the third of eight bands of 0-8 kHz: 2-3 kHz
    noise = np.asarray(filtered_noise(ops.convert_to_tensor(gains)))[0]
    spectrum = np.abs(np.fft.rfft(noise)) ** 2
    frequencies = np.fft.rfftfreq(len(noise), 1 / RATE)
    inside = spectrum[(frequencies > 1990) & (frequencies < 3010)].sum()
    assert inside / spectrum.sum() > 0.95
    again = np.asarray(filtered_noise(ops.convert_to_tensor(gains)))[0]
    assert np.array_equal(noise, again)  # the same controls make the same sound


def test_the_training_loss_agrees_with_the_measure():
    low, high = tone(220.0, 1), tone(233.1, 1)
    batch = np.stack([low, low])
    loss = np.asarray(spectral_loss(ops.convert_to_tensor(batch),
                                    ops.convert_to_tensor(np.stack([low, high]))))
    assert loss[0] == pytest.approx(0, abs=1e-4) and loss[1] > 1
    assert multi_scale_spectral_distance(low, low) == 0
    assert multi_scale_spectral_distance(high, low) > 1


def test_unvoiced_frames_hold_the_pitch_before_them():
    filled = fill_unvoiced(np.array([np.nan, 220, np.nan, np.nan, 330, np.nan], np.float32))
    assert np.allclose(filled, [220, 220, 220, 220, 330, 330])
    with pytest.raises(ValueError, match="no pitched frames"):
        fill_unvoiced(np.full(4, np.nan))


def test_melodies_move_by_octaves_into_the_instruments_range():
    low_melody = np.array([2 + 43 - 21, 1, 2 + 50 - 21, 0])  # G2 and D3: below the violin
    moved = in_range(low_melody, "violin")
    assert list(moved - low_melody) == [12, 0, 12, 0]


def write_wav(path, samples, rate=RATE, channels=1):
    data = np.asarray(samples, np.float32)
    soundfile.write(str(path), np.stack([data] * channels, 1) if channels > 1 else data, rate,
                    subtype="PCM_16")
    return path


def sine(frequency, seconds, rate=RATE, level=0.3):
    return level * np.sin(2 * np.pi * frequency * np.arange(int(seconds * rate)) / rate)


def test_a_folder_of_recordings_skips_and_names_every_file_it_cannot_use(tmp_path):
    write_wav(tmp_path / "good.wav", sine(330, 2))
    write_wav(tmp_path / "stereo_44k.wav", sine(440, 2, 44100), 44100, channels=2)
    write_wav(tmp_path / "silent.wav", np.zeros(RATE))
    write_wav(tmp_path / "hiss.wav", np.random.default_rng(0).normal(0, 0.2, RATE))
    (tmp_path / "notes.wav").write_text("not audio at all")
    clips, skipped = folder_clips(tmp_path)
    assert sorted(clip.name.rsplit("/", 1)[-1] for clip in clips) == ["good.wav",
                                                                      "stereo_44k.wav"]
    assert np.median(clips[1].f0) == pytest.approx(440, rel=0.01)  # resampled, mixed down
    lines = "\n".join(skipped)
    assert len(skipped) == 3
    assert "silent.wav: silent" in lines and "hiss.wav: no pitched content" in lines
    assert "notes.wav: not an audio file" in lines
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="empty: no usable recordings"):
        folder_clips(empty)


def test_a_two_hour_file_is_refused_from_its_header(tmp_path):
    path = write_wav(tmp_path / "long.wav", np.zeros(8000), 8000)
    with open(path, "r+b") as handle:  # a header saying two hours, its samples sparse
        size = 2 * 3600 * 8000 * 2
        handle.seek(4)
        handle.write((36 + size).to_bytes(4, "little"))
        handle.seek(40)
        handle.write(size.to_bytes(4, "little"))
        handle.truncate(44 + size)
    with pytest.raises(ValueError, match="long.wav: 120 minutes is longer than the 10 minutes"):
        read_audio(path, RATE)


def test_mu_law_round_trip_keeps_quiet_sounds_finely():
    quiet = np.linspace(-0.01, 0.01, 101)
    levels = mu_law_encode(quiet)
    assert levels.min() >= 0 and levels.max() <= 255 and mu_law_encode(0.0) == 128
    assert len(np.unique(levels)) > 20  # a tenth of a percent of full scale still has levels
    assert np.max(np.abs(mu_law_decode(levels) - quiet)) < 0.0005
    loud = np.linspace(0.5, 1, 11)
    assert np.max(np.abs(mu_law_decode(mu_law_encode(loud)) - loud)) < 0.02


@pytest.fixture(scope="module")
def violin():
    from musiclab.nn.publish import load_shipped

    return load_shipped("timbre_violin")


@pytest.fixture(scope="module")
def held_out_tune():
    from musiclab.timbre.train import held_out_pairs

    return held_out_pairs("violin", tunes=1, seconds=8.0)[0]


def test_the_shipped_violin_converts_a_held_out_piano_tune(violin, held_out_tune):
    from musiclab.timbre.train import pitch_kept

    _, piano, reference = held_out_tune
    converted = conversion.convert(violin, piano)
    assert converted.sample_rate == RATE and abs(len(converted.samples) - len(piano)) < HOP
    baseline = conversion.fixed_spectrum(piano).samples
    learned = multi_scale_spectral_distance(converted.samples, reference)
    assert learned < multi_scale_spectral_distance(piano, reference)
    assert learned < multi_scale_spectral_distance(baseline, reference)
    assert pitch_kept(converted.samples, piano) >= 0.9
    again = conversion.convert(violin, piano)
    assert np.array_equal(again.samples, converted.samples)  # same input, same sound


def test_octaves_move_the_pitch_and_loudness_moves_the_level(violin, held_out_tune):
    _, piano, _ = held_out_tune
    source, _ = fundamental_frequency(piano, RATE)
    up = conversion.convert(violin, piano, octaves=1)
    moved, _ = fundamental_frequency(up.samples, RATE)
    both = ~np.isnan(source) & ~np.isnan(moved[:len(source)])
    assert np.median(cents(moved[:len(source)][both], source[both])) == pytest.approx(1200,
                                                                                      abs=30)
    levels = np.linspace(-40, -20, 21)
    clip = conversion.prepare(piano, loudness_db=-6.0, loudness_quantiles=levels)
    voiced = clip.loudness[clip.voiced]
    assert np.quantile(voiced, [0, 0.5, 1]) == pytest.approx([-46, -36, -26], abs=0.3)
    assert np.all(clip.loudness[~clip.voiced] <= -26 - 20 + 1e-3)  # no pitch: 20 dB quieter
    kept = conversion.prepare(piano)
    assert np.array_equal(kept.loudness, analyse(piano, "piano").loudness)


@pytest.mark.parametrize("samples, message", [
    (np.zeros(RATE), "audio: silent"),
    (np.random.default_rng(1).normal(0, 0.2, RATE), "audio: no pitched content"),
    (np.zeros((RATE, 2)), "expected mono samples"),
])
def test_conversion_refuses_what_it_cannot_play_in_one_line(violin, samples, message):
    with pytest.raises(ValueError, match=message) as caught:
        conversion.convert(violin, samples)
    assert "\n" not in str(caught.value)


def test_conversion_settings_out_of_range_are_named(violin):
    with pytest.raises(ValueError, match="octaves: must be a whole number in -3..3"):
        conversion.convert(violin, sine(440, 1), octaves=4)
    with pytest.raises(ValueError, match="loudness_db: must be within"):
        conversion.convert(violin, sine(440, 1), loudness_db=float("nan"))


def test_any_rate_is_resampled_before_analysis():
    clip = analyse(conversion.resampled(sine(440, 1, 44100), 44100), "tone")
    assert np.median(clip.f0) == pytest.approx(440, rel=0.005)


def run(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_convert_command_writes_the_instrument(capsys, tmp_path, held_out_tune):
    source = write_wav(tmp_path / "piano.wav", held_out_tune[1])
    out = tmp_path / "out" / "violin.wav"
    status, text, err = run(capsys, "convert", str(source), "--to", "violin", "--out", str(out),
                            "--octaves", "0", "--loudness", "-3")
    assert status == 0, err
    assert "wrote" in text
    with wave.open(str(out)) as reader:
        assert reader.getframerate() == RATE
        assert abs(reader.getnframes() - len(held_out_tune[1])) < HOP


@pytest.mark.parametrize("make, argv, message", [
    (lambda p: p.write_text("hello"), [], "not an audio file"),
    (lambda p: write_wav(p, np.zeros(RATE)), [], "silent"),
    (lambda p: write_wav(p, sine(440, 1)), ["--to", "theremin"], "no shipped instrument"),
    (lambda p: write_wav(p, sine(440, 1)), ["--octaves", "9"], "octaves: must be"),
    (lambda p: write_wav(p, sine(440, 1)), ["--out", "x.mp3"], "--out must be a .wav file"),
])
def test_convert_command_errors_are_one_line(tmp_path, make, argv, message):
    source = tmp_path / "in.wav"
    make(source)
    options = {"--to": "violin", "--out": str(tmp_path / "o.wav")}
    for name, value in zip(argv[::2], argv[1::2]):
        options[name] = value
    result = subprocess.run([sys.executable, "-m", "musiclab", "convert", str(source),
                             *[item for pair in options.items() for item in pair]],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_the_wavenet_audio_head_trains_scores_and_samples(tmp_path):
    from musiclab.timbre.raw_audio import generate_note, train_raw_wavenet
    from musiclab.wavenet.training import held_out

    model, state = train_raw_wavenet(["flute"], steps=4, folder=tmp_path / "raw", smoke=True,
                                     batch_size=2, checkpoint_every=2, progress=False)
    assert len(state["history"]) == 2 and state["history"][-1]["valid_loss"] < 6
    card = held_out(model)
    assert card["held_out"]["steps"] == 2 * 8000 and card["data"]["velocity"] == 100
    audio, speed = generate_note(model, "flute", 55, seconds=0.05, seed=3)
    again, _ = generate_note(model, "flute", 55, seconds=0.05, seed=3, method="naive")
    assert audio.sample_rate == 8000 and len(audio.samples) == 400
    assert np.array_equal(audio.samples, again.samples)  # cached and naive: same samples
    assert speed["samples"] == 400 and speed["real_time"] == pytest.approx(
        speed["samples_per_second"] / 8000)
    with pytest.raises(ValueError, match="knows no 'flute 56'"):
        generate_note(model, "flute", 56)


def test_the_audio_head_needs_a_sample_rate():
    from musiclab.wavenet.model import WaveNetConfig

    with pytest.raises(ValueError, match="sample_rate: the audio head needs one"):
        WaveNetConfig(head="audio")
    with pytest.raises(ValueError, match="sample_rate"):
        WaveNetConfig(head="melody", sample_rate=8000)


def test_the_converter_widget_plays_both_and_takes_uploads(violin, tmp_path):
    from widgets import InstrumentConverter

    piano = held_out_pairs_for_widget()
    widget = InstrumentConverter({"violin": violin}, {"piano tune": (piano, RATE)})
    assert widget.before["audio"].value[:4] == widget.after["audio"].value[:4] == b"RIFF"
    assert widget.after["picture"].value[:4] == b"\x89PNG"
    assert "converted in" in widget.status.value and "pitch kept on" in widget.status.value
    first = widget.after["audio"].value
    widget.octaves.value = 1
    widget.update()
    assert widget.after["audio"].value != first and "octaves +1" in widget.after["title"].value
    good = write_wav(tmp_path / "tone.wav", sine(330, 2, 44100), 44100, channels=2)
    widget.upload.value = (uploaded("tone.wav", good.read_bytes()),)
    assert widget.source.value == "uploaded: tone.wav"
    widget.update()
    assert np.median(fundamental_frequency(widget.converted.samples, RATE)[0][:150]) == \
        pytest.approx(660, rel=0.02)  # an octave up, as the slider says
    widget.upload.value = (uploaded("notes.wav", b"not audio"),)
    assert "notes.wav: not an audio file" in widget.status.value
    widget.source.value = "uploaded: tone.wav"


def uploaded(name, data):
    """A file as the browser's upload control sends it."""
    return {"name": name, "type": "audio/wav", "size": len(data),
            "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
            "content": memoryview(data)}


def held_out_pairs_for_widget():
    from musiclab.timbre.train import held_out_pairs

    return held_out_pairs("piano", tunes=1, seconds=4.0)[0][1]


def test_train_timbre_on_a_folder_reports_what_it_skipped(capsys, tmp_path):
    folder = tmp_path / "cello"
    folder.mkdir()
    for number, frequency in enumerate((131.0, 165.0, 196.0)):
        write_wav(folder / f"take{number}.wav", sine(frequency, 2.0))
    (folder / "readme.txt").write_text("three takes")
    write_wav(folder / "silent.wav", np.zeros(RATE))
    status, text, err = run(capsys, "train", "timbre", "--wav-folder", str(folder),
                            "--instrument", "cello", "--smoke", "--steps", "2",
                            "--checkpoint-every", "1", "--out", str(tmp_path / "run"))
    assert status == 0, err
    assert "skipped" in text and "readme.txt: not an audio file" in text
    assert "silent.wav: silent" in text
    assert "2 training recordings" in text
    config = read_config(tmp_path / "run" / "model.keras", TimbreConfig)
    assert config.instrument == "cello" and config.source == "wav folder"
    assert len(config.loudness_levels) == 21
