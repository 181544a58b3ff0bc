import numpy as np
import pytest

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
    assert player.view.wait()  # the pictures follow the audio
    assert player.roll.value[:4] == b"\x89PNG"
    assert "<svg" in player.score.value and "Renmin gongshe shizai hao" in player.score.value
    assert "Renmin gongshe shizai hao" in player.status.value
    assert "essen · chinese" in player.status.value or "essen ·" in player.status.value
    score = player.score.value
    player.tempo.value = 200  # a new tempo: new audio at once, the same pictures
    assert read_wav(player.audio.value).duration < sound.duration
    assert player.view.wait() and player.score.value is score


def test_pictures_never_delay_the_audio_and_show_the_latest_music():
    import time

    from widgets._base import MusicView

    view = MusicView(delay=0.2)
    melodies = [np.array([40 + k, 1, 1, 1, 44 + k, 1, 1, 1] * 4, np.int16) for k in range(5)]
    started = time.perf_counter()
    for k, melody in enumerate(melodies):
        view.show(melody, tempo=120, title=f"melody {k}")
        assert read_wav(view.audio.value).duration > 1.0
    assert view.score.value == ""  # nothing engraved while the controls move
    assert time.perf_counter() - started < 2.0
    assert view.wait(timeout=30)
    assert "melody 4" in view.score.value and "melody 3" not in view.score.value


def test_key_text_says_keys_as_people_do():
    from widgets._base import key_text

    assert [key_text(k) for k in ("-1 sharps", "2 sharps", "0 sharps", "G major", "")] == \
        ["1 flat", "2 sharps", "no sharps or flats", "G major", "?"]


def test_tune_player_reports_no_match_inside_the_widget(bundled):
    player = TunePlayer(bundled)
    options, playing, audio = player.tune.options, player.tune.value, player.audio.value
    player.search.value = "zzzz no such tune"
    assert player.tune.options == options and player.tune.value == playing
    assert player.audio.value == audio
    assert "No tune matches 'zzzz no such tune'" in player.status.value
    assert "still playing" in player.status.value


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
    assert sampler.view.wait()
    assert sampler.roll.value[:4] == b"\x89PNG" and "<svg" in sampler.score.value
    assert "wavenet · seed 0 · temperature 0.00 · bach" in sampler.score.value
    sampler.temperature.value = 1.0
    sampler.generate_button.click()  # Generate: the next seed, so something new
    assert sampler.seed.value == 1
    sampler.pin_seed.value = True
    pinned = sampler.generate_button.click() or sampler.result.copy()
    sampler.generate_button.click()
    assert sampler.seed.value == 1 and np.array_equal(sampler.result, pinned)
    sampler.pin_seed.value, sampler.seed.value, sampler.temperature.value = False, 0, 0.0
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


def test_sequence_sampler_drives_any_registered_next_step_model():
    """A new family plugs into the widget by registering its sampler; the widget is not edited."""
    import dataclasses

    import keras

    from musiclab.nn.config import JSONConfig, attach, register
    from musiclab.nn.sampling import register_sampler, sampler_for
    from widgets import SequenceSampler

    @register("scale_model")
    @dataclasses.dataclass(frozen=True)
    class ScaleConfig(JSONConfig):
        head: str = "melody"
        styles: tuple = ("up", "down")
        steps_per_quarter: int = 4

    calls = []

    def generate(model, *, length, temperature, top_k, top_p, seed, primer, style, count=1,
                 style_strength=1.0):
        calls.append({"length": length, "seed": seed, "style": style, "top_k": top_k})
        steps = np.arange(length) % 8 * 2 + 40
        tokens = np.where(np.arange(length) % 2, 1, steps if style == 0 else steps[::-1])
        return tokens[None].astype(np.int16)

    model = attach(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]), ScaleConfig())
    with pytest.raises(ValueError, match="scale_model model is not a next-step sequence model"):
        sampler_for(model)
    register_sampler(ScaleConfig, generate)
    sampler = SequenceSampler(model)
    assert sampler.style.options == ("up", "down") and not sampler.top_p.disabled
    sampler.length.value, sampler.seed.value, sampler.top_k.value = 32, 9, 5
    sampler.style.value = "down"
    result = sampler.generate()
    assert calls[-1] == {"length": 32, "seed": 9, "style": 1, "top_k": 5}
    assert result.shape == (32,) and result[0] == 40 + 7 * 2
    assert read_wav(sampler.audio.value).duration > 1.0
    assert sampler.view.wait() and "<svg" in sampler.score.value


