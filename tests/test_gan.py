"""The piano-roll GAN: shapes, the latent split, WGAN-GP steps on TensorFlow (here) and JAX
(subprocess), checkpoints with optimiser state, resume, generation controls."""

import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from musiclab.errors import MusiclabError
from musiclab.nn.config import read_extra


@pytest.fixture(scope="module")
def phrases():
    from musiclab.gan import chorale_phrases

    return chorale_phrases()


def test_chorale_phrases_are_four_voice_rolls(phrases, bundled):
    train = phrases["train"]
    assert train.shape[1:] == (32, 88, 4) and len(train) > 1000
    assert len(phrases["valid"]) > 50 and len(phrases["test"]) > 50
    sounding = train.any(axis=(1, 2)).mean(axis=0)
    assert (sounding > 0.95).all()  # every voice sounds in nearly every phrase
    lowest = [np.flatnonzero(train[..., voice].any(axis=(0, 1))).min() + 21 for voice in range(4)]
    assert lowest[0] > lowest[3]  # the soprano sits above the bass


def test_config_generator_and_critic_shapes(tmp_path):
    from musiclab.gan.model import (
        GANConfig,
        build_gan,
        load_gan,
        parts,
        sample_latent,
    )
    from musiclab.nn.config import save_model

    config = GANConfig.smoke()
    assert GANConfig.from_json(config.to_json()) == config
    assert set(config.latent_shapes) == {"chords", "style", "melody_0", "melody_1", "melody_2",
                                         "melody_3", "groove_0", "groove_1", "groove_2",
                                         "groove_3"}
    with pytest.raises(ValueError, match="pitches"):
        GANConfig(pitches=50)
    gan = build_gan(config)
    generator, critic = parts(gan)
    latent = sample_latent(config, 3, seed=1)
    rolls = generator.predict_on_batch(latent)
    assert rolls.shape == (3, 32, 48, 4) and 0 <= rolls.min() and rolls.max() <= 1
    assert critic.predict_on_batch(rolls).shape == (3, 1)
    save_model(gan, tmp_path / "gan.keras")
    assert np.allclose(parts(load_gan(tmp_path / "gan.keras"))[0].predict_on_batch(latent), rolls)
    (tmp_path / "bad.keras").write_bytes(b"PK\x03\x04broken")
    with pytest.raises(MusiclabError, match="bad.keras"):
        load_gan(tmp_path / "bad.keras")


def test_pitch_window_round_trip():
    from musiclab.gan.model import GANConfig, to_full_rolls, to_model_rolls

    config = GANConfig.smoke()
    full = np.zeros((1, 32, 88, 4), bool)
    full[0, :4, 60 - 21, 0] = True
    full[0, :4, 100 - 21, 1] = True  # above the window: folded down by octaves
    model = to_model_rolls(full, config)
    assert model.shape == (1, 32, 48, 4) and model[0, 0, 60 - 36, 0] == 1
    assert model[0, 0, 100 - 36 - 24, 1] == 1
    back = to_full_rolls(model, config)
    assert back[0, 0, 60 - 21, 0] and back[0, 0, 76 - 21, 1]
    sampled = to_full_rolls(np.full((1, 32, 48, 4), 0.5), config,
                            rng=np.random.default_rng(0))
    assert 0.4 < sampled[..., 15:63, :].mean() < 0.6


def test_training_step_gives_finite_losses_and_resumes(phrases, tmp_path):
    from musiclab.gan import train_gan
    from musiclab.gan.model import GANConfig

    config = GANConfig.smoke()
    gan, state = train_gan(config, phrases["train"][:200], phrases["valid"][:40], steps=4,
                           folder=tmp_path, batch_size=8, checkpoint_every=2, progress=False,
                           samples_for_metrics=16)
    entry = state["history"][-1]
    assert [e["step"] for e in state["history"]] == [2, 4]
    for key in ("loss", "generator_loss", "gradient_penalty", "wasserstein", "valid_loss"):
        assert np.isfinite(entry[key]), key
    assert entry["UPC_real"] > 2  # real chorale bars use several pitch classes
    assert {"EB_generated", "QN_generated", "collapse"} <= set(entry)
    with np.load(io.BytesIO(read_extra(tmp_path / "model.keras", "optimizers.npz")),
                 allow_pickle=False) as saved:  # the optimisers travel in the checkpoint
        iterations = saved["critic_0"]
    assert int(iterations) == 4 * config.critic_steps  # the critic's step counter
    _, resumed = train_gan(config, phrases["train"][:200], phrases["valid"][:40], steps=6,
                           folder=tmp_path, batch_size=8, checkpoint_every=2, progress=False,
                           samples_for_metrics=16)
    assert [e["step"] for e in resumed["history"]] == [2, 4, 6]
    with np.load(io.BytesIO(read_extra(tmp_path / "model.keras", "optimizers.npz")),
                 allow_pickle=False) as saved:
        assert int(saved["critic_0"]) == 6 * config.critic_steps


