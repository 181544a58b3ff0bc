"""A model's configuration travels with it: JSON configs, saving and safe loading.

A model's configuration is a frozen dataclass that inherits ``JSONConfig`` and is
registered under a kind (``@register("wavenet")``). ``save_model`` writes it into
the ``.keras`` file itself (an extra ``musiclab_config.json`` entry of the zip
archive, which Keras ignores); ``load_model`` loads the file in Keras safe mode and
reads the config back, so ``config_of(model)`` answers for any model musiclab built
or loaded. Nothing guesses a model's kind from its layers.
"""

import dataclasses
import json
import tempfile
import warnings
import weakref
import zipfile
from pathlib import Path

import keras

from musiclab.errors import MusiclabError
from musiclab.files import atomic_write_bytes, atomic_write_text

CONFIG_ENTRY = "musiclab_config.json"
_KINDS = {}
_CONFIGS = weakref.WeakKeyDictionary()


def register(kind):
    """Class decorator: name a config class's model kind (``config.kind``) for loading."""
    def decorate(cls):
        cls.kind = kind
        _KINDS[kind] = cls
        return cls
    return decorate


class JSONConfig:
    """JSON round trip for a frozen dataclass of hyper-parameters.

    Lists in the JSON become tuples, so a loaded config equals the saved one.
    """

    kind = None

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text):
        """Parse a config; unknown fields give a ``ValueError`` naming them."""
        data = json.loads(text)
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"config: unknown fields {unknown}")
        data = {key: tuple(value) if isinstance(value, list) else value
                for key, value in data.items()}
        return cls(**data)

    def replace(self, **changes):
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def save(self, folder):
        """Write ``folder/config.json`` atomically. Returns the path."""
        return atomic_write_text(Path(folder) / "config.json", self.to_json())


def attach(model, config):
    """Record ``config`` as ``model``'s configuration. Returns the model."""
    _CONFIGS[model] = config
    return model


def config_of(model):
    """The configuration a musiclab model was built or loaded with.

    Raises:
        MusiclabError: when the model was not made by musiclab.
    """
    try:
        return _CONFIGS[model]
    except (KeyError, TypeError):
        raise MusiclabError(f"model {getattr(model, 'name', model)!r}: not a musiclab model "
                            "(build it with a family's build function or load it with "
                            "its load function)") from None


def save_model(model, path):
    """Write ``model`` with its configuration inside to ``path`` (``.keras``), atomically.

    Returns:
        The path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    config = config_of(model)
    entry = json.dumps({"kind": config.kind, "config": json.loads(config.to_json())})
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        temporary = Path(scratch) / "model.keras"
        model.save(temporary)
        with zipfile.ZipFile(temporary, "a") as archive:
            archive.writestr(CONFIG_ENTRY, entry)
        atomic_write_bytes(path, temporary.read_bytes())
    return path


def read_config(path, config_class):
    """The configuration inside a ``.keras`` file, or else in ``config.json`` beside it.

    Raises:
        MusiclabError: naming the file when there is none, or it is of another kind.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            entry = json.loads(archive.read(CONFIG_ENTRY)) \
                if CONFIG_ENTRY in archive.namelist() else None
        if entry is not None:
            if entry.get("kind") != config_class.kind:
                raise MusiclabError(f"{path}: a {entry.get('kind')} model, not a "
                                    f"{config_class.kind}")
            return config_class.from_json(json.dumps(entry["config"]))
        beside = path.parent / "config.json"
        if beside.is_file():
            return config_class.from_json(beside.read_text())
    except (OSError, ValueError, TypeError, KeyError, zipfile.BadZipFile) as error:
        if isinstance(error, MusiclabError):
            raise
        raise MusiclabError(f"{path}: unreadable {config_class.kind} config "
                            f"({str(error).splitlines()[0][:120]})") from None
    raise MusiclabError(f"{path}: not a musiclab {config_class.kind} (no configuration inside "
                        "the file or beside it)")


def load_model(path, config_class):
    """Load a ``.keras`` file in Keras safe mode, with its configuration attached.

    Safe mode refuses to deserialise Python code (``Lambda`` layers, pickles), so a
    foreign or tampered file cannot run code.

    Args:
        path: the ``.keras`` file.
        config_class: the config class of the kind of model expected.

    Returns:
        The compiled Keras model; ``config_of(model)`` gives its configuration.

    Raises:
        MusiclabError: naming the file when it is missing, corrupt, unsafe or of another kind.
    """
    path = Path(path)
    if not path.is_file():
        raise MusiclabError(f"{path}: no such model file")
    if not zipfile.is_zipfile(path):
        raise MusiclabError(f"{path}: not a .keras model file (not a zip archive)")
    config = read_config(path, config_class)
    try:
        with warnings.catch_warnings():  # shipped models carry no optimizer state
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            model = keras.saving.load_model(path, safe_mode=True, compile=True)
    except Exception as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise MusiclabError(f"{path}: cannot load model safely: {first}") from None
    return attach(model, config)
