"""The interview answer: a WaveNet (van den Oord et al. 2016) on melody tokens, nothing more.

The overview's skeleton, filled in: ``wavenet(filter_sizes, num_layers)`` stacks
``num_layers`` dilated causal convolutions (layer ``i``: kernel ``filter_sizes[i]``,
dilation ``2**i``), each gated (``tanh(f) * sigmoid(g)``) with a residual and a skip
connection, and predicts the next token; ``train_wavenet`` runs ``num_steps`` batches of 32.
The original modelled raw audio samples; this one models melody tokens with the same network
(``musiclab.wavenet.model`` is the production version, with conditioning and fast sampling).

    model = wavenet(filter_sizes=[5, 5, 3, 3], num_layers=4)
    receptive_field([5, 5, 3, 3])                    # 37 steps: 1 + sum((k - 1) * 2**i)
    history = train_wavenet(model, tokens, num_steps=1000)
"""

import keras
import numpy as np

from musiclab.nn.sampling import token_negative_log_likelihood
from musiclab.vocab import START_TOKEN, VOCABULARY_SIZE


def receptive_field(filter_sizes):
    """Steps one prediction sees: ``1 + sum_i (filter_sizes[i] - 1) * 2**i``."""
    return 1 + sum((size - 1) * 2 ** layer for layer, size in enumerate(filter_sizes))


def wavenet(filter_sizes=(5, 5, 3, 3), num_layers=4, channels=64):
    """Tokens ``(batch, steps)`` -> next-token logits ``(batch, steps, 90)``.

    Output ``t`` sees tokens ``t - receptive_field + 1 .. t`` only (causal): train it to
    predict token ``t + 1``.
    """
    if len(filter_sizes) != num_layers:
        raise ValueError(f"filter_sizes: {len(filter_sizes)} sizes for num_layers={num_layers}")
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(VOCABULARY_SIZE + 1, channels)(inputs)  # + the start token
    skips = []
    for layer, size in enumerate(filter_sizes):
        def dilated(name, layer=layer, size=size):
            return keras.layers.Conv1D(channels, size, dilation_rate=2 ** layer,
                                       padding="causal", name=f"{name}_{layer}")
        gated = keras.layers.Multiply()([  # tanh(W_f * x) . sigmoid(W_g * x)
            keras.layers.Activation("tanh")(dilated("filter")(x)),
            keras.layers.Activation("sigmoid")(dilated("gate")(x))])
        skips.append(keras.layers.Conv1D(channels, 1)(gated))
        x = keras.layers.Add()([x, keras.layers.Conv1D(channels, 1)(gated)])  # residual
    h = keras.layers.Activation("relu")(keras.layers.Add()(skips))
    h = keras.layers.Conv1D(channels, 1, activation="relu")(h)
    return keras.Model(inputs, keras.layers.Conv1D(VOCABULARY_SIZE, 1)(h), name="wavenet")


def shifted_pairs(tokens):
    """``(inputs, targets)``: the start token then ``tokens[:-1]``, to predict ``tokens``."""
    tokens = np.asarray(tokens)
    start = np.full((len(tokens), 1), START_TOKEN, tokens.dtype)
    return np.concatenate([start, tokens[:, :-1]], axis=1), tokens


def train_wavenet(model, tokens, *, num_steps=1000, batch_size=32, learning_rate=1e-3, seed=0):
    """``num_steps`` batches of next-token cross-entropy.

    Args:
        tokens: melody windows ``(n, steps)``.

    Returns:
        The training loss (nats per step) after each batch, a list of ``num_steps`` floats.
    """
    if not model.compiled:
        model.compile(keras.optimizers.Adam(learning_rate),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    inputs, targets = shifted_pairs(tokens)
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(num_steps):
        batch = rng.integers(0, len(tokens), batch_size)
        losses.append(float(model.train_on_batch(inputs[batch], targets[batch])))
    return losses


def negative_log_likelihood(model, tokens):
    """Mean next-token NLL (nats per step) of ``tokens`` ``(n, steps)``."""
    inputs, targets = shifted_pairs(tokens)
    logits = np.concatenate([np.asarray(model(inputs[start:start + 256]), np.float64)
                             for start in range(0, len(inputs), 256)])
    return float(token_negative_log_likelihood(logits, targets).mean())
