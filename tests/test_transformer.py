"""The Transformer family: the skewing trick, the NumPy cached steps against Keras, sampling
rules, data, training and resume, the command line, and training on simulated devices."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import write_midi

from musiclab.errors import MusiclabError
from musiclab.transformer.model import (
    TransformerConfig,
    build_transformer,
    load,
    parameter_count,
    relative_logits,
)
from musiclab.transformer.sample import NumpyTransformer, attention_maps, generate, skew
from musiclab.transformer.tokens import (
    TokenData,
    grid_to_satb_tokens,
    jsb_data,
    remi_data,
    satb_tokens_to_grid,
)
from musiclab.transformer.training import (
    evaluation_windows,
    fit_power_law,
    sequence_nll,
    train_transformer,
    training_batch,
)
from musiclab.vocab import FIRST_PITCH_TOKEN, HOLD, NOTE_OFF

STYLES = ("north", "south")


def _config(position="relative", **changes):
    return TransformerConfig.smoke(styles=STYLES).replace(position=position, dropout=0.0,
                                                           context=48, window=32, **changes)


def _model(position="relative", seed=1, **changes):
    keras.utils.set_random_seed(seed)
    return build_transformer(_config(position, **changes))


def _toy_data(pieces=12, length=60, seed=0):
    rng = np.random.default_rng(seed)
    motif = rng.integers(FIRST_PITCH_TOKEN + 30, FIRST_PITCH_TOKEN + 50, 8)

    def piece():  # a repeated motif with holds: easy to learn
        return np.tile(np.stack([motif, np.full(8, HOLD)], 1).reshape(-1), length // 16 + 1)[
            :length].astype(np.int32)

    split = {"train": [piece() for _ in range(pieces)], "valid": [piece() for _ in range(3)],
             "test": [piece() for _ in range(3)]}
    labels = {name: np.arange(len(part), dtype=np.int32) % 2 for name, part in split.items()}
    return TokenData("melody", split, 90, STYLES, labels)


def test_skewing_equals_gathering_a_vector_per_distance():
    rng = np.random.default_rng(0)
    queries = rng.normal(size=(2, 3, 7, 4)).astype("float32")
    table = rng.normal(size=(3, 7, 4)).astype("float32")  # row r: distance 6 - r
    skewed = np.asarray(relative_logits(queries, table))
    expected = np.zeros((2, 3, 7, 7), np.float32)
    for i in range(7):
        for j in range(i + 1):
            expected[:, :, i, j] = (queries[:, :, i] * table[:, 6 - (i - j)]).sum(-1)
    lower = np.tril(np.ones((7, 7), bool))
    np.testing.assert_allclose(skewed[..., lower], expected[..., lower], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(skew(np.einsum("bhld,hmd->bhlm", queries, table))[..., lower],
                               expected[..., lower], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("position", ["relative", "rotary", "absolute"])
def test_numpy_steps_with_a_cache_equal_the_keras_model(position):
    model = _model(position)
    tokens = np.random.default_rng(2).integers(0, 90, (2, 40)).astype("int32")
    tokens[:, 0] = _config().prefix_token(1)
    expected = np.asarray(model.predict_on_batch(tokens))
    engine = NumpyTransformer(model)
    np.testing.assert_allclose(engine.forward(tokens), expected, atol=2e-4)
    caches = engine.new_caches()
    pieces = [engine.forward(tokens[:, :25], caches=caches)]
    pieces += [engine.forward(tokens[:, i:i + 1], start=i, caches=caches) for i in range(25, 40)]
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), expected, atol=2e-4)
    assert caches[0][0].shape == (2, 2, 40, 16)  # keys: (batch, heads, steps, head_dim)


def test_parameter_count_is_the_models():
    for position in ("relative", "rotary", "absolute"):
        assert parameter_count(_config(position)) == _model(position).count_params()


@pytest.mark.parametrize("position", ["relative", "absolute"])
def test_cached_sampling_gives_the_notes_of_naive_recomputation(position):
    model = _model(position)
    # 70 tokens after a primer of 10 in a context of 48: the cache is refilled twice
    primer = np.full(10, FIRST_PITCH_TOKEN + 40)
    for controls in ({"temperature": 1.0}, {"temperature": 0.8, "top_k": 5},
                     {"temperature": 1.2, "top_p": 0.9}, {"temperature": 0.0}):
        cached = generate(model, length=30, seed=4, style=1, count=2, primer=primer, **controls)
        naive = generate(model, length=30, seed=4, style=1, count=2, primer=primer,
                         method="naive", **controls)
        np.testing.assert_array_equal(cached, naive)
    long = generate(model, length=70, seed=4, style=0, primer=primer)
    assert long.shape == (1, 80) and long.dtype == np.int16
    np.testing.assert_array_equal(long[0, :10], primer)
    assert long.max() < 90  # never a start or style token


def test_same_seed_same_notes_and_seeds_differ():
    model = _model()
    first = generate(model, length=40, seed=7, style=0, count=3)
    np.testing.assert_array_equal(first, generate(model, length=40, seed=7, style=0, count=3))
    assert not np.array_equal(first, generate(model, length=40, seed=8, style=0, count=3))


def test_sampling_rejects_bad_controls_by_name():
    model = _model()
    for kwargs, message in [({"style": None}, "style: this model is conditioned on 2"),
                            ({"style": 5}, "style: this model is conditioned"),
                            ({"style": 0, "temperature": -1}, "temperature"),
                            ({"style": 0, "top_p": 0}, "top_p"),
                            ({"style": 0, "primer": np.array([95])}, "primer"),
                            ({"style": 0, "method": "fast"}, "method")]:
        with pytest.raises(ValueError, match=message):
            generate(model, length=4, **kwargs)


def test_style_strength_moves_the_prefix_between_the_mean_and_the_style():
    model = _model()
    full = generate(model, length=30, seed=1, style=1)
    np.testing.assert_array_equal(full, generate(model, length=30, seed=1, style=1,
                                                 style_strength=1.0))
    centre_a = generate(model, length=30, seed=1, style=0, style_strength=0.0)
    centre_b = generate(model, length=30, seed=1, style=1, style_strength=0.0)
    np.testing.assert_array_equal(centre_a, centre_b)  # strength 0: no style left


def test_attention_maps_are_causal_distributions():
    maps = attention_maps(_model(), np.arange(2, 22), style=0)
    assert maps.shape == (2, 2, 21, 21)
    np.testing.assert_allclose(maps.sum(-1), 1.0, atol=1e-5)
    assert np.abs(np.triu(maps, 1)).max() < 1e-6  # nothing attends to the future
    with pytest.raises(ValueError, match="at most 47"):
        attention_maps(_model(), np.zeros(60, int) + 5, style=0)


def test_evaluation_windows_score_every_token_once():
    for length in (1, 30, 47, 48, 100, 333):
        windows = evaluation_windows(length, 47)
        scored = np.zeros(length, int)
        for start, stop, first in windows:
            assert stop - start <= 47 and start <= first
            scored[first:stop] += 1
            if start:
                assert first - start >= 23  # at least half a window of context
        assert (scored == 1).all()


def test_training_batch_puts_the_prefix_first_and_shifts_targets():
    data = _toy_data()
    config = _config().replace(**data.config_fields())
    inputs, targets, mask = training_batch(data, config, 8, np.random.default_rng(0))
    assert inputs.shape == targets.shape == mask.shape == (8, 32)
    assert set(inputs[:, 0]) <= {config.prefix_token(0), config.prefix_token(1)}
    np.testing.assert_array_equal(inputs[:, 1:], targets[:, :-1])


def test_training_learns_resumes_and_loads(tmp_path):
    data = _toy_data()
    config = _config().replace(**data.config_fields(), learning_rate=3e-3, warmup_steps=5)
    model, state = train_transformer(config, data, steps=60, folder=tmp_path, batch_size=8,
                                     checkpoint_every=30, progress=False)
    first, last = state["history"][0]["valid_loss"], state["history"][-1]["valid_loss"]
    assert last < first and last < 1.5  # a repeated motif is easy to predict
    assert state["history"][-1]["tokens_seen"] == 60 * 8 * 32
    loaded = load(tmp_path / "model.keras")
    assert sequence_nll(loaded, data)["token_nll"] == pytest.approx(last, rel=1e-4)
    _, again = train_transformer(config, data, steps=90, folder=tmp_path, batch_size=8,
                                 checkpoint_every=30, progress=False)
    assert again["steps_done"] == 90 and len(again["history"]) == 3
    with pytest.raises(ValueError, match="styles differ from the data"):
        train_transformer(config.replace(styles=("x",)), data, steps=1, folder=tmp_path / "b")


def test_satb_serialisation_round_trips():
    p = FIRST_PITCH_TOKEN
    grid = np.array([[p + 40, p + 30, p + 20, p + 10],
                     [HOLD, p + 31, HOLD, NOTE_OFF],
                     [p + 41, HOLD, HOLD, HOLD]], np.int16)
    tokens = grid_to_satb_tokens(grid)
    np.testing.assert_array_equal(tokens, [41, 31, 21, 11, 41, 32, 21, 0, 42, 32, 21, 0])
    np.testing.assert_array_equal(satb_tokens_to_grid(tokens), grid)


def test_jsb_file_is_read_voice_by_voice_and_a_bad_file_is_named(tmp_path):
    path = tmp_path / "jsb.json"
    path.write_text(json.dumps({"train": [[[60, 64, 67, 72], [62, 55]]], "valid": [[[60]]],
                                "test": [[]]}))
    data = jsb_data(path)
    np.testing.assert_array_equal(data.pieces["train"][0], [52, 47, 44, 40, 42, 35, 0, 0])
    assert data.content_size == 89 and data.kind == "satb"
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(MusiclabError, match="bad.json: not a chorale benchmark file"):
        jsb_data(tmp_path / "bad.json")


def test_remi_tokens_of_a_folder_skip_bad_files_by_name(tmp_path):
    for index in range(4):
        write_midi(tmp_path / f"tune{index}.mid", pitches=(60 + index, 64, 67, 72), chord=True)
    (tmp_path / "broken.mid").write_bytes(b"MThd not really")
    data = remi_data(tmp_path)
    assert sum(len(part) for part in data.pieces.values()) == 4
    assert len(data.skipped) == 1 and "broken.mid" in data.skipped[0]
    assert data.content_size > 50 and data.tokenizer
    from musiclab.transformer.tokens import remi_decode, remi_encode, remi_tokenizer

    tokenizer = remi_tokenizer(data.tokenizer)
    ids = remi_encode(tokenizer, tmp_path / "tune1.mid")
    import pretty_midi

    written = remi_decode(tokenizer, ids, tmp_path / "out", "back")
    pitches = sorted(note.pitch for note in pretty_midi.PrettyMIDI(str(written))
                     .instruments[0].notes)
    original = sorted(note.pitch for note in pretty_midi.PrettyMIDI(str(tmp_path / "tune1.mid"))
                      .instruments[0].notes)
    assert pitches == original  # every note back, chords included


def test_power_law_fit_recovers_the_exponent():
    sizes = np.array([1e4, 1e5, 1e6, 1e7])
    fit = fit_power_law(sizes, 5.0 * sizes ** -0.07)
    assert fit["exponent"] == pytest.approx(0.07, abs=1e-9)
    assert fit["a"] == pytest.approx(5.0) and fit["r_squared"] == pytest.approx(1.0)


def test_command_line_trains_and_samples_a_transformer(tmp_path, capsys):
    from musiclab.cli import main

    jsb = tmp_path / "jsb.json"
    piece = [[72, 67, 64, 48], [74, 67, 65, 50], [76, 67, 64, 48]] * 12
    jsb.write_text(json.dumps({"train": [piece] * 4, "valid": [piece], "test": [piece]}))
    run = tmp_path / "run"
    assert main(["train", "transformer", "--data", "satb", "--benchmark", str(jsb), "--smoke",
                 "--position", "rotary", "--steps", "3", "--out", str(run)]) == 0
    assert "validation loss" in capsys.readouterr().out
    saved = json.loads((run / "config.json").read_text())
    assert saved["data"] == "satb" and saved["position"] == "rotary"
    out = tmp_path / "samples"
    assert main(["sample", "--model", str(run), "--out", str(out), "--length", "16",
                 "--count", "2", "--top-p", "0.9"]) == 0
    assert sorted(path.name for path in out.iterdir()) == [
        "transformer_1.mid", "transformer_1.wav", "transformer_2.mid", "transformer_2.wav"]
    for arguments, message in [(["--dances", "--data", "satb"], "--dances apply to melody data"),
                               (["--layers", "0"], "--layers must be at least 1"),
                               (["--window", "600"], "window: must be below context"),
                               (["--devices", "3", "--model-parallel", "2"], "multiple of")]:
        assert main(["train", "transformer", "--steps", "1", "--out", str(tmp_path / "x"),
                     *arguments]) == 2
        assert message in capsys.readouterr().err
    assert main(["sample", "--model", str(run), "--out", str(out), "--dance", "jig"]) == 2
    assert "--dance: unknown dance 'jig' (known: none" in capsys.readouterr().err
    assert main(["sample", "--model", str(tmp_path / "nothing"), "--out", str(out)]) == 1
    assert "no such model file" in capsys.readouterr().err


DEVICES_SCRIPT = """
import json, sys
import numpy as np, keras
from musiclab.transformer.distributed import use_devices
from musiclab.transformer.model import TransformerConfig, build_transformer
devices, model_parallel = int(sys.argv[1]), int(sys.argv[2])
use_devices(devices, model_parallel=model_parallel)
keras.utils.set_random_seed(0)
config = TransformerConfig.smoke(styles=("a",)).replace(dropout=0.0, model_dim=32, heads=2,
                                                        warmup_steps=0, learning_rate=3e-3)
