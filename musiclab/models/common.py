"""What every musiclab model shares: JSON configuration and safe loading.

A model's configuration is a frozen dataclass that inherits ``JSONConfig``;
it is saved as ``config.json`` beside the weights. Model files are loaded
with ``load_model_file``, which keeps Keras safe mode on.
"""

import dataclasses
import json
import warnings
import weakref
from pathlib import Path

_COMPILED = weakref.WeakKeyDictionary()


class JSONConfig:
    """JSON round trip for a frozen dataclass of hyper-parameters.

    Lists in the JSON become tuples, so a loaded config equals the saved one.
    """

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text):
        """Parse a config; unknown fields give a ``ValueError`` naming them."""
        data = json.loads(text)
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"config: unknown fields {unknown}")
        data = {key: tuple(value) if isinstance(value, list) else value
                for key, value in data.items()}
        return cls(**data)

    def save(self, folder):
        """Write ``folder/config.json`` atomically. Returns the path."""
        from musiclab.files import atomic_write_text

        return atomic_write_text(Path(folder) / "config.json", self.to_json())


def load_model_file(path, required_layers, kind):
    """Load a ``.keras`` file in Keras safe mode and check that it is the right kind of model.

    Safe mode refuses to deserialise Python code (``Lambda`` layers, pickles),
    so a foreign or tampered file cannot run code.

    Args:
        path: the ``.keras`` file.
        required_layers: names of layers the model must have.
        kind: what the model is, for messages (e.g. ``"melody VAE"``).

    Returns:
        The compiled Keras model.

    Raises:
        MusiclabError: naming the file when it is missing, corrupt, unsafe or of another kind.
    """
    import zipfile

    import keras

    from musiclab.errors import MusiclabError

    path = Path(path)
    if not path.is_file():
        raise MusiclabError(f"{path}: no such model file")
    if not zipfile.is_zipfile(path):
        raise MusiclabError(f"{path}: not a .keras model file (not a zip archive)")
    try:
        with warnings.catch_warnings():  # shipped models carry no optimizer state
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            model = keras.saving.load_model(path, safe_mode=True, compile=True)
    except Exception as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise MusiclabError(f"{path}: cannot load model safely: {first}") from None
    names = {layer.name for layer in model.layers}
    if not set(required_layers) <= names:
        raise MusiclabError(f"{path}: not a musiclab {kind} (layers: {sorted(names)[:6]})")
    return model


def compiled_call(network):
    """``network``'s inference pass as one compiled function of a list of arrays.

    Used for step-by-step generation (the VAE's decoder, the WaveNet's cached steps):
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
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        jitted = jax.jit(lambda trainable, fixed, inputs:
                         network.stateless_call(trainable, fixed, inputs)[0])

        def call(inputs):
            return jitted([variable.value for variable in network.trainable_variables],
                          [variable.value for variable in network.non_trainable_variables],
                          inputs)
    elif backend == "tensorflow":
        import tensorflow as tf

        function = tf.function(lambda inputs: network(inputs, training=False),
                               jit_compile=True, reduce_retracing=True)

        def call(inputs):
            return function(inputs)
    else:
        def call(inputs):
            return network.predict_on_batch(inputs)
    _COMPILED[network] = call
    return call
