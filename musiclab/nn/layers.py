"""Layers more than one family uses."""

import keras
from keras import ops


def shifted(sequence, fill=0):
    """``sequence`` one step later: what a causal model sees when predicting each step.

    Args:
        sequence: tokens ``(batch, steps)`` or frames ``(batch, steps, features)``.
        fill: the token before the first step (tokens only; frames get silence).

    Returns:
        The same shape: step 0 is ``fill`` (int32 tokens) or zeros, step ``t`` is ``t - 1``.
    """
    if len(sequence.shape) == 2:
        start = ops.full((ops.shape(sequence)[0], 1), fill, dtype="int32")
        return ops.concatenate([start, ops.cast(sequence[:, :-1], "int32")], axis=1)
    start = ops.zeros_like(sequence[:, :1])
    return ops.concatenate([start, sequence[:, :-1]], axis=1)


@keras.saving.register_keras_serializable(package="musiclab")
class Shift(keras.layers.Layer):
    """The teacher-forcing shift as a layer (``shifted``): the VAE's decoder inputs, the
    WaveNet's causal input, the harmony model's history of each voice.

    Input shape: ``(batch, steps)`` int tokens or ``(batch, steps, features)``.
    Output shape: the same (tokens as int32).
    """

    def __init__(self, fill=0, **kwargs):
        super().__init__(**kwargs)
        self.fill = int(fill)

    def call(self, inputs):
        return shifted(inputs, self.fill)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs):
        dtype = "int32" if len(inputs.shape) == 2 else inputs.dtype
        return keras.KerasTensor(inputs.shape, dtype=dtype)

    def get_config(self):
        return {**super().get_config(), "fill": self.fill}
