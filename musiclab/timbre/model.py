"""The DDSP-style timbre model in Keras 3: (pitch, loudness) every 10 ms -> synthesiser controls.

The decoder is small on purpose (DDSP's "solo instrument" decoder, narrower): each frame's
pitch and loudness are scaled to about 0..1, go through a dense layer, a GRU over time (so a
note's attack can differ from its sustain) and two more dense layers, and come out as the
controls of ``synth``: an overall amplitude, the shares of ``harmonics`` harmonics and the
gains of ``noise_bands`` noise bands, each made positive by ``synth.exp_sigmoid``. What the
network learns is the instrument: how its spectrum changes with pitch and loudness. The pitch
itself is never learned: it goes straight to the synthesiser, which is why a conversion keeps
the melody exactly.

``build_timbre(config)`` gives the training model: ``[f0, loudness]`` crops of ``crop_frames``
frames in, audio out, trained with ``synth.spectral_loss``. Its nested ``decoder`` model takes
any number of frames; ``controls(model, f0, loudness)`` runs it, and ``convert`` synthesises
long audio from the controls in parts.
"""

import dataclasses

import keras
import numpy as np
from keras import ops

from musiclab.nn.config import JSONConfig, attach, load_model, register
from musiclab.timbre.synth import (
    HOP,
    SAMPLE_RATE,
    exp_sigmoid,
    filtered_noise,
    harmonic_distribution,
    harmonic_synth,
    spectral_loss,
)

LOUDNESS_RANGE = (-100.0, 0.0)  # dB: the loudness curve is scaled from this range to 0..1
QUANTILES = np.linspace(0, 1, 21)  # the training loudness is remembered at these quantiles


def loudness_levels(clips):
    """The ``loudness_levels`` of a config: quantiles of the voiced frames' loudness, in dB
    above ``LOUDNESS_RANGE[0]``, rounded to 0.01 dB."""
    voiced = np.concatenate([clip.loudness[clip.voiced] for clip in clips])
    levels = np.quantile(np.maximum(voiced, LOUDNESS_RANGE[0]), QUANTILES) - LOUDNESS_RANGE[0]
    return tuple(round(float(level), 2) for level in levels)


@register("timbre", held_out="musiclab.timbre.train:held_out")
@dataclasses.dataclass(frozen=True)
class TimbreConfig(JSONConfig):
    """Hyper-parameters of a timbre model (saved inside the model file).

    Attributes:
        instrument: the instrument it learned (a General MIDI name or the user's label).
        harmonics: sines the synthesiser plays (multiples of the pitch).
        noise_bands: bands of the filtered noise.
        hidden: width of the dense layers and the GRU.
        crop_frames: frames (10 ms each) per training crop.
        learning_rate: Adam learning rate.
        loudness_levels: the loudness of the voiced frames it was trained on, as quantiles
            (0, 5, ..., 100%) in dB above the silence floor of -100 dB (settings are never
            negative): a conversion maps the input's loudness onto them
            (``loudness_quantiles``) before the user's adjustment.
        source: where its training audio came from ("soundfont" or "wav folder").
    """

    instrument: str = "violin"
    harmonics: int = 40
    noise_bands: int = 32
    hidden: int = 128
    crop_frames: int = 200
    learning_rate: float = 1e-3
    loudness_levels: tuple = ()
    source: str = "soundfont"

    @property
    def loudness_quantiles(self):
        """The training loudness quantiles in dB (``QUANTILES``), or ``None`` when unknown."""
        if not self.loudness_levels:
            return None
        return np.asarray(self.loudness_levels, np.float32) + LOUDNESS_RANGE[0]

    def __post_init__(self):
        self.require_at_least_one("harmonics", "noise_bands", "hidden", "crop_frames")
        if not self.instrument.strip():
            raise ValueError("instrument: must be named")
        if self.loudness_levels and len(self.loudness_levels) != len(QUANTILES):
            raise ValueError(f"loudness_levels: expected {len(QUANTILES)} quantiles, got "
                             f"{len(self.loudness_levels)}")
        object.__setattr__(self, "loudness_levels", tuple(float(level) for level
                                                          in self.loudness_levels))

    def verify(self, model):
        """The model's outputs fit the harmonics and noise bands this config names."""
        outputs = model.get_layer("decoder").get_layer("controls").units
        if outputs != 1 + self.harmonics + self.noise_bands:
            raise ValueError(f"{self.harmonics} harmonics and {self.noise_bands} noise bands, "
                             f"but the decoder gives {outputs} controls")

    @classmethod
    def smoke(cls, instrument="violin"):
        """A tiny model that trains in seconds (CI, smoke notebooks)."""
        return cls(instrument=instrument, harmonics=16, noise_bands=8, hidden=16,
                   crop_frames=50)


