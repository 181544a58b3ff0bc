"""The interview answer: a classic GAN (Goodfellow et al. 2014) on 2-bar melodies, nothing more.

The overview's skeleton, filled in: ``generator(z)`` turns a 100-dimensional noise vector
into a 2-bar piano roll, ``discriminator(x)`` gives the probability that a roll is real,
both learn with binary cross-entropy, and every batch of 32 trains the discriminator first
and then the generator (through the discriminator, frozen). No Wasserstein loss, no
gradient penalty, no bars or tracks: compare ``musiclab.gan.model`` for what the
production model adds, and why.

    generator, discriminator, gan = build(noise_dim=100)
    history = train(generator, discriminator, gan, rolls, num_steps=300)
    melodies = generate(generator, count=4)          # (4, 32, 88) bool, one note a step
"""

import keras
import numpy as np

from musiclab.data.melody import tokens_to_notes
from musiclab.data.pianoroll import events_to_pianoroll
from musiclab.vocab import KEYS

STEPS = 32  # 2 bars of 16th notes


def generator_network(noise_dim=100, hidden=256):
    """``generator(z)``: noise ``(batch, noise_dim)`` -> key probabilities ``(batch, 32, 88)``."""
    z = keras.Input((noise_dim,), name="z")
    h = keras.layers.Dense(hidden)(z)
    h = keras.layers.LeakyReLU(0.2)(h)
    h = keras.layers.Dense(hidden * 2)(h)
    h = keras.layers.LeakyReLU(0.2)(h)
    roll = keras.layers.Dense(STEPS * KEYS, activation="sigmoid")(h)
    return keras.Model(z, keras.layers.Reshape((STEPS, KEYS))(roll), name="generator")


def discriminator_network(hidden=256):
    """``discriminator(x)``: roll ``(batch, 32, 88)`` -> validity, P(real), ``(batch, 1)``."""
    x = keras.Input((STEPS, KEYS), name="roll")
    h = keras.layers.Flatten()(x)
    h = keras.layers.Dense(hidden)(h)
    h = keras.layers.LeakyReLU(0.2)(h)
    validity = keras.layers.Dense(1, activation="sigmoid")(h)
    return keras.Model(x, validity, name="discriminator")


def build(noise_dim=100, learning_rate=2e-4):
    """The two networks and ``gan = discriminator(generator(z))`` for the generator's step."""
    generator, discriminator = generator_network(noise_dim), discriminator_network()
    discriminator.compile(keras.optimizers.Adam(learning_rate, beta_1=0.5), "binary_crossentropy")
    discriminator.trainable = False  # frozen inside ``gan``: its step moves the generator only
    z = keras.Input((noise_dim,))
    gan = keras.Model(z, discriminator(generator(z)), name="gan")
    gan.compile(keras.optimizers.Adam(learning_rate, beta_1=0.5), "binary_crossentropy")
    return generator, discriminator, gan


def train(generator, discriminator, gan, rolls, *, num_steps=300, batch_size=32, seed=0):
    """Alternate one discriminator and one generator update per batch.

    Args:
        rolls: real 2-bar rolls ``(n, 32, 88)``, 0/1.
        num_steps: batches to train.

    Returns:
        ``[{"step", "discriminator_loss", "generator_loss"}, ...]``, one per step.
    """
    rng = np.random.default_rng(seed)
    noise_dim = generator.input_shape[-1]
    real_label, fake_label = np.ones((batch_size, 1)), np.zeros((batch_size, 1))
    history = []
    for step in range(num_steps):
        real = rolls[rng.integers(0, len(rolls), batch_size)].astype("float32")
        z = rng.normal(size=(batch_size, noise_dim)).astype("float32")
        fake = generator.predict_on_batch(z)
        discriminator.trainable = True  # 1. the discriminator: real -> 1, fake -> 0
        d_loss = (discriminator.train_on_batch(real, real_label)
                  + discriminator.train_on_batch(fake, fake_label)) / 2
        discriminator.trainable = False  # 2. the generator: make the discriminator say 1
        z = rng.normal(size=(batch_size, noise_dim)).astype("float32")
        g_loss = gan.train_on_batch(z, real_label)  # non-saturating: -log D(G(z))
        history.append({"step": step + 1, "discriminator_loss": float(d_loss),
                        "generator_loss": float(g_loss)})
    return history


def generate(generator, count=4, seed=0):
    """Playable melodies: at each step the most probable key, if above 0.5.

    Returns:
        ``(count, 32, 88)`` bool rolls with at most one key per step.
    """
    z = np.random.default_rng(seed).normal(size=(count, generator.input_shape[-1]))
    probabilities = np.asarray(generator.predict_on_batch(z.astype("float32")))
    best = probabilities.argmax(-1)
    rolls = np.zeros(probabilities.shape, bool)
    sample, step = np.nonzero(probabilities.max(-1) > 0.5)
    rolls[sample, step, best[sample, step]] = True
    return rolls


def melody_rolls(tokens):
    """2-bar melody windows ``(n, 32)`` of tokens as rolls ``(n, 32, 88)`` bool."""
    return np.stack([events_to_pianoroll(tokens_to_notes(row), STEPS) for row in tokens])