def test_generation_controls(phrases):
    from musiclab.gan import generate, interpolate_latent, vary_part
    from musiclab.gan.model import GANConfig, build_gan, sample_latent

    config = GANConfig.smoke()
    gan = build_gan(config)
    rolls = generate(gan, count=3, seed=2)
    assert rolls.shape == (3, 32, 88, 4) and rolls.dtype == bool
    assert np.array_equal(generate(gan, count=3, seed=2), rolls)
    assert not np.array_equal(generate(gan, count=3, seed=2, sample=True),
                              generate(gan, count=3, seed=3, sample=True))
    varied = vary_part(config, "chords", 4, seed=1)
    assert not np.allclose(varied["chords"][0], varied["chords"][1])
    assert np.allclose(varied["melody_2"][0], varied["melody_2"][3])
    assert np.allclose(varied["style"][0], varied["style"][1])
    with pytest.raises(ValueError, match="part: one of chords"):
        vary_part(config, "drums", 2)
    a, b = sample_latent(config, 1, 1), sample_latent(config, 1, 2)
    path = interpolate_latent(a, b, 5)
    assert path["style"].shape == (5, config.style_dim)
    assert np.allclose(path["style"][0], a["style"][0]) and np.allclose(path["style"][4],
                                                                         b["style"][0])
    assert np.allclose(path["style"][2], (a["style"][0] + b["style"][0]) / 2, atol=1e-6)
    with pytest.raises(ValueError, match="threshold"):
        generate(gan, count=1, threshold=0)


JAX_SCRIPT = """
import numpy as np, keras
from musiclab.gan.model import GANConfig, build_gan, sample_latent
from musiclab.gan.wgan_gp import WGANGPStep
config = GANConfig.smoke()
gan = build_gan(config)
step = WGANGPStep(gan)
rng = np.random.default_rng(0)
real = [(rng.random((4, 32, 48, 4)) > 0.9).astype("float32") for _ in range(2)]
noise = [sample_latent(config, 4, seed) for seed in range(2)]
mix = [rng.random((4, 1, 1, 1)).astype("float32") for _ in range(2)]
before = [v.numpy().copy() for v in gan.get_layer("critic").trainable_variables]
losses = step.step(real, noise, mix)
after = gan.get_layer("critic").trainable_variables
changed = any(not np.allclose(b, a.numpy()) for b, a in zip(before, after))
import sys, tempfile
from musiclab.gan.run import chorale_phrases, train_gan
phrases = chorale_phrases()
with tempfile.TemporaryDirectory() as folder:
    _, state = train_gan(config, phrases["train"][:64], phrases["valid"][:16], steps=2,
                         folder=folder, batch_size=4, checkpoint_every=1, progress=False,
                         samples_for_metrics=8)
trained = [e["step"] for e in state["history"]] == [1, 2] and state["device"] == "jax on CPU"
print(keras.backend.backend(), all(np.isfinite(v) for v in losses.values()), changed, trained)
"""


def test_wgan_gp_steps_and_smoke_training_on_jax():
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", JAX_SCRIPT], capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-4:] == ["jax", "True", "True", "True"]


