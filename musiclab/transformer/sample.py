"""Sampling from a Transformer with a key-value cache, and its attention maps.

A Transformer predicting token ``t`` attends over the keys and values of every token
before it. Recomputing them for every new token ("naive") costs ``O(t)`` block passes
per step, ``O(n^2)`` for ``n`` tokens; keeping each layer's keys and values in a cache
costs one token's pass plus one attention row per step: ``O(t d)`` work instead of
``O(t d^2 + t^2 d)``.

The cached steps run in NumPy on the model's current weights (``NumpyTransformer``):
one token's pass is a few small matrix products, and a backend call costs more than
that (about 0.7 ms on TensorFlow), so 1,024 tokens take a second instead of ten. A test
checks that its logits equal the Keras model's, on both backends. When a sequence
reaches the model's context, the last half of the context is kept and re-read (after
the prefix), so any length can be generated (naive sampling slides its window one token
at a time instead, so the two agree while a sequence fits the context).

Sampling controls come from ``musiclab.nn.sampling``: temperature, top-k, top-p, seed.
"""

import numpy as np

from musiclab.nn.config import config_of
from musiclab.nn.sampling import (
    check_controls,
    check_method,
    choose_tokens,
    compiled_call,
    softmax,
)
from musiclab.transformer.model import decoder_blocks


def _layer_norm(x, gamma, beta):
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + 1e-5) * gamma + beta


