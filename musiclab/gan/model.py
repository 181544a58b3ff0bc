"""A MuseGAN-style piano-roll GAN (Dong et al. 2018) for chorale phrases and melodies, in Keras 3.

The **generator** turns noise into a multi-track piano roll ``(steps, pitches, tracks)``
with values in [0, 1]; the **critic** scores a roll (higher = more like the data). They
are trained against each other with WGAN-GP (``musiclab.gan.wgan_gp``): the critic
learns to tell real phrases from generated ones, the generator learns to fool it.

The noise is split as in MuseGAN, so each part can be varied while the others are held:

* ``chords`` ``(batch, bars, chords_dim)``: shared by all tracks, one vector per bar;
* ``style`` ``(batch, style_dim)``: shared by all tracks, one for the whole phrase;
* ``melody_<t>`` ``(batch, bars, melody_dim)``: track ``t`` only, one vector per bar;
* ``groove_<t>`` ``(batch, groove_dim)``: track ``t`` only, one for the whole phrase.

Each track has its own bar generator (dense, then transposed convolutions over time and
pitch) applied to every bar of ``[chords, style, melody_t, groove_t]``.
"""

import dataclasses

import keras
import numpy as np

from musiclab.nn.config import JSONConfig, attach, load_model, register
from musiclab.vocab import HIGHEST_PITCH, KEYS, LOWEST_PITCH


@register("pianoroll_gan", held_out="musiclab.gan.run:held_out")
@dataclasses.dataclass(frozen=True)
class GANConfig(JSONConfig):
    """Hyper-parameters of the piano-roll GAN (saved as JSON beside the weights).

    Attributes:
        tracks: 4 for SATB chorale phrases, 1 for melodies.
        bars, steps_per_bar: phrase length (16 steps per bar: 16th notes in 4/4).
        lowest_pitch, pitches: the MIDI pitches modelled (default 36..83, C2 to B5).
        chords_dim, style_dim, melody_dim, groove_dim: sizes of the noise parts.
        generator_width, critic_width: layer widths.
        gradient_penalty: weight of WGAN-GP's gradient penalty.
        critic_steps: critic updates per generator update.
        learning_rate: Adam learning rate (beta_1 0.5, beta_2 0.9) of both networks.
    """

    tracks: int = 4
    bars: int = 2
    steps_per_bar: int = 16
    lowest_pitch: int = 36
    pitches: int = 48
    chords_dim: int = 32
    style_dim: int = 32
    melody_dim: int = 32
    groove_dim: int = 32
    generator_width: int = 128
    critic_width: int = 64
    gradient_penalty: float = 10.0
    critic_steps: int = 5
    learning_rate: float = 2e-4

    def __post_init__(self):
        if self.pitches % 12 or self.pitches < 12:
            raise ValueError(f"pitches: must be a multiple of 12, got {self.pitches}")
        if self.steps_per_bar % 4:
            raise ValueError(f"steps_per_bar: must be a multiple of 4, got {self.steps_per_bar}")
        if self.lowest_pitch < LOWEST_PITCH or self.lowest_pitch + self.pitches > HIGHEST_PITCH + 1:
            raise ValueError("lowest_pitch, pitches: must stay within the 88 keys (21..108)")
        if self.tracks < 1 or self.bars < 1:
            raise ValueError("tracks, bars: must be at least 1")

    @property
    def steps(self):
        return self.bars * self.steps_per_bar

    def verify(self, model):
        """The rolls the generator makes have this config's shape."""
        shape = tuple(parts(model)[0].output_shape[1:])
        if shape != (self.steps, self.pitches, self.tracks):
            raise ValueError(f"rolls of {(self.steps, self.pitches, self.tracks)}, but the "
                             f"generator makes {shape}")

    @property
    def latent_shapes(self):
        """``{input name: shape without the batch}`` of the generator's noise inputs."""
        shapes = {"chords": (self.bars, self.chords_dim), "style": (self.style_dim,)}
        for track in range(self.tracks):
            shapes[f"melody_{track}"] = (self.bars, self.melody_dim)
            shapes[f"groove_{track}"] = (self.groove_dim,)
        return shapes

    @classmethod
    def default(cls, tracks=4):
        """SATB phrases of 2 bars (or melodies with ``tracks=1``)."""
        return cls(tracks=tracks)

    @classmethod
    def smoke(cls, tracks=4):
        """A tiny model that trains in seconds (CI, smoke notebooks)."""
        return cls(tracks=tracks, chords_dim=4, style_dim=4, melody_dim=4, groove_dim=4,
                   generator_width=16, critic_width=8, critic_steps=2)


def sample_latent(config, count, seed=0):
    """Standard normal noise for every part of the generator's input.

    Returns:
        ``{name: float32 array (count, *shape)}``, names as in ``config.latent_shapes``.
    """
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal((count, *shape)).astype(np.float32)
            for name, shape in config.latent_shapes.items()}