def test_monitor_records_curves_and_playable_samples(phrases, tmp_path):
    from musiclab.gan import generate, train_gan
    from musiclab.gan.model import GANConfig
    from musiclab.sound.audio import read_wav
    from widgets import TrainingMonitor

    config = GANConfig.smoke()
    monitor = TrainingMonitor(keys=("loss", "generator_loss"), total_steps=4,
                              sample=lambda gan: generate(gan, count=1, seed=0)[0])
    train_gan(config, phrases["train"][:100], phrases["valid"][:20], steps=4, folder=tmp_path,
              batch_size=8, checkpoint_every=2, progress=False, samples_for_metrics=8,
              on_checkpoint=monitor)
    assert [entry["step"] for entry in monitor.history] == [2, 4]
    assert monitor.progress.value == 4 and list(monitor.checkpoint.options) == [2, 4]
    assert monitor.curves.value[:4] == b"\x89PNG" and monitor.roll.value[:4] == b"\x89PNG"
    assert read_wav(monitor.audio.value).duration > 2.0
    assert "step 4: loss" in monitor.status.value
    shown = monitor.roll.value
    monitor.checkpoint.value = 2
    assert monitor.samples[2].shape == (32, 88, 4) and monitor.roll.value != shown
    json.dumps(monitor.history, default=str)  # entries stay plain data
    assert monitor.curves.layout.display is None and monitor.roll.layout.display is None
    again = TrainingMonitor(keys=("loss",), total_steps=4,
                            sample=lambda gan: generate(gan, count=1, seed=0)[0])
    assert again.curves.layout.display == "none"  # no broken-image icon before a picture
    train_gan(config, phrases["train"][:100], phrases["valid"][:20], steps=4, folder=tmp_path,
              batch_size=8, checkpoint_every=2, progress=False, samples_for_metrics=8,
              on_checkpoint=again)  # finished already: the monitor shows where it stands
    assert [entry["step"] for entry in again.history] == [4] and again.progress.value == 4
    assert "step 4: loss" in again.status.value and again.audio.value[:4] == b"RIFF"


def test_gan_player_says_why_a_phrase_is_silent():
    from musiclab.gan.model import GANConfig, build_gan, parts
    from widgets import GANPlayer

    player = GANPlayer(build_gan(GANConfig.smoke()), debounce=0)
    highest = float(np.max(parts(player.gan)[0].predict_on_batch(player.current_latent())))
    threshold = float(np.ceil(highest * 20) / 20)  # the first slider stop above every output
    assert highest < threshold <= 0.95
    audio = player.audio.value
    player.threshold.value = threshold
    assert player.roll_value.sum() == 0 and player.audio.value == audio
    assert "0 notes" in player.status.value and f"threshold {threshold:.2f}" in player.status.value
    assert f"the highest is {highest:.2f}" in player.status.value


def test_gan_player_moves_through_the_noise_and_exports(tmp_path):
    from musiclab.gan.model import GANConfig, build_gan
    from musiclab.sound.audio import read_wav
    from widgets import GANPlayer

    config = GANConfig.smoke()
    player = GANPlayer(build_gan(config), export_folder=tmp_path, debounce=0)
    first = player.roll_value.copy()
    assert first.shape == (32, 88, 4) and read_wav(player.audio.value).duration > 2.0
    assert player.view.wait() and player.roll.value[:4] == b"\x89PNG"
    assert "GAN · seed A 0" in player.score.value
    assert player.variation.disabled  # no part is redrawn: the variation cannot apply
    player.threshold.value = 0.95
    assert player.roll_value.sum() <= first.sum()
    player.threshold.value = 0.5
    assert np.array_equal(player.roll_value, first)  # same controls, same phrase
    player.part.value = "chords"
    assert not player.variation.disabled
    player.variation.value = 3
    chords = player.current_latent()
    player.part.value = "none"
    plain = player.current_latent()
    assert not np.allclose(chords["chords"], plain["chords"])
    assert np.allclose(chords["melody_1"], plain["melody_1"])
    player.mix.value = 1.0
    from musiclab.gan.model import sample_latent

    assert np.allclose(player.current_latent()["style"], sample_latent(config, 1, 1)["style"])
    path = player.export()
    assert path.parent == tmp_path and path.suffix == ".mid" and path.stat().st_size > 50
    player.seed_a.value = -5
    assert "Could not generate" in player.status.value


def test_command_line_trains_a_gan(tmp_path, capsys):
    from musiclab.cli import main

    assert main(["train", "gan", "--smoke", "--steps", "2", "--batch-size", "4",
                 "--out", str(tmp_path / "run")]) == 0
    output = capsys.readouterr().out
    assert "training and" in output and "QN" in output
    assert (tmp_path / "run" / "model.keras").exists()
    assert read_extra(tmp_path / "run" / "model.keras", "optimizers.npz") is not None
    assert main(["train", "gan", "--steps", "0", "--out", str(tmp_path / "x")]) == 2
    assert "--steps must be at least 1" in capsys.readouterr().err
    assert main(["train", "gan", "--corpus", "oneill", "--steps", "1",
                 "--out", str(tmp_path / "y")]) == 2
    assert "too few four-voice 4/4 phrases" in capsys.readouterr().err