@keras.saving.register_keras_serializable(package="musiclab")
class ScaleFeatures(keras.layers.Layer):
    """Pitch in Hz and loudness in dB to two features of about 0..1.

    Inputs: ``[f0 (batch, frames), loudness (batch, frames)]``.
    Returns: ``(batch, frames, 2)``: the MIDI pitch / 127 and the loudness scaled from
    ``LOUDNESS_RANGE``.
    """

    def call(self, inputs):
        f0, loudness = inputs
        pitch = 69.0 + 12.0 * ops.log2(ops.maximum(f0, 1.0) / 440.0)
        low, high = LOUDNESS_RANGE
        level = (ops.clip(loudness, low, high) - low) / (high - low)
        return ops.stack([pitch / 127.0, level], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[0], 2)


@keras.saving.register_keras_serializable(package="musiclab")
class HarmonicPlusNoise(keras.layers.Layer):
    """The synthesiser as a layer (no weights): ``[f0, controls]`` -> audio.

    Inputs: ``f0 (batch, frames)`` in Hz and the decoder's raw ``controls (batch, frames,
    1 + harmonics + noise_bands)``; the number of frames must be fixed (a training crop).
    Returns: ``(batch, frames * HOP)`` samples at ``SAMPLE_RATE``.
    """

    def __init__(self, harmonics, **kwargs):
        super().__init__(**kwargs)
        self.harmonics = int(harmonics)

    def call(self, inputs):
        f0, raw = inputs
        amplitude, distribution, noise = split_controls(raw, f0, self.harmonics)
        return harmonic_synth(f0, amplitude, distribution) + filtered_noise(noise)

    def compute_output_shape(self, input_shape):
        frames = input_shape[0][1]
        return (input_shape[0][0], None if frames is None else frames * HOP)

    def get_config(self):
        return {**super().get_config(), "harmonics": self.harmonics}


def split_controls(raw, f0, harmonics):
    """The decoder's raw outputs to the synthesiser's controls.

    Args:
        raw: ``(batch, frames, 1 + harmonics + bands)``; f0: ``(batch, frames)`` in Hz.

    Returns:
        ``(amplitude (batch, frames), distribution (batch, frames, harmonics),
        noise magnitudes (batch, frames, bands))``.
    """
    amplitude = exp_sigmoid(raw[..., 0])
    distribution = harmonic_distribution(exp_sigmoid(raw[..., 1:1 + harmonics]), f0,
                                         sample_rate=SAMPLE_RATE)
    noise = exp_sigmoid(raw[..., 1 + harmonics:] - 5.0)  # starts quiet: -5 shifts the gain down
    return amplitude, distribution, noise


def build_decoder(config):
    """The network alone: ``[f0, loudness]`` of any number of frames -> raw controls."""
    f0 = keras.Input((None,), name="f0")
    loudness = keras.Input((None,), name="loudness")
    features = ScaleFeatures(name="scale_features")([f0, loudness])
    x = keras.layers.Dense(config.hidden, activation="relu", name="input_dense")(features)
    x = keras.layers.LayerNormalization(name="input_norm")(x)
    x = keras.layers.GRU(config.hidden, return_sequences=True, name="gru")(x)
    x = keras.layers.Concatenate(name="with_features")([x, features])
    for index in range(2):
        x = keras.layers.Dense(config.hidden, activation="relu", name=f"dense_{index}")(x)
        x = keras.layers.LayerNormalization(name=f"norm_{index}")(x)
    raw = keras.layers.Dense(1 + config.harmonics + config.noise_bands, name="controls")(x)
    return keras.Model([f0, loudness], raw, name="decoder")


def build_timbre(config):
    """The compiled training model: fixed crops of ``config.crop_frames`` frames.

    Inputs: ``f0 (batch, crop_frames)`` in Hz, ``loudness (batch, crop_frames)`` in dB.

    Returns:
        A Keras model giving audio ``(batch, crop_frames * HOP)``, compiled with
        ``spectral_loss``; ``model.get_layer("decoder")`` is the network alone.
    """
    f0 = keras.Input((config.crop_frames,), name="f0")
    loudness = keras.Input((config.crop_frames,), name="loudness")
    raw = build_decoder(config)([f0, loudness])
    audio = HarmonicPlusNoise(config.harmonics, name="synth")([f0, raw])
    model = keras.Model([f0, loudness], audio, name="timbre")
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss=spectral_loss)
    return attach(model, config)


def load_timbre(path):
    """Load a timbre model (Keras safe mode, config attached).

    Raises:
        MusiclabError: naming the file when it is missing, corrupt, unsafe or not a timbre
            model.
    """
    return load_model(path, TimbreConfig)
