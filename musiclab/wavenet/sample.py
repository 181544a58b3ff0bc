"""Sampling from a WaveNet, one step at a time: naive and cached ("fast WaveNet").

Naive sampling runs the whole network over the last ``receptive_field`` steps
for every new step, recomputing everything it computed the step before. Cached
sampling (Paine et al. 2016, "Fast Wavenet Generation") keeps, for every block,
a queue of the inputs that block will need again (its last
``(kernel_size - 1) * dilation`` inputs), so each new step costs one pass through
the layers on one time step. Both give the same notes for the same seed.

Sampling controls: ``temperature`` (0 picks the most likely choice), ``top_k``
(only the ``k`` most likely tokens, or for a piano roll only the ``k`` most
likely keys of a frame, may be chosen), ``top_p`` (nucleus: the fewest tokens
whose probabilities reach ``p``; melody head only), ``seed``, ``length``, a
``primer`` to continue, and a ``style`` for a conditioned model.
"""

import weakref

import keras
import numpy as np
from keras import ops

from musiclab.nn.config import config_of
from musiclab.nn.sampling import (
    check_controls,
    check_method,
    choose_keys,
    choose_tokens,
    compiled_call,
)
from musiclab.vocab import KEYS
from musiclab.wavenet.model import TOKEN_HEADS, blocks, receptive_field

_STEP_MODELS = weakref.WeakKeyDictionary()


def step_model(model):
    """A one-step model sharing ``model``'s weights, with each block's input queue.

    Inputs: ``[previous, (style,) *queues]``: the previous token ``(batch,)`` or frame
    ``(batch, 88)``, the style embedding ``(batch, style_dim)`` for a conditioned model
    (``style_embedding_of`` makes it, with a strength), and one queue
    ``(batch, history_i, channels)`` per block (its past inputs, oldest first).

    Returns:
        A Keras model giving ``[logits (batch, outputs), *new_queues]``.
    """
    if model in _STEP_MODELS:
        return _STEP_MODELS[model]
    config = config_of(model)
    channels = model.get_layer("input_projection").output.shape[-1]
    if config.head in TOKEN_HEADS:
        previous = keras.Input((), dtype="int32", name="previous")
        expanded = keras.layers.Reshape((1,))(previous)
    else:
        previous = keras.Input((KEYS,), name="previous")
        expanded = keras.layers.Reshape((1, KEYS))(previous)
    x = model.get_layer("input_projection")(expanded)
    inputs, style = [previous], None
    if config.styles:
        style = keras.Input((model.get_layer("style_embedding").output_dim,), name="style")
        inputs.append(style)
    skips, queues_out = [], []
    for block in blocks(model):
        queue = keras.Input((block.history, channels), name=f"queue_{block.name}")
        inputs.append(queue)
        window = keras.layers.Concatenate(axis=1)([queue, x])
        x, skip = block([window, style] if style is not None else window, causal=False)
        skips.append(skip)
        queues_out.append(window[:, 1:])
    total = keras.layers.Add()(skips) if len(skips) > 1 else skips[0]
    hidden = model.get_layer("post")(ops.relu(total))
    logits = model.get_layer("logits")(hidden)
    result = keras.Model(inputs, [logits[:, 0], *queues_out], name="wavenet_step")
    _STEP_MODELS[model] = result
    return result


def style_embedding_of(model, style, count, strength=1.0):
    """The style embedding a conditioned WaveNet adds to its blocks, with a strength.

    ``strength`` moves from the mean of all styles' embeddings (0) to the style's
    own (1); above 1 it exaggerates the style.

    Returns:
        float32 array ``(count, style_dim)``.
    """
    table = np.asarray(model.get_layer("style_embedding").embeddings, np.float32)
    centre = table.mean(axis=0)
    vector = centre + float(strength) * (table[int(style)] - centre)
    return np.repeat(vector[None], count, axis=0)


