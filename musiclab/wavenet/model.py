"""A WaveNet for symbolic music (van den Oord et al. 2016) in Keras 3.

A stack of gated residual blocks: each is a dilated causal convolution whose
output goes through ``tanh(filter) * sigmoid(gate)``, then a 1x1 convolution back
onto the residual stream and another onto the skip connections. The skips are
summed, passed through two 1x1 layers, and give the logits of the next step.
Dilations double from block to block, so the receptive field (the steps a
prediction can see) grows exponentially with depth:
``(kernel_size - 1) * sum(dilations) + 1``.

Three heads:

* ``"melody"``: a categorical over the 90 melody tokens, from token inputs.
* ``"pianoroll"``: 88 independent Bernoulli keys per frame, from frame inputs.
* ``"audio"``: a categorical over the 256 mu-law levels of a raw audio sample, from
  sample inputs: WaveNet as van den Oord et al. built it (``musiclab.timbre.raw_audio``
  trains one on soundfont notes, conditioned on instrument and pitch as its "styles").

The model shifts its input one step right itself (a start token, or a silent
frame), so output ``t`` predicts step ``t`` from steps ``< t`` and the first
step is predicted from nothing. With ``styles`` the network is globally
conditioned on a style label: a learned style embedding is added to every
block's filter and gate.

Everything uses ``keras.ops``, so it trains on the TensorFlow and JAX backends.
"""

import dataclasses

import keras
from keras import ops

from musiclab.nn.config import JSONConfig, attach, load_model, register
from musiclab.nn.layers import Shift
from musiclab.nn.sampling import key_negative_log_likelihood
from musiclab.sound.features import MU_LAW_LEVELS
from musiclab.vocab import KEYS, VOCABULARY_SIZE

HEADS = ("melody", "pianoroll", "audio")
# the heads that predict one token a step, with their number of tokens; the start token the
# model sees before the first step is one past them (the melody's START_TOKEN)
TOKEN_HEADS = {"melody": VOCABULARY_SIZE, "audio": MU_LAW_LEVELS}


@register("wavenet", sampler="musiclab.wavenet.sample:generate",
          held_out="musiclab.wavenet.training:held_out")
@dataclasses.dataclass(frozen=True)
class WaveNetConfig(JSONConfig):
    """Hyper-parameters of a WaveNet (saved as JSON beside the weights).

    Attributes:
        head: ``"melody"`` (90 tokens), ``"pianoroll"`` (88 keys) or ``"audio"`` (256
            mu-law levels).
        channels: width of the residual stream.
        skip_channels: width of the skip connections and the output layers.
        kernel_size: taps of each dilated convolution.
        dilations: one dilation per block.
        styles: style names for global conditioning (empty: unconditioned).
        style_dim: size of the style embedding.
        dropout: dropout on each block's gated output while training.
        learning_rate: Adam learning rate.
        decay_steps: 0 keeps the learning rate; otherwise it follows a cosine down to
            5% of its value over this many steps.
        window: training sequence length in steps.
        transpose: random transposition of training batches, up to this many semitones.
        steps_per_quarter: time resolution of the data (for playback and notation).
        sample_rate: the audio head's samples a second (0 for the symbolic heads).
    """

    head: str = "melody"
    channels: int = 64
    skip_channels: int = 128
    kernel_size: int = 2
    dilations: tuple = (1, 2, 4, 8, 16, 32, 64, 1, 2, 4, 8, 16, 32, 64)
    styles: tuple = ()
    style_dim: int = 16
    dropout: float = 0.0
    learning_rate: float = 1e-3
    decay_steps: int = 0
    window: int = 256
    transpose: int = 0
    steps_per_quarter: int = 4
    sample_rate: int = 0

    def __post_init__(self):
        if self.head not in HEADS:
            raise ValueError(f"head: must be one of {HEADS}, got {self.head!r}")
        if self.kernel_size < 2:
            raise ValueError(f"kernel_size: must be at least 2, got {self.kernel_size}")
        if not self.dilations or any(int(d) != d or d < 1 for d in self.dilations):
            raise ValueError(f"dilations: must be positive integers, got {self.dilations}")
        if (self.head == "audio") != (self.sample_rate > 0):
            raise ValueError(f"sample_rate: the audio head needs one, the others none; got "
                             f"{self.sample_rate} for head {self.head!r}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout: must be in [0, 1), got {self.dropout}")
        self.require_at_least_one("channels", "skip_channels", "window", "steps_per_quarter")
        object.__setattr__(self, "dilations", tuple(int(d) for d in self.dilations))
        object.__setattr__(self, "styles", tuple(str(s) for s in self.styles))

    @property
    def receptive_field(self):
        """Steps of history one prediction can see."""
        return (self.kernel_size - 1) * sum(self.dilations) + 1

    def verify(self, model):
        """The head and the styles this config names are the model's."""
        outputs = model.get_layer("logits").units
        if outputs != TOKEN_HEADS.get(self.head, KEYS):
            raise ValueError(f"head {self.head!r}, but the model predicts {outputs} values a step")
        names = {layer.name for layer in model.layers}
        width = model.get_layer("style_embedding").input_dim if "style_embedding" in names else 0
        if width != len(self.styles):
            raise ValueError(f"{len(self.styles)} styles, but the model knows {width}")

    @classmethod
    def default(cls, head="melody", styles=()):
        """Two stacks of dilations 1..64 (receptive field 255 steps)."""
        return cls(head=head, styles=tuple(styles))

    @classmethod
    def smoke(cls, head="melody", styles=()):
        """A tiny model that trains in seconds (CI, smoke notebooks)."""
        return cls(head=head, channels=8, skip_channels=8, dilations=(1, 2, 4, 8),
                   styles=tuple(styles), style_dim=4, window=32)


