"""The Keras toolkit every model family shares.

* ``config``: frozen JSON configs that travel inside the model file, safe-mode loading,
  ``config_of(model)``;
* ``layers``: layers more than one family uses (the one causal ``Shift``);
* ``sampling``: temperature / top-k / top-p choices, log-softmax, the Bernoulli
  likelihood, and compiled one-step calls for generation;
* ``loop``: the one training loop (checkpoints, resume, NaN stop, time limit, device).

Importing a module of this package imports Keras and its backend.
"""

from musiclab.lazy import exports

# names a notebook reaches for first; loaded on first use, Keras's start-up lines silenced
__getattr__, __dir__ = exports(__name__, {
    "config_of": "config:config_of",
    "load_any": "config:load_any",
    "load_shipped": "publish:load_shipped",
    "publish_run": "publish:publish_run",
    "set_seed": "loop:set_seed",
})