model = build_transformer(config)
rng = np.random.default_rng(0)
losses = []
for step in range(8):
    tokens = rng.integers(0, 90, (8, 33)).astype("int32") if step % 4 == 0 else tokens
    tokens[:, 0] = config.prefix_token(0)
    losses.append(float(model.train_on_batch(tokens[:, :-1], tokens[:, 1:])))
kernel = model.get_layer("block_0").query_key_value.kernel
print(json.dumps({"losses": losses, "devices": len(keras.distribution.list_devices()),
                  "sharding": str(getattr(kernel.value, "sharding", ""))}))
"""


def _on_devices(devices, model_parallel=1):
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3",
           "XLA_FLAGS": "--xla_force_host_platform_device_count=4", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run([sys.executable, "-c", DEVICES_SCRIPT, str(devices),
                             str(model_parallel)], capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_data_and_model_parallel_training_follow_one_device_on_simulated_devices():
    one, two, split = _on_devices(1), _on_devices(2), _on_devices(4, 2)
    assert one["devices"] == 4
    assert one["losses"][-1] < one["losses"][0]
    np.testing.assert_allclose(two["losses"], one["losses"], rtol=2e-4)
    np.testing.assert_allclose(split["losses"], one["losses"], rtol=2e-4)
    assert "model" in split["sharding"]  # the attention kernel is split over the model axis


JAX_SCRIPT = """
import numpy as np, keras
from musiclab.transformer.model import TransformerConfig, build_transformer
from musiclab.transformer.sample import NumpyTransformer, generate
for position in ("relative", "rotary", "absolute"):
    keras.utils.set_random_seed(1)
    config = TransformerConfig.smoke(styles=("a", "b")).replace(position=position, dropout=0.0)
    model = build_transformer(config)
    tokens = np.random.default_rng(2).integers(0, 90, (2, 40)).astype("int32")
    tokens[:, 0] = config.prefix_token(1)
    loss = model.train_on_batch(tokens[:, :-1], tokens[:, 1:])
    close = np.allclose(NumpyTransformer(model).forward(tokens),
                        np.asarray(model.predict_on_batch(tokens)), atol=2e-4)
    same = np.array_equal(generate(model, length=20, seed=3, style=1),
                          generate(model, length=20, seed=3, style=1, method="naive"))
    print(keras.backend.backend(), position, bool(np.isfinite(loss)), close, same)
