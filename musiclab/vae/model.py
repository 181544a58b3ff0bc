"""A MusicVAE-style melody VAE (Roberts et al. 2018) in Keras 3.

Encoder: token embedding -> bidirectional LSTM -> posterior mean and log-variance.
Decoder: an autoregressive LSTM whose initial state and every input carry the
latent code; trained with teacher forcing.

The KL term is ``beta * max(KL - free_bits, 0)``: free bits apply to the
*total* KL of a sequence (as in MusicVAE), so the encoder may spend
``free_bits`` bits without penalty; ``beta`` rises from 0 to ``beta`` as
``beta * (1 - beta_rate ** step)``. Both are counted in bits.

Everything uses ``keras.ops`` and ``keras.random``, so it trains on the
TensorFlow and JAX backends.
"""

import dataclasses
import math

import keras
from keras import ops

from musiclab.nn.config import JSONConfig, attach, config_of, load_model, register
from musiclab.nn.layers import Shift
from musiclab.vocab import START_TOKEN, VOCABULARY_SIZE

LOG2 = math.log(2.0)


@register("melody_vae", held_out="musiclab.vae.training:held_out")
@dataclasses.dataclass(frozen=True)
class MelodyVAEConfig(JSONConfig):
    """Hyper-parameters of the melody VAE (saved as JSON beside the weights).

    Attributes:
        bars, steps_per_bar: sequence length is ``bars * steps_per_bar`` 16th-note steps.
        latent_dim: size of the latent code.
        embedding_dim: size of the token embedding.
        encoder_units, decoder_units: LSTM sizes.
        conductor_units: size of the "conductor" LSTM of a hierarchical decoder
            (MusicVAE's for 16 bars): it turns the code into one embedding per bar,
            and each bar is decoded from its embedding with a fresh decoder state.
            0 gives a flat decoder.
        beta: final weight of the KL term.
        beta_rate: annealing rate; beta reaches 63% of its value after ``1 / (1 - rate)`` steps.
        free_bits: bits of KL per sequence that cost nothing (applied to the total KL).
        learning_rate: Adam learning rate.
        styles: style names of a conditional VAE (a CVAE): the encoder and the decoder
            both see a style vector (one-hot, or a mix of styles); ``()`` for none.
    """

    bars: int = 2
    steps_per_bar: int = 16
    latent_dim: int = 128
    embedding_dim: int = 64
    encoder_units: int = 256
    decoder_units: int = 256
    conductor_units: int = 0
    beta: float = 0.2
    beta_rate: float = 0.999
    free_bits: float = 48.0
    learning_rate: float = 1e-3
    styles: tuple = ()

    @property
    def steps(self):
        """Tokens per sequence."""
        return self.bars * self.steps_per_bar

    @classmethod
    def default(cls):
        """The setting used for the shipped 2-bar model."""
        return cls()

    @classmethod
    def default_16_bars(cls):
        """A hierarchical 16-bar model (a conductor over per-bar decoders)."""
        return cls(bars=16, latent_dim=256, conductor_units=256, free_bits=256.0)

    @classmethod
    def smoke(cls, bars=2):
        """A tiny model that trains in seconds (CI, smoke notebooks).

        Hierarchical beyond 2 bars.
        """
        return cls(bars=bars, latent_dim=8, embedding_dim=8, encoder_units=16, decoder_units=16,
                   conductor_units=16 if bars > 2 else 0, beta_rate=0.9)

    @classmethod
    def conditional(cls, styles, **overrides):
        """The default 2-bar model conditioned on ``styles`` (e.g. the four regions)."""
        return cls(styles=tuple(styles), **overrides)

    @property
    def hierarchical(self):
        """Whether the decoder has a conductor."""
        return self.conductor_units > 0

    def verify(self, model):
        """The code size, the styles and the melody length are the model's."""
        latent, previous = model.get_layer("decoder").input_shape
        if latent[1] != self.latent_dim + len(self.styles) or previous[1] != self.steps:
            raise ValueError(f"a code of {self.latent_dim} + {len(self.styles)} styles and "
                             f"{self.steps} steps, but the decoder takes {latent[1]} and "
                             f"{previous[1]}")


@keras.saving.register_keras_serializable(package="musiclab")
class LatentSampling(keras.layers.Layer):
    """Draw ``z = mean + exp(log_variance / 2) * noise`` and add the KL penalty as a loss.

    Input shape: ``[(batch, latent_dim), (batch, latent_dim)]`` (mean, log-variance).
    Output shape: ``(batch, latent_dim)``.
    """

    def __init__(self, beta=0.2, beta_rate=0.999, free_bits=48.0, steps=32, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.beta, self.beta_rate, self.free_bits = float(beta), float(beta_rate), float(free_bits)
        self.steps, self.seed = int(steps), seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.step = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                    name="step", dtype="float32")

    def call(self, inputs, training=False):
        mean, log_variance = inputs
        kl_bits = kl_divergence_bits(mean, log_variance)
        if training:
            beta = self.beta * (1.0 - ops.power(self.beta_rate, self.step))
            excess = ops.maximum(kl_bits - self.free_bits, 0.0)
            self.add_loss(beta * ops.mean(excess) * LOG2 / self.steps)
            self.step.assign(self.step + 1.0)
            noise = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
            return mean + ops.exp(0.5 * log_variance) * noise
        return mean

    def get_config(self):
        config = super().get_config()
        config.update(beta=self.beta, beta_rate=self.beta_rate, free_bits=self.free_bits,
                      steps=self.steps, seed=self.seed)
        return config


