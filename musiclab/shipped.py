"""The trained models that ship inside the package, read from their model cards.

Every folder of ``musiclab/_data`` with a ``model_card.json`` is a shipped model:
``model.keras`` beside it, and the card saying how it was trained and what it scores on
held-out data. Reading the cards needs no Keras; each family loads its own model
(``musiclab.vae.pretrained``, ``musiclab.nn.config.load_any(model_path(name))``...).
``musiclab.nn.publish.publish_run`` writes them.
"""

import json
from pathlib import Path

from musiclab.errors import MusiclabError

PRETRAINED_ROOT = Path(__file__).resolve().parent / "_data"

# the figure a card's table row shows first, per family: (held-out key, label)
HEADLINE = {
    "melody_vae": ("teacher_forced_accuracy", "held-out accuracy"),
    "wavenet": ("token_nll", "test NLL (nats/step)"),
    "transformer": ("test", "test NLL (nats/token)"),
    "pianoroll_gan": ("mean_overlap", "real/generated metric overlap"),
    "style_classifier": ("tune_balanced_accuracy", "test balanced accuracy (tunes)"),
    "harmony": ("loss", "test loss (nats/step/voice)"),
    "timbre": ("conversion", "piano->instrument spectral distance"),
}


def names(root=None):
    """Names of the shipped models, sorted."""
    root = Path(root or PRETRAINED_ROOT)
    return sorted(path.parent.name for path in root.glob("*/model_card.json"))


def card(name, root=None):
    """The model card of a shipped model, as a dict.

    Raises:
        MusiclabError: naming the model when this install has no such card.
    """
    path = Path(root or PRETRAINED_ROOT) / name / "model_card.json"
    if not path.exists():
        raise MusiclabError(f"{name}: no shipped model of that name; shipped: "
                            f"{', '.join(names(root)) or 'none'}")
    return json.loads(path.read_text())


def model_path(name, root=None):
    """The ``model.keras`` of a shipped model (checked to exist)."""
    path = Path(root or PRETRAINED_ROOT) / name / "model.keras"
    if not path.exists():
        raise MusiclabError(f"{path}: this install has no weights for {name}")
    return path


# cards written before cards named their family and config module
_EARLIER_CARDS = {"melody_vae": "musiclab.vae.model", "transformer": "musiclab.transformer.model"}


def _family(entry):
    if entry.get("family"):
        return entry["family"]
    return "melody_vae" if "bars" in entry.get("config", {}) else "transformer"


def config_module(entry):
    """The module whose import registers a card's kind of model (for loading it)."""
    return entry.get("module") or _EARLIER_CARDS[_family(entry)]


def _headline(entry):
    family = _family(entry)
    key, label = HEADLINE.get(family, ("", ""))
    value = entry.get("held_out", {}).get(key)
    if isinstance(value, dict):  # the Transformer's card: {"test": {"token_nll": ...}}
        value = value.get("token_nll", value.get("nll"))
    return (f"{label} {value:.3f}" if isinstance(value, int | float) else "-")


def table(root=None):
    """One row per shipped model: name, family, parameters, size, steps, minutes of
    training and the headline held-out figure. Returns a list of dicts."""
    rows = []
    for name in names(root):
        entry = card(name, root)
        rows.append({
            "name": name, "family": _family(entry),
            "parameters": entry.get("parameters"),
            "megabytes": round(entry.get("size_bytes", 0) / 1e6, 1),
            "steps": entry.get("steps"),
            "minutes": round((entry.get("training_seconds") or 0) / 60, 1),
            "held_out": _headline(entry),
        })
    return rows


def study(name, root=None):
    """Figures of a measured study that ships with musiclab (``_data/studies/NAME.json``).

    ``augmentation`` (``benchmarks/augmentation.py``) and ``multitask``
    (``benchmarks/multitask.py``): each holds its command, settings and rows.
    """
    path = Path(root or PRETRAINED_ROOT) / "studies" / f"{name}.json"
    if not path.exists():
        available = sorted(item.stem for item in path.parent.glob("*.json"))
        raise ValueError(f"name: no study {name!r}; shipped: {available}")
    return json.loads(path.read_text())