def frame_negative_log_likelihood(y_true, y_pred):
    """Negative log-likelihood (nats) of each piano-roll frame: summed over the 88 keys.

    Args:
        y_true: ``(batch, steps, 88)`` 0/1 keys.
        y_pred: ``(batch, steps, 88)`` logits.

    Returns:
        ``(batch, steps)``.
    """
    y_true = ops.cast(y_true, y_pred.dtype)
    return ops.sum(key_negative_log_likelihood(y_pred, y_true, math=ops), axis=-1)


keras.saving.register_keras_serializable(package="musiclab",
                                         name="frame_nll")(frame_negative_log_likelihood)


@keras.saving.register_keras_serializable(package="musiclab")
class GatedResidualBlock(keras.layers.Layer):
    """One WaveNet block: dilated causal convolution, tanh x sigmoid gate, residual and skip.

    Call with ``x`` or ``[x, style]``:
        x: ``(batch, steps, channels)``; style: ``(batch, style_dim)`` (global conditioning).

    Returns:
        ``[residual, skip]``: ``(batch, steps, channels)`` and ``(batch, steps, skip_channels)``.

    With ``causal=False`` (used by fast generation) the input carries its own
    history: ``(kernel_size - 1) * dilation`` past steps come first and the output
    is shorter by as many steps.
    """

    def __init__(self, channels, skip_channels, dilation, kernel_size=2, dropout=0.0,
                 residual=True, **kwargs):
        super().__init__(**kwargs)
        self.residual = residual
        self.channels, self.skip_channels = channels, skip_channels
        self.dilation, self.kernel_size, self.dropout = dilation, kernel_size, dropout
        self.dropout_layer = keras.layers.Dropout(dropout) if dropout else None

    @property
    def history(self):
        """Past steps one output needs besides the current one."""
        return (self.kernel_size - 1) * self.dilation

    def build(self, input_shape):
        conditioned = isinstance(input_shape, list | tuple) and isinstance(
            input_shape[0], list | tuple)
        channels = self.channels
        self.filter_kernel = self.add_weight(
            shape=(self.kernel_size, channels, 2 * channels), initializer="glorot_uniform",
            name="filter_kernel")
        self.filter_bias = self.add_weight(shape=(2 * channels,), initializer="zeros",
                                           name="filter_bias")
        self.style_kernel = None
        if conditioned:
            self.style_kernel = self.add_weight(
                shape=(input_shape[1][-1], 2 * channels), initializer="glorot_uniform",
                name="style_kernel")
        if self.residual:  # the last block feeds only the skips
            self.residual_kernel = self.add_weight(shape=(channels, channels),
                                                   initializer="glorot_uniform",
                                                   name="residual_kernel")
            self.residual_bias = self.add_weight(shape=(channels,), initializer="zeros",
                                                 name="residual_bias")
        self.skip_kernel = self.add_weight(shape=(channels, self.skip_channels),
                                           initializer="glorot_uniform", name="skip_kernel")
        self.skip_bias = self.add_weight(shape=(self.skip_channels,), initializer="zeros",
                                         name="skip_bias")

    def call(self, inputs, training=False, causal=True):
        x, style = (inputs[0], inputs[1]) if isinstance(inputs, list | tuple) else (inputs, None)
        padded = ops.pad(x, [(0, 0), (self.history, 0), (0, 0)]) if causal else x
        z = ops.conv(padded, self.filter_kernel, strides=1, padding="valid",
                     dilation_rate=self.dilation) + self.filter_bias
        if style is not None and self.style_kernel is not None:
            z = z + ops.expand_dims(ops.matmul(style, self.style_kernel), 1)
        gated = ops.tanh(z[..., :self.channels]) * ops.sigmoid(z[..., self.channels:])
        if self.dropout_layer is not None:
            gated = self.dropout_layer(gated, training=training)
        current = x if causal else x[:, self.history:]
        residual = current
        if self.residual:
            residual = current + ops.matmul(gated, self.residual_kernel) + self.residual_bias
        skip = ops.matmul(gated, self.skip_kernel) + self.skip_bias
        return [residual, skip]

    def get_config(self):
        return {**super().get_config(), "channels": self.channels,
                "skip_channels": self.skip_channels, "dilation": self.dilation,
                "kernel_size": self.kernel_size, "dropout": self.dropout,
                "residual": self.residual}