def kl_divergence_bits(mean, log_variance):
    """KL(q(z|x) || N(0, I)) per sequence, in bits.

    Args:
        mean, log_variance: tensors of shape ``(batch, latent_dim)``.

    Returns:
        A tensor of shape ``(batch,)``.
    """
    nats = 0.5 * ops.sum(ops.exp(log_variance) + ops.square(mean) - 1.0 - log_variance, axis=-1)
    return nats / LOG2


def build_encoder(config):
    """Tokens ``(batch, steps)`` -> ``[mean, log_variance]``, each ``(batch, latent_dim)``.

    A conditional encoder takes ``[tokens, style (batch, styles)]``.
    """
    tokens = keras.Input((config.steps,), dtype="int32", name="tokens")
    embedded = keras.layers.Embedding(VOCABULARY_SIZE, config.embedding_dim)(tokens)
    summary = keras.layers.Bidirectional(keras.layers.LSTM(config.encoder_units))(embedded)
    inputs = tokens
    if config.styles:
        style = keras.Input((len(config.styles),), name="style")
        summary = keras.layers.Concatenate()([summary, style])
        inputs = [tokens, style]
    mean = keras.layers.Dense(config.latent_dim, name="mean")(summary)
    log_variance = keras.layers.Dense(config.latent_dim, name="log_variance")(summary)
    return keras.Model(inputs, [mean, log_variance], name="encoder")


def build_decoder(config):
    """``[latent (batch, latent_dim + styles), previous tokens (batch, steps)]`` -> logits
    ``(batch, steps, 90)``. ``previous[:, t]`` is the token before step ``t``
    (``START_TOKEN`` at ``t = 0``). A conditional decoder's latent input is the
    code followed by the style vector.

    Flat: every step sees the latent code. Hierarchical: a conductor LSTM makes
    one embedding per bar from the code; each bar's decoder starts from a state
    made from its embedding and sees that embedding at every step.
    """
    latent = keras.Input((config.latent_dim + len(config.styles),), name="latent")
    previous = keras.Input((config.steps,), dtype="int32", name="previous")
    embedded = keras.layers.Embedding(VOCABULARY_SIZE + 1, config.embedding_dim,
                                      name="token_embedding")(previous)
    if not config.hierarchical:
        context = keras.layers.RepeatVector(config.steps)(latent)
        inputs = keras.layers.Concatenate()([embedded, context])
        hidden = keras.layers.Dense(config.decoder_units, activation="tanh",
                                    name="initial_h")(latent)
        cell = keras.layers.Dense(config.decoder_units, activation="tanh",
                                  name="initial_c")(latent)
        sequence = keras.layers.LSTM(config.decoder_units, return_sequences=True,
                                     name="decoder_lstm")(inputs, initial_state=[hidden, cell])
        logits = keras.layers.Dense(VOCABULARY_SIZE, name="logits")(sequence)
        return keras.Model([latent, previous], logits, name="decoder")
    bars = build_conductor(config)(latent)                             # (batch, bars, units)
    per_step = RepeatEach(config.steps_per_bar, name="bar_context")(bars)
    inputs = FoldBars(config.bars, name="fold_inputs")(
        keras.layers.Concatenate()([embedded, per_step]))              # (batch*bars, steps, f)
    hidden = keras.layers.Dense(config.decoder_units, activation="tanh", name="initial_h")(bars)
    cell = keras.layers.Dense(config.decoder_units, activation="tanh", name="initial_c")(bars)
    hidden = FoldBars(config.bars, name="fold_h")(hidden)
    cell = FoldBars(config.bars, name="fold_c")(cell)
    sequence = keras.layers.LSTM(config.decoder_units, return_sequences=True,
                                 name="decoder_lstm")(inputs, initial_state=[hidden, cell])
    logits = keras.layers.Dense(VOCABULARY_SIZE, name="logits")(sequence)
    logits = UnfoldBars(config.bars, name="unfold_logits")(logits)
    return keras.Model([latent, previous], logits, name="decoder")


def build_conductor(config):
    """Latent ``(batch, latent_dim + styles)`` -> one embedding per bar.

    Output shape: ``(batch, bars, conductor_units)``.
    """
    latent = keras.Input((config.latent_dim + len(config.styles),), name="latent")
    steps = keras.layers.RepeatVector(config.bars)(latent)
    hidden = keras.layers.Dense(config.conductor_units, activation="tanh",
                                name="conductor_h")(latent)
    cell = keras.layers.Dense(config.conductor_units, activation="tanh",
                              name="conductor_c")(latent)
    bars = keras.layers.LSTM(config.conductor_units, return_sequences=True,
                             name="conductor_lstm")(steps, initial_state=[hidden, cell])
    return keras.Model(latent, bars, name="conductor")


