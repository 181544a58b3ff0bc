"""Same seed, same backend, same notes: every family's fixed-seed outputs, recorded with the
code before it moved into one package per family (``fixtures/same_notes.npz``: the small
models' weights, their inputs and what they generated), must not change.

Recorded on TensorFlow; the shipped VAE is the package's own model.
"""

from pathlib import Path

import keras
import numpy as np
import pytest

from musiclab import gan, harmony, style, vae, wavenet
from musiclab.data import corpus_windows
from musiclab.vae import latent

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "same_notes.npz", allow_pickle=False)

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                reason="the fixture was recorded on TensorFlow")


def weights(name, model):
    """Give ``model`` the recorded weights of ``name``. Returns the model."""
    keys = sorted(key for key in FIXTURE.files if key.startswith(f"{name}/w"))
    model.set_weights([FIXTURE[key] for key in keys])
    return model


def same(name, value):
    np.testing.assert_array_equal(np.asarray(value), FIXTURE[name], err_msg=name)


def test_the_shipped_vae_samples_interpolates_reconstructs_and_transfers_as_before():
    model, melodies = vae.pretrained(), FIXTURE["melodies"]
    same("vae/sample", vae.sample(model, 4, temperature=0.7, seed=3))
    same("vae/interpolate", vae.interpolate(model, melodies[0], melodies[1], count=5))
    same("vae/reconstruct", vae.reconstruct(model, melodies, temperature=0.5, seed=2))
    vectors = latent.label_vectors(FIXTURE["vae/label_codes"], np.array(["a"] * 200 + ["b"] * 200))
    same("vae/transfer_vectors", style.transfer_style(model, melodies, "b", strength=1.5,
                                                      source="a", vectors=vectors))


def test_a_conditional_and_a_hierarchical_vae_decode_as_before():
    config = vae.MelodyVAEConfig.smoke().replace(styles=("a", "b", "c"))
    cvae = weights("cvae", vae.build_vae(config, seed=1))
    same("cvae/sample", vae.sample(cvae, 3, temperature=1.0, seed=4, style="b"))
    same("cvae/transfer", style.transfer_style(cvae, FIXTURE["melodies"], "c", strength=0.8,
                                               source="a", temperature=0.6, seed=5))
    deep = weights("vae16", vae.build_vae(vae.MelodyVAEConfig.smoke(bars=4), seed=2))
    same("vae16/sample", vae.sample(deep, 2, temperature=0.8, seed=6))


def test_the_wavenet_samples_as_before_cached_and_naive():
    melody = weights("wavenet_melody", wavenet.build_wavenet(
        wavenet.WaveNetConfig.smoke("melody", ("a", "b"))))
    primer = FIXTURE["melodies"][2][:12]
    for method in ("cached", "naive"):
        same(f"wavenet_melody/{method}", wavenet.generate(
            melody, length=40, temperature=0.9, top_k=20, top_p=0.9, seed=5, primer=primer,
            style=1, count=2, method=method))
    same("wavenet_melody/strength", wavenet.generate(melody, length=24, temperature=1.0, seed=7,
                                                     style=0, style_strength=2.0))
    roll = weights("wavenet_roll", wavenet.build_wavenet(wavenet.WaveNetConfig.smoke("pianoroll")))
    for method in ("cached", "naive"):
        same(f"wavenet_roll/{method}", wavenet.generate(roll, length=20, temperature=1.0, top_k=4,
                                                        seed=8, count=2, method=method))


def test_the_gan_harmony_model_and_classifier_answer_as_before():
    config = gan.GANConfig.smoke()
    model = weights("gan", gan.build_gan(config))
    same("gan/threshold", gan.generate(model, count=3, seed=2, threshold=0.5))
    same("gan/bernoulli", gan.generate(model, count=3, seed=2, sample=True))
    same("gan/vary", gan.generate(model, latent=gan.vary_part(config, "melody", 2, seed=3)))

    chorales = weights("harmony", harmony.build_harmony_model(harmony.HarmonyConfig.smoke()))
    same("harmony/chorale", harmony.generate_chorale(chorales, count=2, steps=16,
                                                     temperature=1.0, seed=4))
    same("harmony/harmonize", harmony.harmonize(chorales, FIXTURE["melodies"][3][:16],
                                                temperature=0.8, seed=9))

    judge = weights("classifier", style.build_style_classifier(style.StyleClassifierConfig.smoke()))
    verdict = style.classify(judge, FIXTURE["melodies"])
    np.testing.assert_allclose(verdict["region"], FIXTURE["classifier/region"], rtol=1e-6)
    np.testing.assert_allclose(verdict["dance"], FIXTURE["classifier/dance"], rtol=1e-6)


def test_the_shipped_vae_keeps_its_held_out_figures():
    figures = vae.evaluate(vae.pretrained(), corpus_windows("all", bars=2)["test"])
    card = vae.model_card()["held_out"]
    assert figures["windows"] == card["windows"]
    for name in ("teacher_forced_accuracy", "free_running_accuracy"):
        assert figures[name] == pytest.approx(card[name], abs=1e-9), name
    assert figures["kl_bits"] == pytest.approx(card["kl_bits"], rel=1e-5)