def test_widgets_play_the_first_ten_minutes_of_long_music_and_say_so():
    from widgets._base import MAX_SECONDS, MusicView, length_note

    steps = 20 * 60 * 8  # twenty minutes of 16th notes at 120 quarter notes a minute
    tokens = np.tile(np.array([40, 1, 1, 1, 42, 1, 0, 1], np.int16), steps // 8)
    view = MusicView(delay=0)  # audio and pictures at once
    sound = view.show(tokens, tempo=120)
    audio, score = view.audio, view.score
    assert abs(sound.duration - MAX_SECONDS) < 1.0 and abs(sound.cut_at - 1200) < 1.0
    assert abs(read_wav(audio.value).duration - MAX_SECONDS) < 1.0
    assert "no score: the music lasts more than 3 minutes" in score.value
    assert length_note(sound) == " · first 10 of 20 minutes played"


def test_widgets_work_on_small_corpora_or_say_what_they_need(bundled):
    from musiclab.vae import pretrained
    from widgets import LatentExplorer, StyleTransfer

    model = pretrained()
    small = {"one tune": bundled.subset(np.array([5])),
             "one meter, 7/8": bundled.select(meter="7/8"),
             "two tunes": bundled.subset(np.array([1, 2]))}
    for name, corpus in small.items():
        explorer = LatentExplorer(model, corpus, debounce=0)
        explorer.surprise.click()
        explorer.mix.value = 0.5
        assert explorer.melody.shape == (32,), name
        assert read_wav(explorer.audio.value).duration > 1.0, name
        with pytest.raises(ValueError, match=r"^corpus: (needs tunes of at least two regions|no "
                                             r"2-bar windows of 4/4)"):
            StyleTransfer(model, corpus)


def test_the_debouncer_makes_one_update_of_many_changes_with_the_last_values():
    import time

    from widgets._base import Debouncer

    seen = []
    state = {"value": 0}
    debounced = Debouncer(lambda: seen.append(state["value"]), 0.1)
    for value in range(1, 11):  # a dragged slider: ten changes 10 ms apart
        state["value"] = value
        debounced()
        time.sleep(0.01)
    time.sleep(0.4)
    assert seen == [10]
    at_once = Debouncer(lambda: seen.append("now"), 0)
    at_once()
    assert seen == [10, "now"]


def test_pictures_can_come_from_a_richer_form_made_on_the_drawing_thread(bundled):
    import threading

    from widgets._base import MusicView

    view = MusicView(delay=0.05)
    index = bundled.index_of("essen/han1.abc#1")
    threads = []

    def stream():
        threads.append(threading.current_thread())
        return bundled.stream(index)

    sound = view.show(bundled.tune_tokens(index), tempo=100, picture=stream, title="han1")
    assert sound.duration > 5 and threads == []  # audio first: nothing drawn yet
    assert view.wait(timeout=30)
    assert threads and threads[0] is not threading.main_thread()
    assert "Renmin gongshe shizai hao" not in view.score.value and "han1" in view.score.value


def test_quiz_reveals_and_moves_between_cards():
    from widgets import Quiz

    quiz = Quiz([("Q one?", "A one", "lesson 1"), ("Q two?", "A two", "lesson 2")])
    assert "Q one?" in quiz.question.value and "A one" not in quiz.answer.value
    quiz.reveal.click()
    assert "A one" in quiz.answer.value and "lesson 1" in quiz.answer.value
    assert quiz.reveal.disabled
    quiz.next.click()
    assert "Q two?" in quiz.question.value and "A two" not in quiz.answer.value
    quiz.next.click()
    assert "Q one?" in quiz.question.value  # wraps round
    quiz.back.click()
    assert "Q two?" in quiz.question.value
    assert len(Quiz.interview().cards) >= 9
    with pytest.raises(ValueError, match="cards"):
        Quiz([])
