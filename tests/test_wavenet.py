"""The WaveNet: configuration, causality, safe loading, training, cached vs naive sampling
(TensorFlow in this process; JAX in a subprocess), and the piano-roll benchmark score."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from musiclab.errors import MusiclabError


def _tiny(head="melody", styles=()):
    from musiclab.wavenet.model import WaveNetConfig, build_wavenet

    config = WaveNetConfig.smoke(head, styles)
    return config, build_wavenet(config)


def _inputs(head, batch=2, steps=20, seed=0):
    rng = np.random.default_rng(seed)
    if head == "melody":
        return rng.integers(0, 90, (batch, steps)).astype("int32")
    return (rng.random((batch, steps, 88)) > 0.93).astype("float32")


def test_config_round_trips_and_checks_values(tmp_path):
    from musiclab.wavenet.model import WaveNetConfig

    config = WaveNetConfig.smoke("pianoroll", ("bach", "irish"))
    assert WaveNetConfig.from_json(config.to_json()) == config
    assert json.loads(config.save(tmp_path).read_text())["dilations"] == [1, 2, 4, 8]
    assert config.receptive_field == 16
    assert WaveNetConfig(dilations=(1, 2, 4), kernel_size=3).receptive_field == 15
    assert WaveNetConfig.default().receptive_field == 255
    with pytest.raises(ValueError, match="head"):
        WaveNetConfig(head="drums")
    with pytest.raises(ValueError, match="dilations"):
        WaveNetConfig(dilations=(1, 0))


@pytest.mark.parametrize("head", ["melody", "pianoroll"])
def test_outputs_are_causal_and_shaped(head):
    from musiclab.wavenet.model import receptive_field

    config, model = _tiny(head)
    inputs = _inputs(head)
    before = model.predict_on_batch(inputs)
    assert before.shape == (2, 20, 90 if head == "melody" else 88)
    changed = inputs.copy()
    changed[:, 10] = 7 if head == "melody" else 1 - changed[:, 10]
    after = model.predict_on_batch(changed)
    assert np.array_equal(before[:, :11], after[:, :11])  # step t never sees step t
    assert not np.allclose(before[:, 11], after[:, 11])
    far = inputs.copy()
    far[:, 0] = 7 if head == "melody" else 1 - far[:, 0]  # beyond the receptive field of 19
    assert np.allclose(model.predict_on_batch(far)[:, receptive_field(model) + 1:],
                       before[:, receptive_field(model) + 1:], atol=1e-5)


def test_style_conditioning_changes_predictions():
    _, model = _tiny("melody", ("bach", "chinese"))
    tokens = _inputs("melody", batch=1)
    first = model.predict_on_batch([tokens, np.array([0])])
    second = model.predict_on_batch([tokens, np.array([1])])
    assert not np.allclose(first, second)


def test_save_and_safe_load(tmp_path):
    from musiclab.nn.config import config_of, save_model
    from musiclab.vae.model import MelodyVAEConfig, build_vae
    from musiclab.wavenet.model import load_wavenet

    _, model = _tiny("pianoroll", ("a", "b"))
    inputs = [_inputs("pianoroll"), np.array([0, 1])]
    save_model(model, tmp_path / "wavenet.keras")
    loaded = load_wavenet(tmp_path / "wavenet.keras")
    assert np.allclose(loaded.predict_on_batch(inputs), model.predict_on_batch(inputs))
    assert config_of(loaded).styles == ("a", "b") and config_of(loaded).head == "pianoroll"
    save_model(build_vae(MelodyVAEConfig.smoke()), tmp_path / "vae.keras")
    with pytest.raises(MusiclabError, match="vae.keras: a melody_vae model, not a wavenet"):
        load_wavenet(tmp_path / "vae.keras")
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    with pytest.raises(MusiclabError, match="junk.keras: not a .keras model file"):
        load_wavenet(tmp_path / "junk.keras")


@pytest.mark.parametrize("head, styles", [("melody", ()), ("pianoroll", ("a", "b"))])
def test_cached_sampling_matches_naive(head, styles):
    from musiclab.wavenet.sample import generate

    _, model = _tiny(head, styles)
    style = 1 if styles else None
    primer = _inputs(head, batch=1, steps=5)[0]
    options = {"temperature": 1.0, "seed": 4, "primer": primer, "style": style, "count": 3}
    cached = generate(model, length=30, **options)
    naive = generate(model, length=30, method="naive", **options)
    assert cached.shape == ((3, 35) if head == "melody" else (3, 35, 88))
    assert np.array_equal(cached, naive)
    assert np.array_equal(cached[:, :5], np.broadcast_to(primer, cached[:, :5].shape))
    assert np.array_equal(generate(model, length=30, **options), cached)  # same seed, same notes
    assert not np.array_equal(generate(model, length=30, **{**options, "seed": 5}), cached)


def test_sampling_controls():
    from musiclab.nn.sampling import choose_keys, choose_tokens
    from musiclab.wavenet.sample import generate

    rng = np.random.default_rng(0)
    logits = np.log(np.array([[0.5, 0.3, 0.15, 0.05] + [1e-9] * 86]))
    picks = np.concatenate([choose_tokens(logits, temperature=1.0, top_k=2, rng=rng)
                            for _ in range(300)])
    assert set(picks.tolist()) == {0, 1}  # top-k 2
    picks = np.concatenate([choose_tokens(logits, temperature=1.0, top_p=0.7, rng=rng)
                            for _ in range(300)])
    assert set(picks.tolist()) == {0, 1}  # the nucleus reaching 0.7
    assert choose_tokens(logits, temperature=0.0, rng=rng).tolist() == [0]
    keys = np.full((1, 88), 5.0)
    assert choose_keys(keys, temperature=1.0, top_k=3, rng=rng).sum() <= 3
    _, model = _tiny("melody")
    greedy = generate(model, length=12, temperature=0.0, seed=1)
    assert np.array_equal(generate(model, length=12, temperature=1.0, top_k=1, seed=2), greedy)
    with pytest.raises(ValueError, match="temperature"):
        generate(model, length=5, temperature=-1)
    with pytest.raises(ValueError, match="style: this model is not conditioned"):
        generate(model, length=5, style=0)
    with pytest.raises(ValueError, match="primer"):
        generate(model, length=5, primer=np.zeros((4, 88)))
    _, roll_model = _tiny("pianoroll", ("a",))
    with pytest.raises(ValueError, match="top_p: applies to token heads only"):
        generate(roll_model, length=5, top_p=0.5, style=0)
    with pytest.raises(ValueError, match="style: this model is conditioned on 1 styles"):
        generate(roll_model, length=5)


def _benchmark_file(path, pieces=6, seed=0):
    rng = np.random.default_rng(seed)

    def piece(length):
        return [sorted(rng.choice(np.arange(48, 80), size=3, replace=False).tolist())
                for _ in range(length)]

    data = {split: [piece(int(rng.integers(12, 40))) for _ in range(pieces)]
            for split in ("train", "valid", "test")}
    path.write_text(json.dumps(data))
    return data


def test_benchmark_files_are_read_and_checked(tmp_path):
    from musiclab.data.sequences import load_pianoroll_benchmark

    data = _benchmark_file(tmp_path / "toy.json")
    rolls = load_pianoroll_benchmark(tmp_path / "toy.json")
    first = data["train"][0]
    assert rolls["train"][0].shape == (len(first), 88)
    assert np.flatnonzero(rolls["train"][0][0]).tolist() == [p - 21 for p in first[0]]
    (tmp_path / "bad.json").write_text(json.dumps({"train": [[[200]]], "valid": [], "test": []}))
    with pytest.raises(MusiclabError, match="bad.json: train piece 0"):
        load_pianoroll_benchmark(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text("[1, 2]")
    with pytest.raises(MusiclabError, match="other.json: expected an object"):
        load_pianoroll_benchmark(tmp_path / "other.json")


def test_random_batches_crop_pad_and_transpose_within_the_keyboard():
    from musiclab.data.sequences import padded_batches, random_batch

    rng = np.random.default_rng(0)
    pieces = [np.zeros((length, 88), bool) for length in (5, 50)]
    pieces[0][:, [0, 87]] = True  # no room to transpose
    pieces[1][:, 40] = True
    frames, mask, labels = random_batch(pieces, 16, 64, rng, transpose=3,
                                        labels=np.array([0, 1]))
    assert frames.shape == (64, 16, 88) and mask.shape == (64, 16) and labels.shape == (64,)
    short = labels == 0
    assert (mask[short].sum(axis=1) == 5).all() and (mask[~short] == 1).all()
    assert (frames[short][:, :5][..., [0, 87]] == 1).all()
    assert set(np.flatnonzero(frames[~short].any(axis=(0, 1)))) <= set(range(37, 44))
    assert short.mean() < 0.3  # pieces are drawn in proportion to their length
    batches = list(padded_batches(pieces, batch_size=1, multiple=8))
    assert [b[0].shape[1] for b in batches] == [8, 56]
    assert sum(b[1].sum() for b in batches) == 55


def test_frame_nll_is_the_benchmark_score():
    from musiclab.wavenet.training import sequence_scores

    _, model = _tiny("pianoroll")
    rng = np.random.default_rng(1)
    pieces = [rng.random((length, 88)) > 0.9 for length in (7, 30)]
    total, steps = 0.0, 0
    for piece in pieces:
        logits = model.predict_on_batch(piece[None].astype("float32"))[0].astype(np.float64)
        probability = 1 / (1 + np.exp(-logits))
        total -= (piece * np.log(probability) + (~piece) * np.log(1 - probability)).sum()
        steps += len(piece)
    scores = sequence_scores(model, pieces)
    assert scores["steps"] == 37
    assert scores["frame_nll"] == pytest.approx(total / steps, rel=1e-4)
    assert sequence_scores([model, model], pieces)["frame_nll"] == pytest.approx(
        scores["frame_nll"], rel=1e-6)
    _, other = _tiny("pianoroll")
    single = sequence_scores(other, pieces)["frame_nll"]
    ensemble = sequence_scores([model, other], pieces)["frame_nll"]
    assert ensemble < (single + scores["frame_nll"]) / 2  # a mixture never does worse on average


def test_training_resumes_and_lowers_the_loss(tmp_path):
    from musiclab.wavenet.model import WaveNetConfig
    from musiclab.wavenet.training import train_wavenet

    config = WaveNetConfig.smoke("melody")
    rng = np.random.default_rng(0)
    scale = np.array([62, 64, 66, 67, 69, 71, 73, 74]) - 19
    pieces = [np.repeat(scale[rng.integers(0, 8, 12)], 2) for _ in range(20)]
    _, state = train_wavenet(config, pieces[:16], pieces[16:], steps=40, folder=tmp_path,
                             batch_size=8, checkpoint_every=20, progress=False)
    assert [entry["step"] for entry in state["history"]] == [20, 40]
    assert (tmp_path / "best.keras").exists() and state["best_step"] in (20, 40)
    _, resumed = train_wavenet(config, pieces[:16], pieces[16:], steps=120, folder=tmp_path,
                               batch_size=8, checkpoint_every=40, progress=False)
    history = resumed["history"]
    assert [entry["step"] for entry in history] == [20, 40, 80, 120]
    assert history[-1]["valid_loss"] < history[0]["valid_loss"]
    assert 0 <= history[-1]["valid_accuracy"] <= 1
    with pytest.raises(ValueError, match="train_labels"):
        train_wavenet(WaveNetConfig.smoke("melody", ("a",)), pieces, pieces, steps=1,
                      folder=tmp_path / "other", progress=False)


def test_nan_loss_stops_training_and_keeps_the_checkpoint(tmp_path):
    from musiclab.nn.loop import run_training
    from musiclab.wavenet.model import WaveNetConfig, build_wavenet

    config = WaveNetConfig.smoke("melody")
    calls = []

    def train_batch(model, rng):
        calls.append(1)
        return float("nan") if len(calls) > 3 else 1.0

    with pytest.raises(MusiclabError, match="loss became NaN at step 4; the checkpoint of step 3"):
        run_training(tmp_path, config, build=lambda: build_wavenet(config),
                     train_batch=train_batch, validate=lambda model: {"valid_loss": 1.0},
                     steps=10, checkpoint_every=3, progress=False)
    assert json.loads((tmp_path / "state.json").read_text())["steps_done"] == 3


JAX_SCRIPT = """
import numpy as np
from musiclab.wavenet.model import WaveNetConfig, build_wavenet
from musiclab.wavenet.sample import generate
import keras
config = WaveNetConfig.smoke("pianoroll", ("a", "b"))
model = build_wavenet(config)
frames = (np.random.default_rng(0).random((4, 32, 88)) > 0.9).astype("float32")
loss = model.train_on_batch([frames, np.array([0, 1, 0, 1])], frames)
cached = generate(model, length=20, seed=3, style=1, count=2)
naive = generate(model, length=20, seed=3, style=1, count=2, method="naive")
model.get_layer("logits").kernel.assign(np.ones(model.get_layer("logits").kernel.shape))
again = generate(model, length=20, seed=3, style=1, count=2)
naive_again = generate(model, length=20, seed=3, style=1, count=2, method="naive")
follows = np.array_equal(again, naive_again)
print(keras.backend.backend(), np.isfinite(loss), np.array_equal(cached, naive) and follows,
      cached.shape)
