"""The three interview answers (GAN, VAE, WaveNet): shapes, learning, causality, parameters."""

import inspect

import keras
import numpy as np
import pytest

from musiclab.data.splits import corpus_windows
from musiclab.gan import minimal as minimal_gan
from musiclab.vae import minimal as minimal_vae
from musiclab.wavenet import minimal as minimal_wavenet


@pytest.fixture(scope="module")
def windows():
    return corpus_windows("all")


def test_gan_skeleton_shapes_and_discriminator_learns(windows):
    keras.utils.set_random_seed(0)
    rolls = minimal_gan.melody_rolls(windows["train"][:2000])
    assert rolls.shape == (2000, 32, 88) and rolls.sum(-1).max() == 1
    generator, discriminator, gan = minimal_gan.build(noise_dim=100)
    assert generator.input_shape == (None, 100) and generator.output_shape == (None, 32, 88)
    assert discriminator.output_shape == (None, 1)
    fresh = minimal_gan.discriminator_network()
    fresh.set_weights(discriminator.get_weights())
    history = minimal_gan.train(generator, discriminator, gan, rolls, num_steps=40, batch_size=32)
    assert len(history) == 40 and all(np.isfinite(h["generator_loss"]) for h in history)
    # the discriminator's step moved the discriminator; the generator's step did not
    assert not np.allclose(fresh.get_weights()[0], discriminator.get_weights()[0])
    first, last = history[0]["discriminator_loss"], history[-1]["discriminator_loss"]
    assert last < first  # it learns to tell real from generated
    melodies = minimal_gan.generate(generator, count=8, seed=1)
    assert melodies.shape == (8, 32, 88) and melodies.sum(-1).max() <= 1
    assert melodies.sum() > 0  # something to play


def test_gan_generator_step_leaves_the_discriminator_alone(windows):
    keras.utils.set_random_seed(1)
    generator, discriminator, gan = minimal_gan.build()
    before_d = [w.copy() for w in discriminator.get_weights()]
    before_g = [w.copy() for w in generator.get_weights()]
    gan.train_on_batch(np.random.default_rng(0).normal(size=(32, 100)).astype("float32"),
                       np.ones((32, 1)))
    assert all(np.array_equal(a, b) for a, b in zip(before_d, discriminator.get_weights()))
    assert not all(np.array_equal(a, b) for a, b in zip(before_g, generator.get_weights()))


def test_vae_reparameterisation_elbo_and_learning(windows):
    keras.utils.set_random_seed(0)
    source = inspect.getsource(minimal_vae.MinimalVAE.call)
    assert "z = z_mean + keras.random.normal(ops.shape(z_mean)" in source
    assert "* ops.exp(0.5 * z_log_var)" in source
    vae = minimal_vae.MinimalVAE(noise_dim=100)
    vae.compile(keras.optimizers.Adam(1e-3))
    train, test = windows["train"][:4000], windows["test"][:300]
    logits, z_mean, z_log_var = vae(test[:5])
    assert tuple(logits.shape) == (5, 32, 90) and tuple(z_mean.shape) == (5, 100)
    nll_before, _ = vae.reconstruction_and_kl(test)
    vae.fit(train, batch_size=32, epochs=2, verbose=0)
    nll_after, kl = vae.reconstruction_and_kl(test)
    assert nll_after < 0.6 * nll_before and kl >= 0
    # the loss is the negative ELBO: reconstruction + the closed-form KL, nothing else
    z_mean, z_log_var = (np.zeros((1, 3)), np.log(np.full((1, 3), 4.0)))
    closed = -0.5 * np.sum(1 + z_log_var - z_mean ** 2 - np.exp(z_log_var))
    assert closed == pytest.approx(3 * 0.5 * (4 - 1 - np.log(4)))
    melodies = vae.sample(3)
    assert melodies.shape == (3, 32) and melodies.min() >= 0 and melodies.max() < 90


def test_wavenet_receptive_field_matches_the_network():
    keras.utils.set_random_seed(0)
    sizes = [5, 5, 3, 3]
    assert minimal_wavenet.receptive_field(sizes) == 37
    model = minimal_wavenet.wavenet(filter_sizes=sizes, num_layers=4)
    tokens = np.random.default_rng(0).integers(2, 90, (1, 80))
    base = np.asarray(model(tokens))
    seen = []
    for position in range(80):  # which inputs change output 79?
        changed = tokens.copy()
        changed[0, position] = 2 + (changed[0, position] - 1) % 88
        seen.append(not np.allclose(np.asarray(model(changed))[0, 79], base[0, 79], atol=1e-6))
        # causality: no output before the changed input moves
        assert np.allclose(np.asarray(model(changed))[0, :position], base[0, :position],
                           atol=1e-6)
    assert sum(seen) == 37 and seen[-37:] == [True] * 37


def test_wavenet_skeleton_parameters_and_loss_falls(windows):
    keras.utils.set_random_seed(0)
    with pytest.raises(ValueError, match="filter_sizes"):
        minimal_wavenet.wavenet(filter_sizes=[5, 5, 3], num_layers=4)
    model = minimal_wavenet.wavenet(filter_sizes=[5, 5, 3, 3], num_layers=4)
    test = windows["test"][:200]
    before = minimal_wavenet.negative_log_likelihood(model, test)
    losses = minimal_wavenet.train_wavenet(model, windows["train"][:3000], num_steps=60,
                                           batch_size=32)
    assert len(losses) == 60 and np.mean(losses[-10:]) < np.mean(losses[:10])
    assert minimal_wavenet.negative_log_likelihood(model, test) < 0.6 * before
