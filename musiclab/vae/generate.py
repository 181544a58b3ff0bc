"""Generation with a trained melody VAE: encode, decode, sample, interpolate.

``model`` is the training model from ``musiclab.vae.model.build_vae``
(or loaded from a ``.keras`` file); its ``encoder`` and ``decoder`` parts are
used here. Decoding runs the decoder's LSTM cell one step at a time in NumPy,
on the decoder's weights, feeding back each chosen token. The same seed gives
the same notes.

A conditional VAE (a config with ``styles``) takes a ``style`` everywhere: a
style name, its index, or style vectors ``(batch, styles)`` that may mix styles
(``style_vector`` builds those, with a strength).
"""

import numpy as np
from keras import ops

from musiclab.nn.sampling import choose_tokens
from musiclab.vae.model import style_names
from musiclab.vocab import START_TOKEN, VOCABULARY_SIZE


def _parts(model):
    return model.get_layer("encoder"), model.get_layer("decoder")


def melody_steps(model):
    """Tokens per melody of a melody VAE."""
    return _parts(model)[1].input_shape[1][1]


def style_vector(model, style, count=1, *, strength=1.0, source=None):
    """Style vectors for a conditional VAE.

    Args:
        model: a conditional melody VAE.
        style: a style name or index, or an array ``(count, styles)`` used as is.
        count: rows wanted.
        strength: 0..1; with ``source``, the mix ``(1 - strength) * source + strength * style``.
        source: optional style name or index to mix from.

    Returns:
        float32 array ``(count, styles)``.

    Raises:
        ValueError: naming the style when the model does not know it.
    """
    names = style_names(model)
    if not names:
        raise ValueError("style: this melody VAE is not conditioned on styles")
    if np.ndim(style) == 2:
        vectors = np.asarray(style, np.float32)
        if vectors.shape[1] != len(names):
            raise ValueError(f"style: expected {len(names)} columns, got {vectors.shape[1]}")
        return vectors
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength: must be in [0, 1], got {strength}")

    def one_hot(value):
        index = value if isinstance(value, int | np.integer) else None
        if index is None:
            if str(value) not in names:
                raise ValueError(f"style: unknown {value!r}; this model knows {list(names)}")
            index = names.index(str(value))
        if not 0 <= index < len(names):
            raise ValueError(f"style: index {index} out of range 0..{len(names) - 1}")
        vector = np.zeros(len(names), np.float32)
        vector[index] = 1.0
        return vector

    vector = one_hot(style)
    if source is not None:
        vector = (1.0 - strength) * one_hot(source) + strength * vector
    elif strength != 1.0:
        vector = vector * strength
    return np.repeat(vector[None], count, axis=0)


def _styled(model, style, count):
    conditional = bool(style_names(model))
    if conditional and style is None:
        raise ValueError(f"style: this melody VAE is conditioned on styles; give one of "
                         f"{list(style_names(model))}")
    if not conditional and style is not None:
        raise ValueError("style: this melody VAE is not conditioned on styles")
    return style_vector(model, style, count) if conditional else None


def encode(model, tokens, *, style=None):
    """Posterior means of melodies.

    Args:
        model: a melody VAE.
        tokens: int array ``(batch, steps)`` of melody tokens.
        style: the melodies' style (conditional VAEs only).

    Returns:
        float32 array ``(batch, latent_dim)``.
    """
    return posterior(model, tokens, style=style)[0]


def posterior(model, tokens, *, style=None):
    """Mean and log-variance of ``q(z | x)`` for melodies (what the KL is computed from).

    Args:
        model: a melody VAE.
        tokens: int array ``(batch, steps)`` of melody tokens.
        style: the melodies' style (conditional VAEs only).

    Returns:
        ``(mean, log_variance)``: float32 arrays ``(batch, latent_dim)``.
    """
    encoder, _ = _parts(model)
    tokens = np.asarray(tokens)
    expected = melody_steps(model)
    if tokens.ndim != 2 or tokens.shape[1] != expected:
        raise ValueError(f"tokens: expected shape (batch, {expected}), got {tokens.shape}")
    if tokens.min() < 0 or tokens.max() >= VOCABULARY_SIZE:
        raise ValueError(f"tokens: values must be in [0, {VOCABULARY_SIZE})")
    styles = _styled(model, style, len(tokens))
    inputs = tokens.astype("int32") if styles is None else [tokens.astype("int32"), styles]
    mean, log_variance = encoder(inputs, training=False)
    return tuple(np.asarray(ops.convert_to_numpy(part), dtype=np.float32)
                 for part in (mean, log_variance))


def _sigmoid(values):
    return 0.5 * (1.0 + np.tanh(0.5 * values))


def _lstm_step(gates, cell):
    """One LSTM update from its pre-activations ``(batch, 4 * units)`` (Keras gate order
    i, f, c, o). Returns ``(hidden, cell)``."""
    input_gate, forget_gate, candidate, output_gate = np.split(gates, 4, axis=-1)
    cell = _sigmoid(forget_gate) * cell + _sigmoid(input_gate) * np.tanh(candidate)
    return _sigmoid(output_gate) * np.tanh(cell), cell


def _weights(layer):
    """A layer's current weights as float32 arrays."""
    return [np.asarray(weight, np.float32) for weight in layer.get_weights()]


def _tanh_dense(weights, inputs):
    kernel, bias = weights
    return np.tanh(inputs @ kernel + bias)


def _bar_contexts(conductor, latent):
    """The conductor's embedding of every bar ``(batch, bars, units)``, in NumPy."""
    kernel, recurrent, bias = _weights(conductor.get_layer("conductor_lstm"))
    hidden = _tanh_dense(_weights(conductor.get_layer("conductor_h")), latent)
    cell = _tanh_dense(_weights(conductor.get_layer("conductor_c")), latent)
    constant = latent @ kernel + bias  # the conductor sees the code at every bar
    bars = []
    for _ in range(conductor.output_shape[1]):
        hidden, cell = _lstm_step(constant + hidden @ recurrent, cell)
        bars.append(hidden)
    return np.stack(bars, axis=1)


