import numpy as np

from musiclab.sound.audio import read_wav
from widgets import TunePlayer


def test_tune_player_plays_and_shows_the_chosen_tune(bundled):
    player = TunePlayer(bundled)
    assert player.tune.value is not None and len(player.tune.options) > 0
    player.collection.value = "essen"
    player.search.value = "renmin gongshe"
    assert len(player.tune.options) >= 1
    index = bundled.index_of("essen/han1.abc#1")
    player.tune.value = index
    sound = read_wav(player.audio.value)
    tokens = bundled.tune_tokens(index)
    expected = len(tokens) / 4 * 60 / player.tempo.value
    assert abs(sound.duration - expected) < 1.0 and np.abs(sound.samples).max() > 0.01
    assert player.roll.value[:4] == b"\x89PNG"
    assert "<svg" in player.score.value
    assert "Renmin gongshe shizai hao" in player.status.value
    player.tempo.value = 200
    assert read_wav(player.audio.value).duration < sound.duration


def test_tune_player_reports_no_match_inside_the_widget(bundled):
    player = TunePlayer(bundled)
    player.search.value = "zzzz no such tune"
    assert player.tune.options == ()
    assert "No tune matches" in player.status.value


def test_tune_player_shows_errors_instead_of_raising(bundled, monkeypatch):
    import widgets._base

    player = TunePlayer(bundled)

    def broken(*args, **kwargs):
        raise RuntimeError("synth on fire")

    monkeypatch.setattr(widgets._base, "render", broken)
    player.instrument.value = "flute"
    assert "Could not show this tune: synth on fire" in player.status.value


def _upload_item(name, content):
    import datetime

    return {"name": name, "type": "", "size": len(content), "content": memoryview(content),
            "last_modified": datetime.datetime.now()}


def test_sampler_generates_continues_and_reports_errors(bundled, tmp_path):
    from musiclab.wavenet.model import WaveNetConfig, build_wavenet
    from widgets import SequenceSampler

    chorales = bundled.select(collection="bach").subset(np.arange(5))
    config = WaveNetConfig.smoke("melody", ("bach", "irish"))
    sampler = SequenceSampler(build_wavenet(config), corpus=chorales)
    sampler.length.value = 32
    sampler.temperature.value = 0.0
    first = sampler.generate()
    assert first.shape == (32,) and sampler.primed == 0
    assert np.array_equal(sampler.generate(), first)  # same settings, same notes
    assert read_wav(sampler.audio.value).duration > 1.0
    assert sampler.roll.value[:4] == b"\x89PNG" and "<svg" in sampler.score.value
    sampler.search.value = chorales.metadata["title"][2][:12]
    sampler.primer.value = 2
    sampler.primer_steps.value = 16
    continued = sampler.generate()
    assert continued.shape == (48,) and sampler.primed == 16
    assert np.array_equal(continued[:16], chorales.tune_tokens(2)[:16])
    assert "16 primer steps + 32 new steps" in sampler.status.value
    sampler.temperature.value = 1.0
    sampler.style.value = "irish"
    assert sampler.generate() is not None
    sampler.upload.value = (_upload_item("broken.mid", b"garbage"),)
    assert "Could not use broken.mid: broken.mid: not a MIDI file" in sampler.status.value
    assert "tmp" not in sampler.status.value
    roll_config = WaveNetConfig.smoke("pianoroll")
    roll_sampler = SequenceSampler(build_wavenet(roll_config), corpus=chorales)
    assert roll_sampler.top_p.disabled and roll_sampler.style.disabled
    roll_sampler.length.value = 16
    assert roll_sampler.generate().shape == (16, 88)
    roll_sampler.length.value = 10**6  # clamped by the slider; generation still works
    roll_sampler.seed.value = -1
    assert roll_sampler.generate() is None
    assert "Could not generate" in roll_sampler.status.value
