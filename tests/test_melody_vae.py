"""The melody VAE: configuration, training, safe loading and generation (TensorFlow
backend in this process; the JAX backend in a subprocess)."""

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from musiclab.errors import MusiclabError


@pytest.fixture(scope="module")
def windows(bundled):
    return bundled.select(collection="essen", region="chinese").windows(bars=2).tokens[:128]


@pytest.fixture(scope="module")
def trained(windows):
    import keras

    from musiclab.vae.model import MelodyVAEConfig, build_vae

    keras.utils.set_random_seed(0)
    model = build_vae(MelodyVAEConfig.smoke(), seed=0)
    history = model.fit(windows, windows, batch_size=32, epochs=6, verbose=0)
    return model, history.history


def test_config_round_trips_and_rejects_unknown_fields(tmp_path):
    from musiclab.vae.model import MelodyVAEConfig

    config = MelodyVAEConfig.smoke()
    assert MelodyVAEConfig.from_json(config.to_json()) == config
    assert config.steps == 32 and MelodyVAEConfig.default().latent_dim > config.latent_dim
    path = config.save(tmp_path)
    assert json.loads(path.read_text())["latent_dim"] == config.latent_dim
    with pytest.raises(ValueError, match=r"unknown fields \['colour'\]"):
        MelodyVAEConfig.from_json('{"colour": 1}')


def test_training_lowers_the_loss_and_anneals_beta(trained, windows):
    model, history = trained
    assert history["loss"][-1] < history["loss"][0]
    assert history["accuracy"][-1] > history["accuracy"][0]
    assert all(np.isfinite(history["loss"]))
    import keras

    step = float(keras.ops.convert_to_numpy(model.get_layer("sampling").step))
    assert step == 6 * len(windows) / 32


def test_save_and_safe_load(trained, windows, tmp_path):
    from musiclab.nn.config import config_of, save_model
    from musiclab.vae.model import load_vae

    model, _ = trained
    path = tmp_path / "vae.keras"
    save_model(model, path)
    loaded = load_vae(path)
    assert config_of(loaded) == config_of(model)  # the config travels inside the file
    np.testing.assert_allclose(loaded.predict(windows[:4], verbose=0),
                               model.predict(windows[:4], verbose=0), atol=1e-5)


def test_unsafe_corrupt_and_foreign_model_files_are_refused(tmp_path):
    import keras

    from musiclab.nn.config import CONFIG_ENTRY
    from musiclab.vae.model import MelodyVAEConfig, load_vae

    inputs = keras.Input((3,))
    unsafe = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    unsafe.save(tmp_path / "unsafe.keras")
    with pytest.raises(MusiclabError, match="unsafe.keras: not a musiclab melody_vae"):
        load_vae(tmp_path / "unsafe.keras")
    with zipfile.ZipFile(tmp_path / "unsafe.keras", "a") as archive:  # a crafted file that
        archive.writestr(CONFIG_ENTRY, json.dumps(  # claims to be a melody VAE
            {"kind": "melody_vae", "config": json.loads(MelodyVAEConfig.smoke().to_json())}))
    with pytest.raises(MusiclabError, match="unsafe.keras: cannot load model safely"):
        load_vae(tmp_path / "unsafe.keras")
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    with pytest.raises(MusiclabError, match="junk.keras: not a .keras model file"):
        load_vae(tmp_path / "junk.keras")
    plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    plain.save(tmp_path / "plain.keras")
    with pytest.raises(MusiclabError, match="plain.keras: not a musiclab melody_vae"):
        load_vae(tmp_path / "plain.keras")
    with pytest.raises(MusiclabError, match="no such model file"):
        load_vae(tmp_path / "missing.keras")


def test_generation_is_seeded_and_well_formed(trained, windows):
    from musiclab.data.melody import VOCABULARY_SIZE
    from musiclab.vae import generate as generation

    model, _ = trained
    first = generation.sample(model, 3, temperature=1.0, seed=5)
    assert first.shape == (3, 32) and first.min() >= 0 and first.max() < VOCABULARY_SIZE
    np.testing.assert_array_equal(first, generation.sample(model, 3, temperature=1.0, seed=5))
    assert not np.array_equal(first, generation.sample(model, 3, temperature=1.0, seed=6))
    path = generation.interpolate(model, windows[0], windows[1], count=5)
    np.testing.assert_array_equal(path[0], generation.reconstruct(model, windows[:1])[0])
    np.testing.assert_array_equal(path[-1], generation.reconstruct(model, windows[1:2])[0])
    with pytest.raises(ValueError, match=r"tokens: expected shape \(batch, 32\)"):
        generation.encode(model, windows[:, :16])
    with pytest.raises(ValueError, match="temperature"):
        generation.decode(model, np.zeros((1, 8)), temperature=-1)


