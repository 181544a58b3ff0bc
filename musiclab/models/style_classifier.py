"""A style classifier for melodies: which region a melody comes from, and its dance type.

It is the judge of everything style-related in musiclab: conditioned samples,
style transfer. A stack of dilated 1-D convolutions over melody tokens, pooled
over time (so any length of at least a few steps works), with two heads:

* ``region``: Bach chorale melody, Chinese (Han) folk song, European (mostly
  German) folk song, Irish tune;
* ``dance``: the dance type of a fiddle tune (reel, jig, hornpipe, ...).

Labels of ``-1`` are ignored by the loss, so tunes with only one of the two
labels train the head they have a label for.
"""

import dataclasses
from pathlib import Path

import keras
from keras import ops

from musiclab.data.melody import VOCABULARY_SIZE
from musiclab.errors import MusiclabError
from musiclab.models.common import JSONConfig, load_model_file

REGIONS = ("bach", "chinese", "european", "irish")
DANCES = ("reel", "jig", "hornpipe", "strathspey", "clog")


@dataclasses.dataclass(frozen=True)
class StyleClassifierConfig(JSONConfig):
    """Hyper-parameters of the style classifier (saved as JSON beside the weights).

    Attributes:
        regions: region labels of the ``region`` head.
        dances: dance types of the ``dance`` head.
        steps: length of the training crops (16th-note steps).
        embedding_dim: size of the token embedding.
        channels: width of the convolutions.
        dilations: one residual convolution block per entry.
        kernel_size: convolution width.
        dropout: dropout before the heads.
        dance_weight: weight of the dance loss against the region loss.
        group_power: how balanced the training batches are (see ``musiclab.style.crop_batch``:
            0 draws every region equally often, 1 as often as the data has them).
        learning_rate: Adam learning rate.
    """

    regions: tuple = REGIONS
    dances: tuple = DANCES
    steps: int = 32
    embedding_dim: int = 32
    channels: int = 96
    dilations: tuple = (1, 2, 4, 8)
    kernel_size: int = 3
    dropout: float = 0.3
    dance_weight: float = 0.5
    group_power: float = 0.0
    learning_rate: float = 2e-3

    @classmethod
    def default(cls):
        """The setting of the measured classifier (a few minutes on a 2-core CPU)."""
        return cls()

    @classmethod
    def smoke(cls):
        """A tiny classifier that trains in seconds (CI, smoke notebooks)."""
        return cls(embedding_dim=8, channels=16, dilations=(1, 2))


@keras.saving.register_keras_serializable(package="musiclab", name="masked_sparse_crossentropy")
def masked_sparse_crossentropy(labels, logits):
    """Cross-entropy from logits that ignores labels below 0.

    Args:
        labels: int tensor ``(batch,)`` (``-1``: no label).
        logits: float tensor ``(batch, classes)``.

    Returns:
        float tensor ``(batch,)``: the loss of each example (0 where unlabelled).
    """
    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    known = ops.cast(labels >= 0, logits.dtype)
    safe = ops.maximum(labels, 0)
    log_probabilities = ops.log_softmax(logits, axis=-1)
    picked = ops.take_along_axis(log_probabilities, safe[:, None], axis=-1)[:, 0]
    return -picked * known


def build_style_classifier(config):
    """Tokens ``(batch, steps)`` -> ``{"region": (batch, regions), "dance": (batch, dances)}``
    logits. Any length of at least one step is accepted.
    """
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    hidden = keras.layers.Embedding(VOCABULARY_SIZE, config.embedding_dim)(tokens)
    hidden = keras.layers.Conv1D(config.channels, 1, name="input_projection")(hidden)
    for index, dilation in enumerate(config.dilations):
        update = keras.layers.Conv1D(config.channels, config.kernel_size, padding="same",
                                     dilation_rate=dilation, activation="relu",
                                     name=f"block_{index}")(hidden)
        hidden = keras.layers.Add()([hidden, update])
    pooled = keras.layers.Concatenate()([keras.layers.GlobalAveragePooling1D()(hidden),
                                         keras.layers.GlobalMaxPooling1D()(hidden)])
    pooled = keras.layers.Dropout(config.dropout)(pooled)
    features = keras.layers.Dense(config.channels, activation="relu", name="features")(pooled)
    outputs = {"region": keras.layers.Dense(len(config.regions), name="region")(features),
               "dance": keras.layers.Dense(len(config.dances), name="dance")(features)}
    model = keras.Model(tokens, outputs, name="style_classifier")
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                  loss={"region": masked_sparse_crossentropy, "dance": masked_sparse_crossentropy},
                  loss_weights={"region": 1.0, "dance": config.dance_weight})
    return model


def load_style_classifier(path):
    """Load a style classifier saved with ``model.save(path)``, in Keras safe mode.

    Raises:
        MusiclabError: naming the file when it is missing, corrupt, unsafe or not a classifier.
    """
    return load_model_file(path, ("region", "dance", "features"), "style classifier")


def classifier_config(path):
    """The ``StyleClassifierConfig`` saved beside a classifier file (its run's ``config.json``).

    Raises:
        MusiclabError: naming the file when there is no readable config beside it.
    """
    config_path = Path(path).parent / "config.json"
    try:
        return StyleClassifierConfig.from_json(config_path.read_text())
    except (OSError, ValueError, TypeError) as error:
        raise MusiclabError(f"{config_path}: no style classifier config ({error})") from None
