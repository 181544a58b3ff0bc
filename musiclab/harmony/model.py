"""Melody with harmony: one network, one task per chorale voice.

A multi-task model over four-voice chorale grids (16th-note steps, melody
tokens per voice). A shared LSTM reads every voice up to the step before; one
head per voice predicts that voice at the current step, seeing also the voices
decided before it at this step, in the order soprano, bass, alto, tenor (the
outer voices first, as a figured-bass player thinks). Each head has its own loss
(``soprano_loss``, ``bass_loss``, ...), weighted by ``task_weights``.

Because the soprano head comes first, the same model writes all four voices
(sample the soprano too) or harmonises a given melody (keep the soprano fixed
and sample the other three).
"""

import dataclasses

import keras
from keras import ops

from musiclab.nn.config import JSONConfig, attach, load_model, register
from musiclab.nn.layers import Shift
from musiclab.vocab import START_TOKEN, VOCABULARY_SIZE, VOICES


@register("harmony", held_out="musiclab.harmony.run:held_out")
@dataclasses.dataclass(frozen=True)
class HarmonyConfig(JSONConfig):
    """Hyper-parameters of the melody-with-harmony model (saved as JSON beside the weights).

    Attributes:
        steps: training window length (16th-note steps; 64 = four 4/4 bars).
        order: the voices' indices (S=0, A=1, T=2, B=3) in the order they are decided.
        embedding_dim: token embedding size (per voice).
        units: LSTM size.
        head_units: hidden size of each voice's head.
        task_weights: loss weight of each voice, in S, A, T, B order.
        dropout: dropout on the LSTM output.
        transpose: training windows are shifted by up to this many semitones.
        learning_rate: Adam learning rate.
    """

    steps: int = 64
    order: tuple = (0, 3, 1, 2)
    embedding_dim: int = 32
    units: int = 256
    head_units: int = 128
    task_weights: tuple = (1.0, 1.0, 1.0, 1.0)
    dropout: float = 0.2
    transpose: int = 4
    learning_rate: float = 2e-3

    @classmethod
    def default(cls):
        """The measured setting (minutes on a 2-core CPU)."""
        return cls()

    @classmethod
    def smoke(cls):
        """A tiny model that trains in seconds (CI, smoke notebooks)."""
        return cls(steps=32, embedding_dim=8, units=16, head_units=16, transpose=0)

    def verify(self, model):
        """The model has one head per voice and decides them in this config's order."""
        if sorted(model.output_names) != sorted(VOICES):
            raise ValueError(f"heads {sorted(model.output_names)}, not the four voices")
        seen = [sum(layer.name.startswith(f"{VOICES[voice]}_sees_") for layer in model.layers)
                for voice in self.order]
        if seen != list(range(4)):
            raise ValueError(f"voice order {self.order}, but the heads see {seen} voices")


@keras.saving.register_keras_serializable(package="musiclab")
class SelectVoice(keras.layers.Layer):
    """One voice of a grid: ``(batch, steps, 4)`` -> ``(batch, steps)`` int32."""

    def __init__(self, voice, **kwargs):
        super().__init__(**kwargs)
        self.voice = int(voice)

    def call(self, grid):
        return ops.cast(grid[..., self.voice], "int32")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1])

    def get_config(self):
        return {**super().get_config(), "voice": self.voice}


def build_harmony_model(config):
    """SATB grid ``(batch, steps, 4)`` -> ``{voice: logits (batch, steps, 90)}``.

    The logits of voice ``k`` at step ``t`` depend on the grid before ``t`` and on
    the voices before ``k`` in ``config.order`` at ``t``; any length works.
    """
    if sorted(config.order) != [0, 1, 2, 3]:
        raise ValueError(f"order: must be a permutation of 0..3, got {config.order}")
    grid = keras.Input((None, 4), dtype="int32", name="grid")
    current = [SelectVoice(voice, name=f"{VOICES[voice]}_now")(grid) for voice in range(4)]
    history = []
    for voice in range(4):
        previous = Shift(START_TOKEN, name=f"{VOICES[voice]}_before")(current[voice])
        history.append(keras.layers.Embedding(VOCABULARY_SIZE + 1, config.embedding_dim,
                                              name=f"{VOICES[voice]}_history")(previous))
    shared = keras.layers.LSTM(config.units, return_sequences=True, name="shared")(
        keras.layers.Concatenate()(history))
    shared = keras.layers.Dropout(config.dropout)(shared)
    outputs = {}
    for position, voice in enumerate(config.order):
        known = [keras.layers.Embedding(VOCABULARY_SIZE, config.embedding_dim,
                                        name=f"{VOICES[voice]}_sees_{VOICES[other]}")(
                     current[other]) for other in config.order[:position]]
        features = shared if not known else keras.layers.Concatenate()([shared, *known])
        hidden = keras.layers.Dense(config.head_units, activation="relu",
                                    name=f"{VOICES[voice]}_hidden")(features)
        outputs[VOICES[voice]] = keras.layers.Dense(VOCABULARY_SIZE, name=VOICES[voice])(hidden)
    model = keras.Model(grid, outputs, name="harmony")
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss={name: keras.losses.SparseCategoricalCrossentropy(from_logits=True)
              for name in VOICES},
        loss_weights={name: float(weight) for name, weight in zip(VOICES, config.task_weights)})
    return attach(model, config)


def load_harmony_model(path):
    """Load a melody-with-harmony model in Keras safe mode.

    Raises:
        MusiclabError: naming the file when it is missing, corrupt, unsafe or of another kind.
    """
    return load_model(path, HarmonyConfig)
