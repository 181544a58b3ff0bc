"""Generation with a trained melody VAE: encode, decode, sample, interpolate.

``model`` is the training model from ``musiclab.models.melody_vae.build_vae``
(or loaded from a ``.keras`` file); its ``encoder`` and ``decoder`` parts are
used here. Decoding runs the decoder's LSTM cell one step at a time, feeding
back each chosen token. The same seed gives the same notes.

A conditional VAE (a config with ``styles``) takes a ``style`` everywhere: a
style name, its index, or style vectors ``(batch, styles)`` that may mix styles
(``style_vector`` builds those, with a strength).
"""

import weakref

import numpy as np
from keras import ops

from musiclab.data.melody import VOCABULARY_SIZE
from musiclab.models.common import compiled_call
from musiclab.models.melody_vae import START_TOKEN, style_names


def _parts(model):
    return model.get_layer("encoder"), model.get_layer("decoder")


def melody_steps(model):
    """Tokens per melody of a melody VAE."""
    return _parts(model)[1].input_shape[1][1]


def style_vector(model, style, count=1, strength=1.0, source=None):
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


def encode(model, tokens, style=None):
    """Posterior means of melodies.

    Args:
        model: a melody VAE.
        tokens: int array ``(batch, steps)`` of melody tokens.
        style: the melodies' style (conditional VAEs only).

    Returns:
        float32 array ``(batch, latent_dim)``.
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
    mean, _ = encoder(inputs, training=False)
    return np.asarray(ops.convert_to_numpy(mean), dtype=np.float32)


_STEP_MODELS = weakref.WeakKeyDictionary()


def _step_models(model):
    """Compiled pieces of the decoder that share its weights, for step-by-step decoding.

    Returns ``(contexts, initial, step, segment)``: ``contexts(latent)`` gives one
    context vector per segment ``(batch, segments, width)`` (the code itself for a
    flat decoder; the conductor's bar embeddings for a hierarchical one);
    ``initial(context) -> [h, c]`` starts each segment; ``step([previous, context,
    h, c]) -> [logits, h, c]`` makes one token; ``segment`` is steps per segment.
    """
    if model in _STEP_MODELS:
        return _STEP_MODELS[model]
    import keras

    _, decoder = _parts(model)
    names = {layer.name for layer in decoder.layers}
    embedding = next(layer for layer in decoder.layers if layer.name.startswith("embedding"))
    lstm = next(layer for layer in decoder.layers
                if layer.name.startswith("lstm") and isinstance(layer, keras.layers.LSTM))
    steps = decoder.input_shape[1][1]
    if "conductor" in names:
        conductor = decoder.get_layer("conductor")
        bars = conductor.output_shape[1]
        width, segment = conductor.output_shape[2], steps // bars
        contexts = conductor.predict_on_batch
    else:
        width, segment = decoder.input_shape[0][1], steps

        def contexts(latent):
            return latent[:, None, :]

    context = keras.Input((width,))
    initial = keras.Model(context, [decoder.get_layer("initial_h")(context),
                                    decoder.get_layer("initial_c")(context)])
    previous = keras.Input((), dtype="int32")
    hidden, cell = keras.Input((lstm.units,)), keras.Input((lstm.units,))
    inputs = keras.layers.Concatenate()([embedding(previous), context])
    output, (next_hidden, next_cell) = lstm.cell(inputs, [hidden, cell])
    step = keras.Model([previous, context, hidden, cell],
                       [decoder.get_layer("logits")(output), next_hidden, next_cell])
    _STEP_MODELS[model] = (contexts, initial, step, segment)
    return _STEP_MODELS[model]


def decode(model, latent, temperature=0.0, seed=0, style=None):
    """Decode latent codes into melodies, one step at a time.

    Each step runs one compiled pass through the decoder's LSTM cell, fed the
    token chosen at the step before; a hierarchical decoder restarts its state
    at every bar from the conductor's embedding of that bar.

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
    contexts, initial, step, segment = _step_models(model)
    initial, step = compiled_call(initial), compiled_call(step)
    contexts = np.asarray(contexts(latent), dtype=np.float32)
    previous = np.full((len(latent),), START_TOKEN, dtype=np.int32)
    rng = np.random.default_rng(seed)
    result = np.zeros((len(latent), steps), dtype=np.int16)
    for index in range(steps):
        context = contexts[:, index // segment]
        if index % segment == 0:
            hidden, cell = initial(context)
        logits, hidden, cell = step([previous, context, hidden, cell])
        chosen = sample_tokens(np.asarray(logits, dtype=np.float64), temperature, rng)
        result[:, index] = chosen
        previous = chosen.astype(np.int32)
    return result


def sample_tokens(logits, temperature, rng):
    """One token per row of logits ``(batch, classes)``: the most likely at temperature 0,
    otherwise drawn from the softmax of ``logits / temperature`` with ``rng``.

    Returns:
        int array ``(batch,)``.
    """
    if temperature == 0:
        return logits.argmax(axis=-1)
    scaled = logits / temperature
    probabilities = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    probabilities /= probabilities.sum(axis=-1, keepdims=True)
    return np.array([rng.choice(len(row), p=row) for row in probabilities])


def reconstruct(model, tokens, temperature=0.0, seed=0, style=None):
    """Encode then decode (free-running). Returns tokens of the same shape."""
    return decode(model, encode(model, tokens, style), temperature, seed, style)


def sample(model, count, temperature=1.0, seed=0, style=None):
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
    return decode(model, codes, temperature, seed, style)


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


def interpolate(model, tokens_a, tokens_b, count=7, temperature=0.0, seed=0, style=None):
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
    means = encode(model, np.stack([tokens_a, tokens_b]), style)
    path = slerp(means[0], means[1], np.linspace(0.0, 1.0, count))
    return decode(model, path, temperature, seed, style)