@keras.saving.register_keras_serializable(package="musiclab")
class RepeatEach(keras.layers.Layer):
    """Repeat every step ``times`` times: ``(batch, n, f)`` -> ``(batch, n * times, f)``."""

    def __init__(self, times, **kwargs):
        super().__init__(**kwargs)
        self.times = int(times)

    def call(self, inputs):
        return ops.repeat(inputs, self.times, axis=1)

    def compute_output_shape(self, input_shape):
        steps = None if input_shape[1] is None else input_shape[1] * self.times
        return (input_shape[0], steps, *input_shape[2:])

    def get_config(self):
        return {**super().get_config(), "times": self.times}


@keras.saving.register_keras_serializable(package="musiclab")
class FoldBars(keras.layers.Layer):
    """Put bars into the batch: ``(batch, bars * s, ...)`` -> ``(batch * bars, s, ...)``."""

    def __init__(self, bars, **kwargs):
        super().__init__(**kwargs)
        self.bars = int(bars)

    def call(self, inputs):
        per_bar = inputs.shape[1] // self.bars
        if per_bar == 1:
            return ops.reshape(inputs, (-1, *inputs.shape[2:]))
        return ops.reshape(inputs, (-1, per_bar, *inputs.shape[2:]))

    def compute_output_shape(self, input_shape):
        per_bar = input_shape[1] // self.bars
        batch = None if input_shape[0] is None else input_shape[0] * self.bars
        if per_bar == 1:
            return (batch, *input_shape[2:])
        return (batch, per_bar, *input_shape[2:])

    def get_config(self):
        return {**super().get_config(), "bars": self.bars}


@keras.saving.register_keras_serializable(package="musiclab")
class UnfoldBars(keras.layers.Layer):
    """Inverse of ``FoldBars`` for sequences.

    ``(batch * bars, s, f)`` -> ``(batch, bars * s, f)``.
    """

    def __init__(self, bars, **kwargs):
        super().__init__(**kwargs)
        self.bars = int(bars)

    def call(self, inputs):
        return ops.reshape(inputs, (-1, self.bars * inputs.shape[1], *inputs.shape[2:]))

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] // self.bars
        return (batch, self.bars * input_shape[1], *input_shape[2:])

    def get_config(self):
        return {**super().get_config(), "bars": self.bars}


def build_vae(config, seed=None):
    """The training model: tokens ``(batch, steps)`` -> logits ``(batch, steps, 90)``.

    A conditional VAE takes ``[tokens, style (batch, styles)]``. The KL penalty
    is added as a layer loss; compile with sparse categorical cross-entropy
    ``from_logits=True`` on the logits.
    """
    encoder, decoder = build_encoder(config), build_decoder(config)
    tokens = keras.Input((config.steps,), dtype="int32", name="tokens")
    inputs = tokens
    if config.styles:
        style = keras.Input((len(config.styles),), name="style")
        inputs = [tokens, style]
    mean, log_variance = encoder(inputs)
    latent = LatentSampling(config.beta, config.beta_rate, config.free_bits, config.steps,
                            seed=seed, name="sampling")([mean, log_variance])
    if config.styles:
        latent = StyleCondition(config.styles, name="style_condition")([latent, style])
    previous = Shift(START_TOKEN, name="teacher_forcing")(tokens)
    logits = decoder([latent, previous])
    model = keras.Model(inputs, logits, name="melody_vae")
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return attach(model, config)


@keras.saving.register_keras_serializable(package="musiclab")
class StyleCondition(keras.layers.Layer):
    """Append the style vector to the latent code; remembers the style names.

    Input shapes: ``[(batch, latent_dim), (batch, styles)]``.
    Output shape: ``(batch, latent_dim + styles)``.
    """

    def __init__(self, styles, **kwargs):
        super().__init__(**kwargs)
        self.styles = tuple(str(name) for name in styles)

    def call(self, inputs):
        latent, style = inputs
        return ops.concatenate([latent, ops.cast(style, latent.dtype)], axis=-1)

    def compute_output_shape(self, input_shapes):
        latent, style = input_shapes
        return (latent[0], latent[1] + style[1])

    def get_config(self):
        return {**super().get_config(), "styles": list(self.styles)}


def style_names(model):
    """The style names of a conditional melody VAE; ``()`` for an unconditional one."""
    return config_of(model).styles


def load_vae(path):
    """Load a melody VAE (``nn.config.save_model``), in Keras safe mode, config attached.

    Raises:
        MusiclabError: naming the file when it is missing, corrupt, unsafe or not a melody VAE.
    """
    return load_model(path, MelodyVAEConfig)
