"""Choosing the next step, and the likelihoods it is judged by: one module for every family.

Every generator in musiclab (the VAE's decoder, the WaveNet, the harmony model, and
any new next-step model) picks its next token or piano-roll frame here:

* ``temperature``: logits are divided by it before the softmax (or the sigmoid of a
  piano-roll key); 0 picks the most likely choice, higher values sample more freely;
* ``top_k``: only the ``k`` most likely tokens (or, for a piano roll, keys of a frame)
  may be chosen; 0 is off;
* ``top_p`` (nucleus sampling): only the fewest tokens whose probabilities reach ``p``;
  1 is off (tokens only: a roll's keys are independent).

A draw takes one uniform number per row (per key for a roll) from a NumPy generator,
so the same seed gives the same notes on any backend.

A family whose model samples step by step names its ``generate`` function where it
registers its config (``@register("wavenet", sampler="musiclab.wavenet.sample:generate")``)
or calls ``register_sampler``; ``sampler_for(model)`` finds it from the model's config,
which is how ``widgets.SequenceSampler`` drives any such model.
"""

import weakref

import keras
import numpy as np

from musiclab.lazy import import_quietly
from musiclab.nn.config import config_of

_COMPILED = weakref.WeakKeyDictionary()
_SAMPLERS = {}


def check_controls(temperature, top_k=0, top_p=1.0):
    """Raise a one-line ``ValueError`` naming the sampling control that is out of range."""
    if temperature < 0:
        raise ValueError(f"temperature: must be >= 0, got {temperature}")
    if top_k < 0:
        raise ValueError(f"top_k: must be >= 0 (0 = off), got {top_k}")
    if not 0 < top_p <= 1:
        raise ValueError(f"top_p: must be in (0, 1], got {top_p}")


def check_method(method, style_strength=1.0):
    """Raise a one-line ``ValueError`` for a step-by-step sampler's ``method`` (``"cached"``
    or ``"naive"``) or ``style_strength`` (in [0, 3]; naive sampling: 1 only)."""
    if method not in ("cached", "naive"):
        raise ValueError(f"method: 'cached' or 'naive', got {method!r}")
    if not 0.0 <= style_strength <= 3.0:
        raise ValueError(f"style_strength: must be in [0, 3], got {style_strength}")
    if method == "naive" and style_strength != 1.0:
        raise ValueError("style_strength: naive sampling applies styles at full strength only")


def log_softmax(logits):
    """``log(softmax(logits))`` over the last axis, in float64 NumPy."""
    logits = np.asarray(logits, np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits):
    """Probabilities over the last axis, in float64 NumPy."""
    return np.exp(log_softmax(logits))


def key_negative_log_likelihood(logits, keys, math=np):
    """Negative log-likelihood (nats) of each key's state (on 1 / off 0) under
    ``sigmoid(logits)``: the Bernoulli likelihood of a piano roll, stable for any logit.

    Args:
        logits, keys: arrays of one shape (e.g. ``(batch, steps, 88)``).
        math: ``numpy`` (evaluation, float64) or ``keras.ops`` (a training loss).

    Returns:
        An array of the same shape.
    """
    return math.maximum(logits, 0) - logits * keys + math.log1p(math.exp(-math.abs(logits)))


def token_negative_log_likelihood(logits, tokens):
    """Negative log-likelihood (nats) of each token under ``softmax(logits)``.

    Args:
        logits: ``(..., classes)``; tokens: int ``(...)``.

    Returns:
        float64 array of the tokens' shape.
    """
    picked = np.take_along_axis(log_softmax(logits), np.asarray(tokens)[..., None], axis=-1)
    return -picked[..., 0]


def log_mean_exp(values):
    """``log(mean(exp(values)))`` over a list of arrays: averaging probabilities in log space
    (an ensemble's prediction)."""
    stacked = np.stack(values)
    top = stacked.max(axis=0)
    return top + np.log(np.exp(stacked - top).mean(axis=0))


