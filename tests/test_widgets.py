import numpy as np

from musiclab.audio import read_wav
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
    import widgets.tune_player as module

    player = TunePlayer(bundled)

    def broken(*args, **kwargs):
        raise RuntimeError("synth on fire")

    monkeypatch.setattr(module, "render", broken)
    player.instrument.value = "flute"
    assert "Could not show this tune: synth on fire" in player.status.value