def _gelu(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def _rotate(x, positions):
    """Rotary position embedding of ``x (..., steps, heads, head_dim)`` as keras_hub's
    ``RotaryEmbedding`` computes it (halves rotated, wavelength 10,000)."""
    head_dim = x.shape[-1]
    inverse = 10000.0 ** -(np.arange(0, head_dim, 2, dtype=np.float32) / head_dim)
    angles = np.asarray(positions, np.float32)[:, None] * inverse  # (steps, head_dim / 2)
    angles = np.concatenate([angles, angles], axis=-1)[:, None, :]  # (steps, 1, head_dim)
    first, second = np.split(x, 2, axis=-1)
    turned = np.concatenate([-second, first], axis=-1)
    return x * np.cos(angles) + turned * np.sin(angles)


def skew(logits):
    """The skewing trick in NumPy (see ``model.relative_logits``): ``(..., L, L)`` of
    ``q_i . r_m`` (column ``m`` = distance ``L - 1 - m``) to ``(..., L, L)`` with column
    ``j`` = key position."""
    *lead, length, _ = logits.shape
    padded = np.concatenate([np.zeros((*lead, length, 1), logits.dtype), logits], axis=-1)
    return padded.reshape(*lead, length + 1, length)[..., 1:, :]


class NumpyTransformer:
    """A Transformer's forward pass and cached steps in NumPy, on a snapshot of its weights.

    Args:
        model: a Transformer from ``musiclab.transformer``.
    """

    def __init__(self, model):
        self.config = config = config_of(model)
        self.heads, self.head_dim = config.heads, config.model_dim // config.heads
        self.embedding = np.asarray(model.get_layer("token_embedding").embeddings, np.float32)
        self.positions = None
        if config.position == "absolute":
            self.positions = np.asarray(model.get_layer("position_embedding").position_embeddings,
                                        np.float32)
        self.blocks = []
        for block in decoder_blocks(model):
            self.blocks.append({
                "norm1": [np.asarray(w) for w in block.attention_norm.weights],
                "qkv": [np.asarray(w) for w in block.query_key_value.weights],
                "out": [np.asarray(w) for w in block.attention_output.weights],
                "norm2": [np.asarray(w) for w in block.feed_forward_norm.weights],
                "ff_in": [np.asarray(w) for w in block.feed_forward_in.weights],
                "ff_out": [np.asarray(w) for w in block.feed_forward_out.weights],
                "relative": None if block.relative_embeddings is None
                else np.asarray(block.relative_embeddings, np.float32)})
        self.final_norm = [np.asarray(w) for w in model.get_layer("final_norm").weights]
        self.logits = [np.asarray(w) for w in model.get_layer("logits").weights]

    def embed(self, tokens, start, style_vector=None):
        """Embeddings of ``tokens (batch, steps)`` at positions ``start...``; with
        ``style_vector (batch, model_dim)``, position 0's embedding is replaced by it."""
        x = self.embedding[tokens]
        if style_vector is not None and start == 0:
            x[:, 0] = style_vector
        if self.positions is not None:
            x = x + self.positions[start:start + tokens.shape[1]]
        return x

    def _attention(self, block, normed, positions, cache, weights_out):
        batch, steps, _ = normed.shape
        kernel, bias = block["qkv"]
        qkv = (normed @ kernel + bias).reshape(batch, steps, 3, self.heads, self.head_dim)
        queries, keys, values = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        if self.config.position == "rotary":
            queries, keys = _rotate(queries, positions), _rotate(keys, positions)
        queries, keys, values = (t.transpose(0, 2, 1, 3) for t in (queries, keys, values))
        if cache is not None:  # append this step's keys and values
            keys = np.concatenate([cache[0], keys], axis=2) if cache[0] is not None else keys
            values = np.concatenate([cache[1], values], axis=2) \
                if cache[1] is not None else values
            cache[0], cache[1] = keys, values
        total = keys.shape[2]
        logits = queries @ keys.transpose(0, 1, 3, 2)  # (batch, heads, steps, total)
        if block["relative"] is not None:
            relative = block["relative"]
            if steps == total:  # a whole sequence: the skewing trick
                logits = logits + skew(queries @ relative[:, -total:].transpose(0, 2, 1))
            else:  # new steps at the end: distances total-1 .. 0 are the last rows
                table = relative[:, -total:]  # (heads, total, head_dim)
                rows = queries @ table.transpose(0, 2, 1)  # column m: distance total-1-m
                for row in range(steps):  # query at position total-steps+row
                    position = total - steps + row
                    logits[:, :, row, :position + 1] += rows[:, :, row, total - 1 - position:]
        logits = logits / np.sqrt(self.head_dim)
        query_positions = np.arange(total - steps, total)[:, None]
        logits = np.where(np.arange(total)[None, :] <= query_positions, logits, -1e9)
        weights = softmax(logits).astype(np.float32)
        if weights_out is not None:
            weights_out.append(weights)
        mixed = (weights @ values).transpose(0, 2, 1, 3).reshape(batch, steps, -1)
        kernel, bias = block["out"]
        return mixed @ kernel + bias

    def forward(self, tokens, *, start=0, caches=None, attention=False, style_vector=None):
        """Logits of ``tokens (batch, steps)`` that follow ``start`` cached tokens.

        Args:
            tokens: int array ``(batch, steps)``.
            start: tokens already in ``caches``.
            caches: a list per block of ``[keys, values]`` (``[None, None]`` when empty),
                extended in place; ``None`` keeps nothing.
            attention: also return every block's attention weights.
            style_vector: optional ``(batch, model_dim)`` embedding of the prefix token.

        Returns:
            float32 logits ``(batch, steps, vocabulary)``, and with ``attention`` a list per
            block of ``(batch, heads, steps, start + steps)`` weights.
        """
        tokens = np.asarray(tokens)
        x = self.embed(tokens, start, style_vector).astype(np.float32)
        positions = np.arange(start, start + tokens.shape[1])
        maps = [] if attention else None
        for index, block in enumerate(self.blocks):
            cache = None if caches is None else caches[index]
            x = x + self._attention(block, _layer_norm(x, *block["norm1"]), positions, cache,
                                    maps)
            hidden = _gelu(_layer_norm(x, *block["norm2"]) @ block["ff_in"][0]
                           + block["ff_in"][1])
            x = x + hidden @ block["ff_out"][0] + block["ff_out"][1]
        x = _layer_norm(x, *self.final_norm)
        logits = (x @ self.logits[0] + self.logits[1]).astype(np.float32)
        return (logits, maps) if attention else logits

    def new_caches(self):
        return [[None, None] for _ in self.blocks]


def style_vector_of(model, style, count, strength=1.0):
    """The prefix embedding of a style at a strength: from the mean of all style tokens'
    embeddings (0) to the style's own (1); above 1 it exaggerates the style.

    Returns:
        float32 ``(count, model_dim)``.
    """
    config = config_of(model)
    table = np.asarray(model.get_layer("token_embedding").embeddings, np.float32)
    first = config.content_size + 1
    styles = table[first:first + len(config.styles)]
    centre = styles.mean(axis=0)
    vector = centre + float(strength) * (styles[int(style)] - centre)
    return np.repeat(vector[None], count, axis=0)


def _check(config, length, count, temperature, top_k, top_p, primer, style, dance=None):
    if length < 1:
        raise ValueError(f"length: must be at least 1, got {length}")
    if count < 1:
        raise ValueError(f"count: must be at least 1, got {count}")
    check_controls(temperature, top_k, top_p)
    if config.styles:
        if style is None or not 0 <= int(style) < len(config.styles):
            raise ValueError(f"style: this model is conditioned on {len(config.styles)} styles;"
                             f" give an index in [0, {len(config.styles)}), got {style}")
    elif style is not None:
        raise ValueError("style: this model is not conditioned on a style")
    if dance is not None and not config.dances:
        raise ValueError("dance: this model is not conditioned on dance types")
    if dance is not None and not -1 <= int(dance) < len(config.dances):
        raise ValueError(f"dance: give an index in [0, {len(config.dances)}) or -1 (any), "
                         f"got {dance}")
    primer = np.zeros(0, np.int32) if primer is None else np.asarray(primer)
    if primer.ndim != 1 or (primer.size and (primer.min() < 0
                                             or primer.max() >= config.content_size)):
        raise ValueError(f"primer: expected tokens (steps,) in [0, {config.content_size}), "
                         f"got shape {primer.shape}")
    return primer.astype(np.int32)


def generate(model, *, length, temperature=1.0, top_k=0, top_p=1.0, seed=0, primer=None,
             style=None, count=1, method="cached", style_strength=1.0, dance=None):
    """Sample ``length`` new tokens after an optional primer.

    Args:
        model: a Transformer.
        length: new tokens to generate.
        temperature: 0 picks the most likely; higher values sample more freely.
        top_k: 0 (off) or the number of tokens allowed.
        top_p: nucleus sampling threshold in (0, 1]; 1 is off.
        seed: seed of the sampling; the same seed gives the same notes.
        primer: content tokens ``(steps,)`` to continue.
        style: the style index, for a conditioned model.
        count: how many sequences, sampled together.
        method: ``"cached"`` (key-value cache, NumPy steps) or ``"naive"`` (the Keras model
            over the whole sequence for every new token).
        style_strength: how strongly to apply the style (see ``style_vector_of``; cached
            sampling only when it is not 1).
        dance: the dance-type index for a model with dances (``None``: any dance).

    Returns:
        int16 tokens ``(count, primer + length)``: the primer, then the new tokens.
    """
    config = config_of(model)
    primer = _check(config, length, count, temperature, top_k, top_p, primer, style, dance)
    check_method(method, style_strength)
    rng = np.random.default_rng(seed)
    prefix = np.repeat(np.array([config.prefix(style, dance)], np.int32), count, axis=0)
    room = config.context - prefix.shape[1]  # content tokens that fit after the prefix
    content = np.repeat(primer[None], count, axis=0)
    controls = {"temperature": temperature, "top_k": top_k, "top_p": top_p, "rng": rng}
    if method == "naive":  # the whole window again for every token, at one fixed width
        network = compiled_call(model)  # (so it compiles once; the causal mask hides the pad)
        for _ in range(length):
            window = np.concatenate([prefix, content[:, -room:]], axis=1)
            padded = np.zeros((count, config.context), np.int32)
            padded[:, :window.shape[1]] = window
            logits = np.asarray(network(padded))[:, window.shape[1] - 1]
            content = np.concatenate([content, _choose(logits, config, controls)[:, None]],
                                     axis=1)
        return content.astype(np.int16)
    engine = NumpyTransformer(model)
    vector = None if style is None or style_strength == 1.0 else \
        style_vector_of(model, style, count, style_strength)
    caches, logits = _prefill(engine, content, prefix, vector)
    for produced in range(length):
        chosen = _choose(logits, config, controls)
        content = np.concatenate([content, chosen[:, None]], axis=1)
        if produced == length - 1:
            break
        position = caches[0][0].shape[2]
        if position >= config.context:  # keep the last half of the context, re-read it
            caches, logits = _prefill(engine, content[:, -(room // 2):], prefix, vector)
            continue
        logits = engine.forward(chosen[:, None], start=position, caches=caches)[:, -1]
    return content.astype(np.int16)


def _prefill(engine, content, prefix, vector):
    """Caches and next-token logits after the prefix and the last content tokens that fit."""
    room = engine.config.context - prefix.shape[1]
    content = content[:, -room:]
    caches = engine.new_caches()
    tokens = np.concatenate([prefix, content], axis=1)
    logits = engine.forward(tokens, caches=caches, style_vector=vector)
    return caches, logits[:, -1]


def _choose(logits, config, controls):
    logits = np.array(logits, np.float64)
    logits[:, config.content_size:] = -np.inf  # never a start, style or dance token
    return choose_tokens(logits, **controls)


def attention_maps(model, tokens, *, style=None, dance=None):
    """Every layer's and head's attention over a sequence.

    Args:
        model: a Transformer.
        tokens: content tokens ``(steps,)``, ``prefix + steps <= context``.
        style, dance: the style (and dance type) for a conditioned model.

    Returns:
        float32 ``(layers, heads, prefix + steps, prefix + steps)``: row ``i`` is what
        position ``i`` attends to; positions ``0 .. prefix - 1`` hold the prefix tokens
        (``config.prefix_length``), position ``prefix + s`` content token ``s``.
    """
    config = config_of(model)
    tokens = _check(config, 1, 1, 1.0, 0, 1.0, tokens, style, dance)
    room = config.context - config.prefix_length
    if len(tokens) > room:
        raise ValueError(f"tokens: at most {room} for this model, got {len(tokens)}")
    sequence = np.concatenate([config.prefix(style, dance), tokens])[None]
    _, maps = NumpyTransformer(model).forward(sequence, attention=True)
    return np.stack([weights[0] for weights in maps]).astype(np.float32)