"""


def test_trains_and_samples_on_jax():
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", JAX_SCRIPT], capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-6:] == ["jax", "True", "True", "(2,", "20,", "88)"]


def test_command_line_trains_and_samples(tmp_path, capsys):
    from musiclab.cli import main

    _benchmark_file(tmp_path / "toy.json")
    run = tmp_path / "run"
    assert main(["train", "wavenet", "--data", str(tmp_path / "toy.json"), "--smoke",
                 "--steps", "4", "--out", str(run)]) == 0
    assert "validation loss" in capsys.readouterr().out
    assert json.loads((run / "config.json").read_text())["head"] == "pianoroll"
    out = tmp_path / "samples"
    assert main(["sample", "--model", str(run), "--out", str(out), "--length", "8",
                 "--count", "2", "--top-k", "4"]) == 0
    assert sorted(path.name for path in out.iterdir()) == [
        "wavenet_1.mid", "wavenet_1.wav", "wavenet_2.mid", "wavenet_2.wav"]
    assert main(["sample", "--model", str(run), "--out", str(out), "--style", "x"]) == 2
    assert "--style: unknown style 'x'" in capsys.readouterr().err
    assert main(["train", "wavenet", "--data", str(tmp_path / "toy.json"), "--head", "melody",
                 "--steps", "4", "--out", str(run)]) == 2
    assert main(["train", "wavenet", "--data", str(tmp_path / "missing.json"),
                 "--steps", "4", "--out", str(tmp_path / "x")]) == 1
    assert "missing.json: no such benchmark file" in capsys.readouterr().err


def test_benchmark_script_quick_mode(tmp_path):
    _benchmark_file(tmp_path / "JSB_Chorales.json")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run(
        [sys.executable, os.path.join(root, "benchmarks", "wavenet_polyphonic.py"),
         str(tmp_path), "--dataset", "jsb", "--quick", "--steps", "20",
         "--json", str(tmp_path / "result.json")],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "test frame NLL" in result.stdout and "TCN 8.10" in result.stdout
    (entry,) = json.loads((tmp_path / "result.json").read_text())
    assert entry["steps_done"] == [20] and np.isfinite(entry["test_frame_nll"])


def test_sampling_follows_weights_that_change_after_the_first_call():
    from musiclab.wavenet.sample import generate

    _, model = _tiny("melody")
    before = generate(model, length=16, temperature=0.0)
    for variable in model.get_layer("logits").trainable_variables:
        variable.assign(variable.numpy() * 0 + np.random.default_rng(3).normal(
            size=variable.shape).astype("float32"))
    assert np.array_equal(generate(model, length=16, temperature=0.0),
                          generate(model, length=16, temperature=0.0, method="naive"))
    assert not np.array_equal(generate(model, length=16, temperature=0.0), before)