def _bar_generator(config, name):
    width, time_steps, pitch_groups = config.generator_width, config.steps_per_bar // 4, \
        config.pitches // 12
    return keras.Sequential([
        keras.layers.Dense(time_steps * pitch_groups * width),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Reshape((time_steps, pitch_groups, width)),
        keras.layers.Conv2DTranspose(width // 2, (2, 1), strides=(2, 1), padding="same"),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Conv2DTranspose(width // 4, (2, 1), strides=(2, 1), padding="same"),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Conv2DTranspose(width // 4, (1, 12), strides=(1, 12), padding="same"),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Conv2D(1, (3, 3), padding="same", activation="sigmoid"),
    ], name=name)


def build_generator(config):
    """Noise parts -> piano rolls ``(batch, steps, pitches, tracks)`` in [0, 1]."""
    inputs = {name: keras.Input(shape, name=name) for name, shape in config.latent_shapes.items()}
    style = keras.layers.RepeatVector(config.bars)(inputs["style"])
    tracks = []
    for track in range(config.tracks):
        groove = keras.layers.RepeatVector(config.bars)(inputs[f"groove_{track}"])
        per_bar = keras.layers.Concatenate()([inputs["chords"], style,
                                              inputs[f"melody_{track}"], groove])
        bars = keras.layers.TimeDistributed(_bar_generator(config, f"bar_generator_{track}"))(
            per_bar)  # (batch, bars, steps_per_bar, pitches, 1)
        tracks.append(bars)
    joined = keras.layers.Concatenate()(tracks) if len(tracks) > 1 else tracks[0]
    rolls = keras.layers.Reshape((config.steps, config.pitches, config.tracks),
                                 name="rolls")(joined)
    return keras.Model(inputs, rolls, name="generator")


def build_critic(config):
    """Piano rolls ``(batch, steps, pitches, tracks)`` -> scores ``(batch, 1)`` (no sigmoid)."""
    width = config.critic_width
    rolls = keras.Input((config.steps, config.pitches, config.tracks), name="rolls")
    x = keras.layers.Conv2D(width, (1, 12), strides=(1, 12))(rolls)  # octaves
    x = keras.layers.LeakyReLU(0.2)(x)
    x = keras.layers.Conv2D(width, (4, 1), strides=(4, 1))(x)  # beats
    x = keras.layers.LeakyReLU(0.2)(x)
    x = keras.layers.Conv2D(2 * width, (config.steps_per_bar // 4, 1),
                            strides=(config.steps_per_bar // 4, 1))(x)  # bars
    x = keras.layers.LeakyReLU(0.2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(2 * width)(x)
    x = keras.layers.LeakyReLU(0.2)(x)
    score = keras.layers.Dense(1, name="score")(x)
    return keras.Model(rolls, score, name="critic")


def build_gan(config):
    """Generator and critic joined in one model (noise -> critic score of generated rolls).

    The joined model is what is saved: one ``.keras`` file holds both networks; take
    them out with ``parts(gan)``.
    """
    generator, critic = build_generator(config), build_critic(config)
    inputs = {name: keras.Input(shape, name=name) for name, shape in config.latent_shapes.items()}
    return attach(keras.Model(inputs, critic(generator(inputs)), name="pianoroll_gan"), config)


def parts(gan):
    """``(generator, critic)`` of a joined GAN model."""
    return gan.get_layer("generator"), gan.get_layer("critic")


def load_gan(path):
    """Load a GAN (``nn.config.save_model``), in Keras safe mode, config attached.

    Raises:
        MusiclabError: naming the file when it is missing, corrupt, unsafe or not a GAN.
    """
    return load_model(path, GANConfig)


def to_model_rolls(rolls, config):
    """Full 88-key rolls ``(n, steps, 88[, tracks])`` -> the model's pitch window, float32.

    Notes outside the window are moved by octaves into it.
    """
    rolls = np.asarray(rolls, dtype=bool)
    if rolls.ndim == 3:
        rolls = rolls[..., None]
    low = config.lowest_pitch - LOWEST_PITCH
    result = np.zeros(rolls.shape[:2] + (config.pitches, rolls.shape[3]), np.float32)
    for key in range(KEYS):
        index = key - low
        while index < 0:
            index += 12
        while index >= config.pitches:
            index -= 12
        result[:, :, index] = np.maximum(result[:, :, index], rolls[:, :, key])
    return result


def to_full_rolls(model_rolls, config, threshold=0.5, rng=None):
    """The model's output -> bool 88-key rolls ``(n, steps, 88, tracks)``.

    Args:
        model_rolls: ``(n, steps, pitches, tracks)`` values in [0, 1].
        config: the GAN's config.
        threshold: keys at or above it sound (``rng`` not given).
        rng: a ``numpy.random.Generator`` to binarise by Bernoulli sampling instead.
    """
    values = np.asarray(model_rolls, dtype=np.float32)
    sounding = rng.random(values.shape) < values if rng is not None else values >= threshold
    full = np.zeros(values.shape[:2] + (KEYS, values.shape[3]), bool)
    low = config.lowest_pitch - LOWEST_PITCH
    full[:, :, low:low + config.pitches] = sounding
    return full
