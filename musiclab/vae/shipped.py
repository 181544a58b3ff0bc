"""Models that ship inside the package, with a model card beside the weights.

``musiclab/_data/melody_vae_2bar/`` holds ``model.keras``, ``config.json`` and
``model_card.json`` (the command that trained it, the data, the steps, and the
held-out figures measured by ``musiclab.vae.training.evaluate_vae``).
"""

import functools
import json
from pathlib import Path

from musiclab import __version__
from musiclab.data.splits import SPLIT, corpus_windows
from musiclab.errors import MusiclabError
from musiclab.files import atomic_write_text
from musiclab.nn.config import config_of, save_model
from musiclab.vae.model import build_vae, load_vae
from musiclab.vae.training import evaluate_vae

PRETRAINED_ROOT = Path(__file__).resolve().parent.parent / "_data"
NAMES = ("melody_vae_2bar", "melody_vae_16bar")


def _folder(name):
    if name not in NAMES:
        raise MusiclabError(f"name: unknown pretrained model {name!r}; known: {', '.join(NAMES)}")
    return PRETRAINED_ROOT / name


def model_card(name="melody_vae_2bar"):
    """The model card of a shipped model, as a dict."""
    path = _folder(name) / "model_card.json"
    if not path.exists():
        raise MusiclabError(f"{path}: this install has no pretrained {name}")
    return json.loads(path.read_text())


@functools.lru_cache(maxsize=2)
def pretrained_vae(name="melody_vae_2bar"):
    """Load a shipped melody VAE (safe mode), cached after the first call."""
    path = _folder(name) / "model.keras"
    if not path.exists():
        raise MusiclabError(f"{path}: this install has no pretrained {name}")
    return load_vae(path)


def publish(run_folder, command, *, source="all", name="melody_vae_2bar", destination=None):
    """Copy a finished training run into the package with a model card.

    Args:
        run_folder: the folder ``musiclab train vae --out`` wrote.
        command: the exact command that trained it (recorded in the card).
        source: the corpus it trained on.
        name: the pretrained model's name.
        destination: root folder to publish into (default: the package's ``_data``).

    Returns:
        The model card dict.
    """
    run_folder = Path(run_folder)
    state = json.loads((run_folder / "state.json").read_text())
    model = load_vae(run_folder / "model.keras")
    config = config_of(model)
    windows = corpus_windows(source, bars=config.bars, steps_per_bar=config.steps_per_bar)
    figures = evaluate_vae(model, windows["test"])
    folder = Path(destination or PRETRAINED_ROOT) / name
    folder.mkdir(parents=True, exist_ok=True)
    # ship the weights without the optimizer's state (a third of the size)
    shipped = build_vae(config)
    shipped.set_weights(model.get_weights())
    save_model(shipped, folder / "model.keras")
    config.save(folder)
    history = state["history"]
    card = {
        "name": name,
        "musiclab_version": __version__,
        "command": command,
        "data": {"corpus": source, "split": SPLIT, "bars": config.bars,
                 "train_windows": int(len(windows["train"])),
                 "test_windows": int(len(windows["test"]))},
        "config": json.loads(config.to_json()),
        "steps": state["steps_done"],
        "training_seconds": round(history[-1]["seconds"], 1) if history else None,
        "device": state.get("device"),
        "held_out": figures,
        "size_bytes": (folder / "model.keras").stat().st_size,
    }
    atomic_write_text(folder / "model_card.json", json.dumps(card, indent=1))
    pretrained_vae.cache_clear()
    return card