def decode(model, latent, *, temperature=0.0, seed=0, style=None):
    """Decode latent codes into melodies, one step at a time.

    The decoder's LSTM cell runs in NumPy on its current weights, fed the token
    chosen at the step before (at batch 1 a step costs tens of microseconds,
    where a call into a compiled backend function costs about a millisecond); a
    hierarchical decoder restarts its state at every bar from the conductor's
    embedding of that bar.

    Args:
        model: a melody VAE.
        latent: float array ``(batch, latent_dim)``.
        temperature: 0 picks the most likely token; higher values sample more freely.
        seed: seed of the sampling (ignored at temperature 0).
        style: the style to decode in (conditional VAEs only; see ``style_vector``).

    Returns:
        int16 array ``(batch, steps)`` of melody tokens.
    """
    if temperature < 0:
        raise ValueError(f"temperature: must be >= 0, got {temperature}")
    _, decoder = _parts(model)
    latent = np.asarray(latent, dtype=np.float32)
    styles = len(style_names(model))
    latent_dim, steps = decoder.input_shape[0][1] - styles, decoder.input_shape[1][1]
    if latent.ndim != 2 or latent.shape[1] != latent_dim:
        raise ValueError(f"latent: expected shape (batch, {latent_dim}), got {latent.shape}")
    vectors = _styled(model, style, len(latent))
    if vectors is not None:
        latent = np.concatenate([latent, vectors], axis=1)
    layers = {layer.name: layer for layer in decoder.layers}
    kernel, recurrent, bias = _weights(layers["decoder_lstm"])
    (table,) = _weights(layers["token_embedding"])
    token_gates = table @ kernel[: table.shape[1]]  # (vocabulary + 1, 4 * units)
    if "conductor" in layers:
        contexts = _bar_contexts(layers["conductor"], latent)
    else:
        contexts = latent[:, None, :]
    segment = steps // contexts.shape[1]
    initial_h, initial_c = _weights(layers["initial_h"]), _weights(layers["initial_c"])
    logits_kernel, logits_bias = _weights(layers["logits"])
    previous = np.full((len(latent),), START_TOKEN, dtype=np.int64)
    rng = np.random.default_rng(seed)
    result = np.zeros((len(latent), steps), dtype=np.int16)
    for index in range(steps):
        if index % segment == 0:
            context = contexts[:, index // segment]
            hidden, cell = _tanh_dense(initial_h, context), _tanh_dense(initial_c, context)
            context_gates = context @ kernel[table.shape[1]:] + bias
        hidden, cell = _lstm_step(token_gates[previous] + context_gates + hidden @ recurrent,
                                  cell)
        logits = hidden @ logits_kernel + logits_bias
        previous = choose_tokens(logits, temperature=temperature, rng=rng)
        result[:, index] = previous
    return result


def reconstruct(model, tokens, *, temperature=0.0, seed=0, style=None):
    """Encode then decode (free-running). Returns tokens of the same shape."""
    return decode(model, encode(model, tokens, style=style), temperature=temperature, seed=seed,
                  style=style)


def sample(model, count, *, temperature=1.0, seed=0, style=None):
    """Melodies from latent codes drawn from the prior N(0, I).

    Args:
        model: a melody VAE.
        count: how many melodies.
        temperature: decoding temperature.
        seed: one seed for the codes and the decoding.
        style: the style to sample in (conditional VAEs only).

    Returns:
        int16 array ``(count, steps)``.
    """
    if count < 1:
        raise ValueError(f"count: must be at least 1, got {count}")
    latent_dim = _parts(model)[0].output_shape[0][1]
    codes = np.random.default_rng(seed).standard_normal((count, latent_dim)).astype(np.float32)
    return decode(model, codes, temperature=temperature, seed=seed, style=style)


def slerp(start, end, fractions):
    """Spherical interpolation between two vectors.

    Args:
        start, end: float arrays ``(latent_dim,)``.
        fractions: iterable of values in [0, 1].

    Returns:
        float32 array ``(len(fractions), latent_dim)``; rows 0 and 1 of the
        path are ``start`` and ``end`` exactly.
    """
    start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
    cosine = np.dot(start, end) / max(np.linalg.norm(start) * np.linalg.norm(end), 1e-12)
    angle = np.arccos(np.clip(cosine, -1.0, 1.0))
    rows = []
    for fraction in fractions:
        if angle < 1e-6:
            rows.append((1 - fraction) * start + fraction * end)
        else:
            rows.append((np.sin((1 - fraction) * angle) * start
                         + np.sin(fraction * angle) * end) / np.sin(angle))
    return np.array(rows, dtype=np.float32)


def interpolate(model, tokens_a, tokens_b, *, count=7, temperature=0.0, seed=0, style=None):
    """Melodies along the slerp path between the posterior means of two melodies.

    Args:
        model: a melody VAE.
        tokens_a, tokens_b: int arrays ``(steps,)``.
        count: number of melodies on the path, ends included (at least 2).
        temperature, seed: decoding settings.
        style: one style for both melodies and the path (conditional VAEs only).

    Returns:
        int16 array ``(count, steps)``.
    """
    if count < 2:
        raise ValueError(f"count: must be at least 2, got {count}")
    means = encode(model, np.stack([tokens_a, tokens_b]), style=style)
    path = slerp(means[0], means[1], np.linspace(0.0, 1.0, count))
    return decode(model, path, temperature=temperature, seed=seed, style=style)
