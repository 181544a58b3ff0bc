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

import keras
import numpy as np
from keras import ops

from musiclab.data.splits import SPLIT, load_splits, style_labels
from musiclab.nn.config import (
    JSONConfig,
    attach,
    config_of,
    load_model,
    read_config,
    register,
)
from musiclab.nn.loop import run_training
from musiclab.style.judge import (
    balanced_accuracy,
    classify,
    confusion_matrix,
    evaluate_style_classifier,
    has_note,
)
from musiclab.vocab import VOCABULARY_SIZE

REGIONS = ("bach", "chinese", "european", "irish")
DANCES = ("reel", "jig", "hornpipe", "strathspey", "clog")


@register("style_classifier", held_out="musiclab.style.classifier:held_out")
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
        group_power: how balanced the training batches are (see ``crop_batch``:
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

    def verify(self, model):
        """The heads have one output per region and per dance of this config."""
        widths = (model.get_layer("region").units, model.get_layer("dance").units)
        if widths != (len(self.regions), len(self.dances)):
            raise ValueError(f"{len(self.regions)} regions and {len(self.dances)} dances, but "
                             f"the heads have {widths[0]} and {widths[1]} outputs")


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
    return attach(model, config)


def load_style_classifier(path):
    """Load a style classifier (``nn.config.save_model``), in Keras safe mode, config attached.

    Raises:
        MusiclabError: naming the file when it is missing, corrupt, unsafe or not a classifier.
    """
    return load_model(path, StyleClassifierConfig)


def classifier_config(path):
    """The ``StyleClassifierConfig`` of a classifier file, without loading the network.

    Raises:
        MusiclabError: naming the file when it carries no readable config.
    """
    return read_config(path, StyleClassifierConfig)


def labelled_tunes(corpus, regions, dances, minimum_steps=32):
    """Whole tunes with at least one label, long enough to crop.

    Args:
        corpus: a ``Corpus`` (or one split of it).
        regions, dances: the label names.
        minimum_steps: shorter tunes are left out.

    Returns:
        ``(tunes, region_index, dance_index)``: a list of int16 token arrays and
        two int32 arrays.
    """
    region, dance = style_labels(corpus.metadata, regions, dances)
    keep = [index for index in range(len(corpus))
            if (region[index] >= 0 or dance[index] >= 0)
            and len(corpus.tune_tokens(index)) >= minimum_steps]
    return ([corpus.tune_tokens(index) for index in keep], region[keep], dance[keep])


def crop_batch(tunes, region_index, dance_index, *, steps, batch_size, rng, group_power=0.0):
    """A class-balanced batch of random crops.

    Each row picks a group (one group per region, plus one for the tunes with a
    dance label), a tune of that group, and a crop of it that holds at least one
    note. Groups are picked with probability proportional to ``size ** group_power``:
    0 is uniform (fully balanced), 1 follows the data, 0.5 is in between.

    Returns:
        ``(tokens (batch, steps) int32, region (batch,), dance (batch,))``.
    """
    groups = [np.flatnonzero(region_index == label) for label in np.unique(region_index)
              if label >= 0]
    groups.append(np.flatnonzero(dance_index >= 0))
    groups = [group for group in groups if len(group)]
    weights = np.array([len(group) for group in groups], np.float64) ** group_power
    picks = rng.choice(len(groups), size=batch_size, p=weights / weights.sum())
    tokens = np.zeros((batch_size, steps), np.int32)
    chosen = np.zeros(batch_size, np.int64)
    for row in range(batch_size):
        group = groups[picks[row]]
        tune = group[rng.integers(len(group))]
        for _ in range(8):
            start = rng.integers(0, len(tunes[tune]) - steps + 1)
            crop = tunes[tune][start:start + steps]
            if has_note(crop):
                break
        tokens[row], chosen[row] = crop, tune
    return tokens, region_index[chosen], dance_index[chosen]


def train_style_classifier(config, train, valid, *, steps, folder, batch_size=64,
                           checkpoint_every=200, seed=0, progress=True, on_checkpoint=None,
                           time_limit=None):
    """Train (or resume training) a style classifier on balanced random crops.

    Args:
        config: a ``StyleClassifierConfig``.
        train, valid: ``(tunes, region_index, dance_index)`` as from ``labelled_tunes``.
        steps: total optimisation steps wanted (a resumed run does only the rest).
        folder: the run's folder.
        batch_size, checkpoint_every, seed, progress, on_checkpoint, time_limit:
            as for ``musiclab.nn.loop.run_training``.

    Returns:
        ``(model, state)``; the history has ``valid_loss`` (region cross-entropy on
        a fixed balanced set of validation crops) and ``valid_accuracy`` (balanced).
    """
    for name, part in (("train", train), ("valid", valid)):
        if len(part) != 3 or not len(part[0]) or not (np.asarray(part[1]) >= 0).any():
            raise ValueError(f"{name}: expected (tunes, region_index, dance_index) with "
                             f"region labels")
    valid_tokens, valid_region, _ = crop_batch(*valid, steps=config.steps, batch_size=1024,
                                               rng=np.random.default_rng(seed + 1))
    known = valid_region >= 0

    def train_batch(model, rng):
        tokens, region, dance = crop_batch(*train, steps=config.steps, batch_size=batch_size,
                                           rng=rng, group_power=config.group_power)
        result = model.train_on_batch(tokens, {"region": region, "dance": dance})
        return result[0] if isinstance(result, list | tuple) else result

    def validate(model):
        probabilities = classify(model, valid_tokens[known])["region"]
        truth = valid_region[known]
        loss = -np.log(probabilities[np.arange(len(truth)), truth] + 1e-12).mean()
        matrix = confusion_matrix(truth, probabilities.argmax(axis=1), len(config.regions))
        return {"valid_loss": float(loss), "valid_accuracy": balanced_accuracy(matrix)}

    return run_training(folder, config, build=lambda: build_style_classifier(config),
                        train_batch=train_batch, validate=validate, steps=steps,
                        checkpoint_every=checkpoint_every, seed=seed, progress=progress,
                        show=("valid_accuracy",), on_checkpoint=on_checkpoint,
                        time_limit=time_limit)


def held_out(model):
    """A style classifier's figures on the test split's tunes (for its card)."""
    config = config_of(model)
    tunes = labelled_tunes(load_splits("all")["test"], config.regions, config.dances,
                           config.steps)
    return {"data": {"corpus": "all", "split": SPLIT, "regions": list(config.regions),
                     "dances": list(config.dances), "test_tunes": len(tunes[0])},
            "held_out": evaluate_style_classifier(model, *tunes, steps=config.steps)}