def _check(model, length, temperature, top_k, top_p, primer, style, count):
    config = config_of(model)
    head = config.head
    if length < 1:
        raise ValueError(f"length: must be at least 1, got {length}")
    if count < 1:
        raise ValueError(f"count: must be at least 1, got {count}")
    check_controls(temperature, top_k, top_p)
    if top_p < 1 and head == "pianoroll":
        raise ValueError("top_p: applies to token heads only (a piano roll's keys are "
                         "independent); use top_k to limit the keys of a frame")
    if config.styles:
        styles = len(config.styles)
        if style is None or not 0 <= int(style) < styles:
            raise ValueError(f"style: this model is conditioned on {styles} styles; "
                             f"give an index in [0, {styles}), got {style}")
    elif style is not None:
        raise ValueError("style: this model is not conditioned on a style")
    if primer is None:
        primer = np.zeros((0,) if head in TOKEN_HEADS else (0, KEYS))
    primer = np.asarray(primer)
    if head in TOKEN_HEADS:
        tokens = TOKEN_HEADS[head]
        if primer.ndim != 1 or (primer.size and (primer.min() < 0 or primer.max() >= tokens)):
            raise ValueError(f"primer: expected {head} tokens (steps,) in [0, {tokens})"
                             f", got shape {primer.shape}")
    elif primer.ndim != 2 or primer.shape[1] != KEYS:
        raise ValueError(f"primer: expected a piano roll (steps, 88), got shape {primer.shape}")
    return head, primer


def generate(model, *, length, temperature=1.0, top_k=0, top_p=1.0, seed=0, primer=None,
             style=None, count=1, method="cached", style_strength=1.0):
    """Sample ``length`` new steps, after an optional primer.

    Args:
        model: a WaveNet from ``musiclab.wavenet.model``.
        length: new steps to generate.
        temperature: 0 picks the most likely; higher values sample more freely.
        top_k: 0 (off) or the number of tokens (melody) / keys per frame (piano roll) allowed.
        top_p: nucleus sampling threshold in (0, 1]; 1 is off (melody head only).
        seed: seed of the sampling; the same seed gives the same notes.
        primer: melody tokens ``(steps,)`` or a piano roll ``(steps, 88)`` to continue.
        style: the style index, for a conditioned model.
        count: how many sequences, sampled together.
        method: ``"cached"`` (one pass per step) or ``"naive"`` (recompute the receptive field).
        style_strength: how strongly to apply the style (see ``style_embedding_of``;
            cached sampling only when it is not 1).

    Returns:
        int16 tokens ``(count, primer + length)`` or bool piano rolls
        ``(count, primer + length, 88)``: the primer followed by the new steps.
    """
    head, primer = _check(model, length, temperature, top_k, top_p, primer, style, count)
    check_method(method, style_strength)
    rng = np.random.default_rng(seed)
    total = len(primer) + length
    tokens = head in TOKEN_HEADS
    shape = (count, total) if tokens else (count, total, KEYS)
    sequence = np.zeros(shape, np.int32 if tokens else np.float32)
    sequence[:, :len(primer)] = primer
    styles = None if style is None else np.full((count,), int(style), np.int32)
    if method == "cached":
        vectors = None if style is None else style_embedding_of(model, style, count,
                                                                 style_strength)
        _generate_cached(model, sequence, len(primer), vectors, temperature, top_k, top_p, rng,
                         head)
    else:
        _generate_naive(model, sequence, len(primer), styles, temperature, top_k, top_p, rng,
                        head)
    return sequence.astype(np.int16) if tokens else sequence.astype(bool)


def _generate_cached(model, sequence, primed, styles, temperature, top_k, top_p, rng, head):
    step = compiled_call(step_model(model))
    channels = model.get_layer("input_projection").output.shape[-1]
    count = len(sequence)
    queues = [np.zeros((count, block.history, channels), np.float32) for block in blocks(model)]
    previous = (np.full((count,), TOKEN_HEADS[head], np.int32) if head in TOKEN_HEADS
                else np.zeros((count, KEYS), np.float32))
    for index in range(sequence.shape[1]):
        inputs = [previous] + ([styles] if styles is not None else []) + queues
        logits, *queues = step(inputs)
        if index >= primed:
            sequence[:, index] = _choose(logits, temperature, top_k, top_p, rng, head)
        previous = sequence[:, index]


def _generate_naive(model, sequence, primed, styles, temperature, top_k, top_p, rng, head):
    width = min(receptive_field(model) + 1, sequence.shape[1])
    network = compiled_call(model)
    for index in range(primed, sequence.shape[1]):
        first = max(0, index + 1 - width)
        window = sequence[:, first:first + width]
        inputs = window if styles is None else [window, styles]
        logits = np.asarray(network(inputs))[:, index - first]
        sequence[:, index] = _choose(logits, temperature, top_k, top_p, rng, head)


def _choose(logits, temperature, top_k, top_p, rng, head):
    if head in TOKEN_HEADS:
        return choose_tokens(logits, temperature=temperature, rng=rng, top_k=top_k, top_p=top_p)
    return choose_keys(logits, temperature=temperature, rng=rng, top_k=top_k)