def test_slerp_keeps_the_ends_and_the_norm():
    from musiclab.vae.generate import slerp

    start, end = np.array([3.0, 0.0]), np.array([0.0, 3.0])
    path = slerp(start, end, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(path[0], start, atol=1e-6)
    np.testing.assert_allclose(path[-1], end, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 3.0, atol=1e-5)


JAX_SCRIPT = r"""
import numpy as np, keras
from musiclab.data import load_corpus
from musiclab.vae.model import MelodyVAEConfig, build_vae
from musiclab.vae import generate as generation
windows = load_corpus().select(collection="essen").windows(bars=2).tokens[:64]
keras.utils.set_random_seed(0)
model = build_vae(MelodyVAEConfig.smoke(), seed=0)
history = model.fit(windows, windows, batch_size=32, epochs=3, verbose=0).history
a = generation.sample(model, 2, temperature=1.0, seed=1)
b = generation.sample(model, 2, temperature=1.0, seed=1)
long_windows = load_corpus().select(collection="essen").windows(bars=16).tokens[:32]
long_model = build_vae(MelodyVAEConfig.smoke(bars=16), seed=0)
long_loss = long_model.fit(long_windows, long_windows, batch_size=16, epochs=1, verbose=0)
long_sample = generation.sample(long_model, 1, temperature=1.0, seed=1)
print(np.isfinite(long_loss.history["loss"][0]), long_sample.shape)
print(keras.backend.backend(), all(np.isfinite(history["loss"])),
      history["loss"][-1] < history["loss"][0], bool((a == b).all()), a.shape)
"""


def test_trains_and_generates_on_jax():
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", JAX_SCRIPT], capture_output=True, text=True,
                            env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-9:] == ["True", "(1,", "256)",
                                          "jax", "True", "True", "True", "(2,", "32)"]


def test_step_decoder_agrees_with_the_full_decoder(trained, windows):
    from keras import ops

    from musiclab.nn.layers import shifted
    from musiclab.vae import generate as generation
    from musiclab.vocab import START_TOKEN

    model, _ = trained
    latent = generation.encode(model, windows[:6])
    greedy = generation.decode(model, latent)
    previous = shifted(ops.convert_to_tensor(greedy.astype("int32")), START_TOKEN)
    logits = model.get_layer("decoder")([ops.convert_to_tensor(latent), previous])
    np.testing.assert_array_equal(ops.convert_to_numpy(logits).argmax(-1), greedy)


def test_evaluation_counts_correct_steps(trained, windows):
    from musiclab.vae import generate as generation
    from musiclab.vae.training import evaluate_vae

    model, _ = trained
    figures = evaluate_vae(model, windows[:40], batch_size=16)
    assert figures["windows"] == 40 and figures["kl_bits"] >= 0
    expected = (generation.reconstruct(model, windows[:40]) == windows[:40]).mean()
    assert abs(figures["free_running_accuracy"] - expected) < 1e-9
    assert 0 <= figures["teacher_forced_accuracy"] <= 1


@pytest.fixture(scope="module")
def sixteen_bars(bundled):
    import keras

    from musiclab.vae.model import MelodyVAEConfig, build_vae

    windows = bundled.select(collection="essen").windows(bars=16).tokens[:64]
    keras.utils.set_random_seed(0)
    model = build_vae(MelodyVAEConfig.smoke(bars=16), seed=0)
    history = model.fit(windows, windows, batch_size=16, epochs=2, verbose=0).history
    return model, windows, history


def test_hierarchical_16_bar_model_trains_saves_and_decodes(sixteen_bars, tmp_path):
    from keras import ops

    from musiclab.nn.config import save_model
    from musiclab.nn.layers import shifted
    from musiclab.vae import generate as generation
    from musiclab.vae.model import load_vae
    from musiclab.vocab import START_TOKEN

    model, windows, history = sixteen_bars
    assert {"conductor", "fold_inputs", "unfold_logits"} <= {
        layer.name for layer in model.get_layer("decoder").layers}
    assert history["loss"][-1] < history["loss"][0]
    save_model(model, tmp_path / "sixteen.keras")
    loaded = load_vae(tmp_path / "sixteen.keras")
    np.testing.assert_allclose(loaded.predict(windows[:2], verbose=0),
                               model.predict(windows[:2], verbose=0), atol=1e-5)
    latent = generation.encode(model, windows[:3])
    greedy = generation.decode(model, latent)
    assert greedy.shape == (3, 256)
    previous = shifted(ops.convert_to_tensor(greedy.astype("int32")), START_TOKEN)
    logits = model.get_layer("decoder")([ops.convert_to_tensor(latent), previous])
    np.testing.assert_array_equal(ops.convert_to_numpy(logits).argmax(-1), greedy)