"""


def test_trains_and_samples_on_jax():
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", JAX_SCRIPT], capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()[-3:]
    assert lines == [f"jax {position} True True True"
                     for position in ("relative", "rotary", "absolute")]


def test_attention_explorer_colours_earlier_notes_and_plays_the_fragment_and_the_note():
    from widgets import AttentionExplorer
    from widgets.attention_explorer import note_spans

    scale = np.array([40, 1, 42, 1, 44, 1, 45, 1, 0, 1, 47, 1, 1, 1, 49, 1], np.int16)
    assert note_spans(scale) == [(0, 2, 59), (2, 4, 61), (4, 6, 63), (6, 8, 64), (10, 14, 66),
                                 (14, 16, 68)]
    explorer = AttentionExplorer(_model(), {"scale": scale}, style=1)
    assert explorer.source.value == "generated" and explorer.roll.value
    explorer.source.value = "scale"
    assert explorer.note.max == 6
    explorer.note.value, explorer.layer.value, explorer.head.value = 5, 1, "2"
    expected = attention_maps(explorer.model, scale, style=1)[0, 1, 11]  # note 5 is at step 10
    np.testing.assert_allclose(explorer.weights[1], expected[3:5].sum(), rtol=1e-5)
    assert explorer.prefix_weight == pytest.approx(float(expected[0]), rel=1e-5)
    assert "note 5 of 6; layer 1, head 2" in explorer.status.value
    before, heard = explorer.roll.value, explorer.audio.value
    explorer.note.value = 3
    assert explorer.roll.value != before
    assert explorer.audio.value != heard  # choosing a note plays it with what it attends to
    played = explorer.fragment_and_note()
    np.testing.assert_array_equal(played[-2:], scale[4:6])  # the chosen note comes last
    explorer.play.click()
    assert explorer.audio.value[:4] == b"RIFF"
    with pytest.raises(ValueError, match="reads melody models"):
        AttentionExplorer(build_transformer(TransformerConfig.smoke(data="satb",
                                                                     content_size=89)))


def test_a_dance_prefix_conditions_training_sampling_and_scoring(tmp_path):
    data = _toy_data()
    data.dances = ("jig", "reel")
    data.dance_labels = {name: np.array([(i % 3) - 1 for i in range(len(part))], np.int32)
                         for name, part in data.pieces.items()}  # -1: no dance
    config = _config().replace(**data.config_fields())
    assert config.prefix_length == 2 and config.vocabulary_size == 90 + 1 + 2 + 3
    assert config.prefix(1, None) == [92, 95] and config.prefix(0, 1) == [91, 94]
    inputs, targets, mask = training_batch(data, config, 6, np.random.default_rng(0))
    assert inputs.shape == (6, 33) and (mask[:, 0] == 0).all() and (mask[:, 1] == 1).all()
    assert set(inputs[:, 1]) <= {93, 94, 95}
    model, state = train_transformer(config, data, steps=4, folder=tmp_path, batch_size=4,
                                     checkpoint_every=4, progress=False)
    scored = sequence_nll(model, data)
    assert scored["tokens"] == data.tokens("valid")  # every content token, no prefix token
    tunes = generate(model, length=60, seed=2, style=0, dance=1, primer=np.arange(2, 8))
    assert tunes.shape == (1, 66) and tunes.max() < 90
    np.testing.assert_array_equal(tunes, generate(model, length=60, seed=2, style=0, dance=1,
                                                  primer=np.arange(2, 8)))
    short = dict(length=30, seed=2, style=0, dance=0)
    np.testing.assert_array_equal(generate(model, **short),
                                  generate(model, method="naive", **short))
    assert attention_maps(model, np.arange(2, 12), style=0, dance=0).shape == (2, 2, 12, 12)
    with pytest.raises(ValueError, match="dance: give an index"):
        generate(model, length=3, style=0, dance=7)
    with pytest.raises(ValueError, match="not conditioned on dance"):
        generate(_model(), length=3, style=0, dance=0)


def test_the_shipped_transformer_loads_plays_and_matches_its_card():
    import time

    from musiclab.nn.config import config_of
    from musiclab.transformer.shipped import (
        NAME,
        PRETRAINED_ROOT,
        model_card,
        pretrained_transformer,
        studies,
    )
    from musiclab.transformer.tokens import melody_data

    card = model_card()
    path = PRETRAINED_ROOT / NAME / "model.keras"
    assert card["command"].startswith("musiclab train transformer --styles --dances")
    assert card["size_bytes"] == path.stat().st_size <= 10_000_000
    started = time.perf_counter()
    model = pretrained_transformer()
    assert time.perf_counter() - started < 20  # (the <= 2 s figure is a benchmark's)
    config = config_of(model)
    assert json.loads(config.to_json()) == card["config"]
    assert model.count_params() == card["parameters"]
    irish, jig = config.styles.index("irish"), config.dances.index("jig")
    tune = generate(model, length=64, temperature=0.8, seed=1, style=irish, dance=jig)[0]
    assert (tune >= FIRST_PITCH_TOKEN).sum() >= 8  # notes, not silence
    data = melody_data(styles=True, dances=True)
    few = TokenData("melody", {"valid": data.pieces["valid"][:60]}, 90, data.styles,
                    {"valid": data.labels["valid"][:60]}, data.dances,
                    {"valid": data.dance_labels["valid"][:60]})
    assert sequence_nll(model, few)["token_nll"] < 1.2  # untrained: about 4.5
    assert card["held_out"]["valid"]["tokens"] == data.tokens("valid")
    measured = studies()
    assert {"comparison", "scaling"} <= set(measured)
    assert len(measured["scaling"]["results"]) >= 4
