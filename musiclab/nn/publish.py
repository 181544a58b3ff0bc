"""Ship a finished training run inside the package, with a model card beside the weights.

``musiclab/_data/NAME/`` holds ``model.keras`` (the weights and the config, without the
optimizer's state: a third of the size) and ``model_card.json``: the command that trained
it, the data, the steps and time, and held-out figures measured by the family's own
function (named by its config's registration, ``register(kind, held_out=...)``).
``musiclab.shipped`` reads the cards without loading Keras.
"""

import functools
import io
import json
import zipfile
from pathlib import Path

import keras

from musiclab import __version__
from musiclab.errors import MusiclabError
from musiclab.files import atomic_write_bytes, atomic_write_text
from musiclab.lazy import import_quietly
from musiclab.nn.config import attach, config_of, load_any, save_model
from musiclab.shipped import PRETRAINED_ROOT, card, config_module, model_path


def compress_archive(path):
    """Rewrite a ``.keras`` file with every entry deflated (Keras stores them as they are):
    shipped weights take about a tenth less room and load as fast. Returns the new size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, source.read(entry.filename))
    atomic_write_bytes(path, buffer.getvalue())
    return len(buffer.getvalue())


def held_out_figures(model):
    """The family's held-out figures of ``model``: ``{"data": {...}, "held_out": {...}}``.

    Raises:
        MusiclabError: when the model's family names no such function.
    """
    config = config_of(model)
    if not config.held_out:
        raise MusiclabError(f"model: the {config.kind} family measures no held-out figures")
    module, _, name = config.held_out.partition(":")
    return getattr(import_quietly(module), name)(model)


def publish_run(run_folder, name, *, command, destination=None, best=True):
    """Copy a training run's model into the package with a model card.

    Args:
        run_folder: the folder ``musiclab train ... --out`` wrote (``state.json``,
            ``model.keras`` and, when validation ran, ``best.keras``).
        name: the shipped model's folder name (``melody_wavenet``...).
        command: the exact command that trained it (recorded in the card).
        destination: root folder to publish into (default: the package's ``_data``).
        best: ship the checkpoint with the best validation loss when there is one.

    Returns:
        The model card dict.
    """
    run_folder = Path(run_folder)
    state = json.loads((run_folder / "state.json").read_text())
    source = run_folder / "best.keras"
    if not (best and source.exists()):
        source = run_folder / "model.keras"
    model = load_any(source)
    config = config_of(model)
    measured = held_out_figures(model)
    folder = Path(destination or PRETRAINED_ROOT) / name
    folder.mkdir(parents=True, exist_ok=True)
    lean = keras.saving.load_model(source, safe_mode=True, compile=False)
    save_model(attach(lean, config), folder / "model.keras")
    compress_archive(folder / "model.keras")
    history = state.get("history") or [{}]
    card = {
        "name": name,
        "family": config.kind,
        "module": type(config).__module__,
        "musiclab_version": __version__,
        "command": command,
        "data": measured["data"],
        "config": json.loads(config.to_json()),
        "parameters": int(model.count_params()),
        "steps": state["steps_done"],
        "shipped_step": state.get("best_step") if source.name == "best.keras" else
        state["steps_done"],
        "training_seconds": round(history[-1].get("seconds", 0.0), 1),
        "device": state.get("device"),
        "held_out": measured["held_out"],
        "size_bytes": (folder / "model.keras").stat().st_size,
    }
    atomic_write_text(folder / "model_card.json", json.dumps(card, indent=1))
    return card


@functools.lru_cache(maxsize=8)
def load_shipped(name):
    """Load a shipped model by name (safe mode; its family's model module is imported
    first, as the card names it), cached after the first call.

    Raises:
        MusiclabError: naming the model when this install does not ship it.
    """
    import_quietly(config_module(card(name)))  # a family may load keras_hub, and TensorFlow
    return load_any(model_path(name))
