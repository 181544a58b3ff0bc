"""The Transformer that ships inside the package, its model card, and the measured studies.

``musiclab/_data/melody_transformer/`` holds ``model.keras`` (weights without optimizer
state, config inside) and ``model_card.json`` (the command that trained it, the data, the
steps and time, and held-out figures measured by ``training.sequence_nll``).
``musiclab/_data/transformer_studies.json`` holds what ``benchmarks/transformer.py``
measured (the scaling study, the comparison with the WaveNet and the LSTM), so a lesson
in smoke mode can show full-size results it did not have the time to compute.
"""

import functools
import json
from pathlib import Path

from musiclab import __version__
from musiclab.data.splits import SPLIT
from musiclab.errors import MusiclabError
from musiclab.files import atomic_write_text
from musiclab.nn.config import config_of, save_model
from musiclab.transformer.model import build, load
from musiclab.transformer.tokens import melody_data
from musiclab.transformer.training import sequence_nll

PRETRAINED_ROOT = Path(__file__).resolve().parent.parent / "_data"
NAME = "melody_transformer"
STUDIES = PRETRAINED_ROOT / "transformer_studies.json"


def model_card():
    """The shipped Transformer's model card, as a dict."""
    path = PRETRAINED_ROOT / NAME / "model_card.json"
    if not path.exists():
        raise MusiclabError(f"{path}: this install has no pretrained {NAME}")
    return json.loads(path.read_text())


@functools.lru_cache(maxsize=1)
def pretrained_transformer():
    """Load the shipped style-conditioned melody Transformer (safe mode), cached."""
    path = PRETRAINED_ROOT / NAME / "model.keras"
    if not path.exists():
        raise MusiclabError(f"{path}: this install has no pretrained {NAME}")
    return load(path)


def studies():
    """The measured studies (``benchmarks/transformer.py``): ``{"scaling": ...,
    "comparison": ...}``; empty when this install has none."""
    return json.loads(STUDIES.read_text()) if STUDIES.exists() else {}


def publish(run_folder, command, *, destination=None):
    """Copy a finished melody training run into the package with a model card.

    Args:
        run_folder: the folder ``musiclab train transformer --out`` wrote.
        command: the exact command that trained it (recorded in the card).
        destination: root folder to publish into (default: the package's ``_data``).

    Returns:
        The model card dict.
    """
    run_folder = Path(run_folder)
    state = json.loads((run_folder / "state.json").read_text())
    model = load(run_folder / "model.keras")
    config = config_of(model)
    data = melody_data(styles=bool(config.styles), dances=bool(config.dances))
    figures = {split: sequence_nll(model, data, split=split) for split in ("valid", "test")}
    folder = Path(destination or PRETRAINED_ROOT) / NAME
    folder.mkdir(parents=True, exist_ok=True)
    shipped = build(config)  # the weights without the optimizer's state
    shipped.set_weights(model.get_weights())
    save_model(shipped, folder / "model.keras")
    history = state["history"]
    card = {
        "name": NAME,
        "musiclab_version": __version__,
        "command": command,
        "data": {"corpus": "all", "split": SPLIT, "styles": list(config.styles),
                 "dances": list(config.dances),
                 "train_tokens": data.tokens("train"), "valid_tokens": data.tokens("valid"),
                 "test_tokens": data.tokens("test")},
        "config": json.loads(config.to_json()),
        "parameters": shipped.count_params(),
        "steps": state["steps_done"],
        "training_seconds": round(history[-1]["seconds"], 1),
        "device": state.get("device"),
        "held_out": figures,
        "size_bytes": (folder / "model.keras").stat().st_size,
    }
    atomic_write_text(folder / "model_card.json", json.dumps(card, indent=1))
    pretrained_transformer.cache_clear()
    return card