def build_wavenet(config):
    """A compiled WaveNet.

    Inputs: ``tokens (batch, steps)`` int (melody and audio heads) or ``frames (batch,
    steps, 88)`` (piano-roll head), plus ``style (batch,)`` int when ``config.styles`` is set.

    Returns:
        A Keras model giving logits ``(batch, steps, 90 | 88 | 256)``; output ``t`` predicts
        step ``t`` from the steps before it.
    """
    if config.head in TOKEN_HEADS:
        outputs = TOKEN_HEADS[config.head]
        sequence = keras.Input((None,), dtype="int32", name="tokens")
        shifted = Shift(outputs, name="causal_shift")(sequence)  # the start token
        x = keras.layers.Embedding(outputs + 1, config.channels,
                                   name="input_projection")(shifted)
    else:
        sequence = keras.Input((None, KEYS), name="frames")
        shifted = Shift(name="causal_shift")(sequence)
        x = keras.layers.Dense(config.channels, name="input_projection")(shifted)
        outputs = KEYS
    inputs, style = [sequence], None
    if config.styles:
        label = keras.Input((), dtype="int32", name="style")
        inputs.append(label)
        style = keras.layers.Embedding(len(config.styles), config.style_dim,
                                       name="style_embedding")(label)
    skips = []
    for index, dilation in enumerate(config.dilations):
        block = GatedResidualBlock(config.channels, config.skip_channels, dilation,
                                   config.kernel_size, config.dropout,
                                   residual=index < len(config.dilations) - 1,
                                   name=f"block_{index}")
        x, skip = block([x, style] if style is not None else x)
        skips.append(skip)
    total = keras.layers.Add(name="skip_sum")(skips) if len(skips) > 1 else skips[0]
    hidden = keras.layers.Activation("relu")(total)
    hidden = keras.layers.Dense(config.skip_channels, activation="relu", name="post")(hidden)
    logits = keras.layers.Dense(outputs, name="logits")(hidden)
    model = keras.Model(inputs if len(inputs) > 1 else sequence, logits, name="wavenet")
    if config.head in TOKEN_HEADS:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    else:
        loss, metrics = frame_negative_log_likelihood, []
    learning_rate = config.learning_rate
    if config.decay_steps:
        learning_rate = keras.optimizers.schedules.CosineDecay(
            config.learning_rate, config.decay_steps, alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss,
                  metrics=metrics)
    return attach(model, config)


def blocks(model):
    """The model's ``GatedResidualBlock`` layers, input side first."""
    return [layer for layer in model.layers if isinstance(layer, GatedResidualBlock)]


def receptive_field(model):
    """Steps of history one prediction of ``model`` can see."""
    return sum(block.history for block in blocks(model)) + 1


def load_wavenet(path):
    """Load a WaveNet (``nn.config.save_model``), in Keras safe mode, config attached.

    Raises:
        MusiclabError: naming the file when it is missing, corrupt, unsafe or not a WaveNet.
    """
    return load_model(path, WaveNetConfig)
