"""The interview answer: a VAE (Kingma & Welling 2014) on 2-bar melodies, nothing more.

The overview's skeleton, filled in: ``encoder(x) -> z_mean, z_log_var``, the
reparameterisation line as the overview writes it, ``decoder(z)``, and the loss written out
as the negative ELBO, reconstruction plus KL, with nothing else: no free bits, no beta
annealing, no recurrent decoder. ``musiclab.vae.model`` adds those, and notebook 02 says why
(posterior collapse).

    vae = MinimalVAE(noise_dim=100)
    losses = train_vae(vae, tokens, num_steps=1000)   # tokens: (n, 32) melody windows
    melodies = vae.sample(4)                         # (4, 32) tokens
"""

import keras
import numpy as np
from keras import ops

from musiclab.nn.sampling import token_negative_log_likelihood
from musiclab.vocab import VOCABULARY_SIZE

STEPS = 32  # 2 bars of 16th notes


class MinimalVAE(keras.Model):
    """Tokens ``(batch, 32)`` -> logits ``(batch, 32, 90)`` through ``z`` of ``noise_dim``."""

    def __init__(self, noise_dim=100, hidden=256, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.noise_dim = noise_dim
        self.encoder = keras.Sequential([  # encoder(x) -> z_mean, z_log_var
            keras.layers.Embedding(VOCABULARY_SIZE, 32), keras.layers.Flatten(),
            keras.layers.Dense(hidden, activation="relu"), keras.layers.Dense(2 * noise_dim)])
        self.decoder = keras.Sequential([  # decoder(z) -> one distribution per step
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(STEPS * VOCABULARY_SIZE),
            keras.layers.Reshape((STEPS, VOCABULARY_SIZE))])
        self.seed_generator = keras.random.SeedGenerator(seed)

    def encode(self, x):
        """``(z_mean, z_log_var)``, each ``(batch, noise_dim)``."""
        h = self.encoder(x)
        return h[:, :self.noise_dim], h[:, self.noise_dim:]

    def call(self, x):
        z_mean, z_log_var = self.encode(x)
        noise = self.seed_generator  # the overview's line, in keras.ops:
        z = z_mean + keras.random.normal(ops.shape(z_mean), seed=noise) * ops.exp(0.5 * z_log_var)
        return self.decoder(z), z_mean, z_log_var

    def compute_loss(self, x, y, y_pred, sample_weight=None, training=True):
        """The negative ELBO, in nats per melody: reconstruction + KL(q(z|x) || N(0, I))."""
        logits, z_mean, z_log_var = y_pred
        reconstruction = ops.sum(keras.losses.sparse_categorical_crossentropy(
            x, logits, from_logits=True), axis=-1)  # -log p(x|z), summed over the 32 steps
        kl = -0.5 * ops.sum(1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)
        return ops.mean(reconstruction + kl)

    def reconstruction_and_kl(self, tokens):
        """Mean reconstruction NLL and KL (nats per melody) of ``tokens`` at the encoder's mean."""
        z_mean, z_log_var = (np.asarray(part) for part in self.encode(tokens))
        logits = np.asarray(self.decoder(z_mean))
        nll = token_negative_log_likelihood(logits, tokens).sum(-1)
        kl = -0.5 * (1 + z_log_var - z_mean ** 2 - np.exp(z_log_var)).sum(-1)
        return float(nll.mean()), float(kl.mean())

    def sample(self, count=4, seed=0):
        """Melodies decoded from the prior, ``z ~ N(0, I)``: tokens ``(count, 32)``."""
        z = np.random.default_rng(seed).normal(size=(count, self.noise_dim)).astype("float32")
        return np.asarray(self.decoder(z)).argmax(-1)


def train_vae(vae, x_train, *, num_steps=1000, batch_size=32, learning_rate=1e-3, seed=0):
    """``num_steps`` batches of the negative ELBO (``vae.fit`` works too).

    Args:
        x_train: melody windows ``(n, 32)``.

    Returns:
        The loss after each batch (nats per melody), a list of ``num_steps`` floats.
    """
    if not vae.compiled:
        vae.compile(keras.optimizers.Adam(learning_rate))
    rng = np.random.default_rng(seed)
    return [float(vae.train_on_batch(x_train[rng.integers(0, len(x_train), batch_size)]))
            for _ in range(num_steps)]