def choose_tokens(logits, *, temperature, rng, top_k=0, top_p=1.0):
    """Pick one token per row of logits ``(batch, classes)``.

    Returns:
        int32 array ``(batch,)``.
    """
    logits = np.asarray(logits, dtype=np.float64)
    uniform = rng.random(logits.shape[0])
    if temperature == 0:
        return logits.argmax(axis=-1).astype(np.int32)
    scaled = logits / temperature
    if top_k:
        kth = np.sort(scaled, axis=-1)[:, -top_k][:, None]
        scaled = np.where(scaled < kth, -np.inf, scaled)
    probabilities = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    probabilities /= probabilities.sum(axis=-1, keepdims=True)
    if top_p < 1.0:
        order = np.argsort(-probabilities, axis=-1)
        ranked = np.take_along_axis(probabilities, order, axis=-1)
        keep_ranked = np.cumsum(ranked, axis=-1) - ranked < top_p
        keep = np.zeros_like(keep_ranked)
        np.put_along_axis(keep, order, keep_ranked, axis=-1)
        probabilities = np.where(keep, probabilities, 0.0)
        probabilities /= probabilities.sum(axis=-1, keepdims=True)
    cumulative = np.cumsum(probabilities, axis=-1)
    chosen = (cumulative < uniform[:, None] * cumulative[:, -1:]).sum(axis=-1)
    return np.minimum(chosen, logits.shape[-1] - 1).astype(np.int32)


def choose_keys(logits, *, temperature, rng, top_k=0):
    """Pick the sounding keys of one piano-roll frame per row of logits ``(batch, keys)``:
    each key independently, on with probability ``sigmoid(logit / temperature)``.

    Returns:
        float32 array ``(batch, keys)`` of 0/1.
    """
    logits = np.asarray(logits, dtype=np.float64)
    uniform = rng.random(logits.shape)
    if temperature == 0:
        sounding = logits > 0
    else:
        sounding = uniform < 1.0 / (1.0 + np.exp(-logits / temperature))
    if top_k:
        rank = np.argsort(np.argsort(-logits, axis=-1), axis=-1)
        sounding &= rank < top_k
    return sounding.astype(np.float32)


def compiled_call(network):
    """``network``'s inference pass as one compiled function of a list of arrays.

    Used for step-by-step generation (the WaveNet's cached steps, the harmony model):
    a jitted ``stateless_call`` on JAX, an XLA-compiled ``tf.function`` on TensorFlow
    (``predict_on_batch`` elsewhere). The weights are read at every call, so a model
    that trains on keeps generating with its current weights.
    Calling through ``predict_on_batch`` costs about a millisecond of bookkeeping per
    call, which would hide the cost of the computation itself. Outputs stay on the
    backend (tensors) so that queues can be passed back without copies; convert
    the logits with ``numpy.asarray``.
    """
    if network in _COMPILED:
        return _COMPILED[network]
    backend = keras.backend.backend()
    if backend == "jax":
        import jax  # the running backend's own compiler

        jitted = jax.jit(lambda trainable, fixed, inputs:
                         network.stateless_call(trainable, fixed, inputs)[0])

        def call(inputs):
            return jitted([variable.value for variable in network.trainable_variables],
                          [variable.value for variable in network.non_trainable_variables],
                          inputs)
    elif backend == "tensorflow":
        import tensorflow as tf  # the running backend's own compiler

        function = tf.function(lambda inputs: network(inputs, training=False),
                               jit_compile=True, reduce_retracing=True)

        def call(inputs):
            return function(inputs)
    else:
        def call(inputs):
            return network.predict_on_batch(inputs)
    _COMPILED[network] = call
    return call


def register_sampler(config_class, generate):
    """Make ``generate`` the sampler of models with ``config_class``.

    ``generate(model, *, length, temperature, top_k, top_p, seed, primer, style, count,
    style_strength)`` returns tokens ``(count, steps)`` or rolls ``(count, steps, 88)``; the
    config has ``head`` (``"melody"`` or ``"pianoroll"``), ``styles`` and
    ``steps_per_quarter``.
    """
    _SAMPLERS[config_class] = generate


def sampler_for(model):
    """The ``generate`` function of a next-step model: the one given to ``register_sampler``,
    else the one its config's registration names (imported on first use).

    Raises:
        ValueError: when the model's family samples no sequences step by step.
    """
    config = config_of(model)
    if type(config) not in _SAMPLERS and config.sampler:
        module, _, name = config.sampler.partition(":")
        _SAMPLERS[type(config)] = getattr(import_quietly(module), name)
    if type(config) not in _SAMPLERS:
        raise ValueError(f"model: a {config.kind} model is not a next-step sequence model")
    return _SAMPLERS[type(config)]
