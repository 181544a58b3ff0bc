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
import math
import tempfile
import warnings
import weakref
import zipfile
from pathlib import Path

import keras
import numpy as np

from musiclab.errors import MusiclabError
from musiclab.files import atomic_write_bytes, atomic_write_text

CONFIG_ENTRY = "musiclab_config.json"
EXTRA_PREFIX = "musiclab_"  # further entries a checkpoint carries (training state, optimisers)
MAX_MODEL_BYTES = 2**30  # what a model file may unpack to before it is read
_KINDS = {}
_CONFIGS = weakref.WeakKeyDictionary()


def register(kind, *, sampler=None, held_out=None):
    """Class decorator: name a config class's model kind (``config.kind``) for loading.

    Args:
        kind: the kind's name, written into every model file.
        sampler: for a next-step model, where its ``generate`` function lives
            (``"package.module:function"``, see ``nn.sampling.sampler_for``).
        held_out: where the family's ``model -> {"data": ..., "held_out": ...}`` lives,
            the figures a shipped model's card reports (``nn.publish``).
    """
    def decorate(cls):
        cls.kind, cls.sampler, cls.held_out = kind, sampler, held_out
        _KINDS[kind] = cls
        return cls
    return decorate


class JSONConfig:
    """JSON round trip for a frozen dataclass of hyper-parameters.

    Lists in the JSON become tuples, so a loaded config equals the saved one.
    """

    kind = None
    sampler = None
    held_out = None

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text):
        """Parse a config, checking every field against the dataclass.

        Raises:
            ValueError: in one line, naming the field that is unknown, of the wrong type, not
                finite or negative (no setting of a musiclab model is negative).
        """
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(f"config: expected a JSON object, got {type(data).__name__}")
        fields = {field.name: field for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ValueError(f"config: unknown fields {unknown}")
        checked = {name: _checked(name, value, fields[name].type)
                   for name, value in data.items()}
        try:
            return cls(**checked)
        except TypeError as error:
            raise ValueError(f"config: {error}") from None

    def require_at_least_one(self, *names):
        """Raise ``ValueError`` naming the first of the fields ``names`` that is below 1."""
        for name in names:
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be at least 1, got {getattr(self, name)}")

    def verify(self, model):
        """Raise ``ValueError`` when ``model`` cannot be a model of this config (a family
        checks what its loader can see cheaply: heads, widths, styles)."""

    def replace(self, **changes):
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def save(self, folder):
        """Write ``folder/config.json`` atomically. Returns the path."""
        return atomic_write_text(Path(folder) / "config.json", self.to_json())


def _checked(name, value, kind):
    """A config field's JSON value, checked against its annotation."""
    kind = kind if isinstance(kind, type) else {"int": int, "float": float, "str": str,
                                               "tuple": tuple, "bool": bool}.get(kind, object)
    if kind is tuple:
        if not isinstance(value, list | tuple):
            raise ValueError(f"config: {name}: expected a list, got {value!r}"[:160])
        for item in value:
            _number(name, item) if not isinstance(item, str) else None
        return tuple(value)
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"config: {name}: expected true or false, got {value!r}"[:160])
        return value
    if kind is str:
        if not isinstance(value, str):
            raise ValueError(f"config: {name}: expected a string, got {value!r}"[:160])
        return value
    if kind in (int, float):
        if kind is int and not (isinstance(value, int) and not isinstance(value, bool)):
            raise ValueError(f"config: {name}: expected a whole number, got {value!r}"[:160])
        return _number(name, value)
    return value


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"config: {name}: expected a number, got {value!r}"[:160])
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"config: {name}: must be a finite number >= 0, got {value!r}")
    return value


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


def save_model(model, path, *, extra=None):
    """Write ``model`` with its configuration inside to ``path`` (``.keras``), atomically.

    Args:
        model: a musiclab model.
        path: the ``.keras`` file.
        extra: optional ``{name: bytes}`` carried in the same file (``read_extra``), such as
            a training run's state: one file, one rename, so a kill leaves the old file or
            the new one, never a model of one step with the state of another.

    Returns:
        The path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    config = config_of(model)
    entry = json.dumps({"kind": config.kind, "config": json.loads(config.to_json())})
    with tempfile.TemporaryDirectory() as scratch:  # nothing left in the run's folder
        temporary = Path(scratch) / "model.keras"
        model.save(temporary)
        with zipfile.ZipFile(temporary, "a") as archive:
            archive.writestr(CONFIG_ENTRY, entry)
            for name, data in (extra or {}).items():
                archive.writestr(EXTRA_PREFIX + name, data)
        atomic_write_bytes(path, temporary.read_bytes())
    return path


def read_extra(path, name):
    """The bytes ``save_model(..., extra={name: ...})`` put into a model file, or ``None``."""
    try:
        with zipfile.ZipFile(path) as archive:
            if EXTRA_PREFIX + name in archive.namelist():
                return archive.read(EXTRA_PREFIX + name)
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile):
        return None
    return None


def check_archive(path, max_bytes=MAX_MODEL_BYTES):
    """Refuse a model file that would unpack to more than ``max_bytes`` or whose checksums
    fail, before Keras reads it.

    Raises:
        MusiclabError: one line naming the file and what is wrong.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
            if unpacked > max_bytes:
                raise MusiclabError(
                    f"{path}: unpacks to {unpacked / 2**20:,.0f} MB, more than the limit of "
                    f"{max_bytes / 2**20:,.0f} MB (pass max_bytes= to load a larger model)")
            damaged = archive.testzip()
    except (OSError, zipfile.BadZipFile, EOFError, ValueError) as error:
        if isinstance(error, MusiclabError):
            raise
        raise MusiclabError(f"{path}: damaged model file ({_first_line(error)})") from None
    if damaged is not None:
        raise MusiclabError(f"{path}: damaged model file (bad checksum in {damaged})")


def model_kind(path):
    """The kind a musiclab model file says it holds (``"wavenet"``, ...), or ``None`` when it
    is not a zip archive with a musiclab config inside."""
    try:
        with zipfile.ZipFile(path) as archive:
            if CONFIG_ENTRY not in archive.namelist():
                return None
            entry = json.loads(archive.read(CONFIG_ENTRY))
    except (OSError, ValueError, zipfile.BadZipFile):
        return None
    kind = entry.get("kind") if isinstance(entry, dict) else None
    return kind if isinstance(kind, str) else None


def registered_kinds():
    """The kinds of model whose config classes are registered (imported) so far."""
    return tuple(sorted(_KINDS))


def load_any(path, *, max_bytes=MAX_MODEL_BYTES):
    """Load a model of any registered kind (its family's config module must be imported).

    Raises:
        MusiclabError: naming the file when its kind is unknown, or as ``load_model``.
    """
    if not Path(path).is_file():
        raise MusiclabError(f"{path}: no such model file")
    kind = model_kind(path)
    if kind not in _KINDS:
        known = ", ".join(sorted(_KINDS))
        found = kind or "no musiclab config inside"
        raise MusiclabError(f"{path}: not a model of a known kind ({found}; known: {known})")
    return load_model(path, _KINDS[kind], max_bytes=max_bytes)


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
                            f"({_first_line(error)})") from None
    raise MusiclabError(f"{path}: not a musiclab {config_class.kind} (no configuration inside "
                        "the file or beside it)")


def load_model(path, config_class, *, max_bytes=MAX_MODEL_BYTES):
    """Load a ``.keras`` file in Keras safe mode, with its configuration attached.

    Safe mode refuses to deserialise Python code (``Lambda`` layers, pickles), so a
    foreign or tampered file cannot run code. Before Keras reads the file, its size
    unpacked and its checksums are checked; after, every weight must be finite and the
    model must fit its config (``JSONConfig.verify``).

    Args:
        path: the ``.keras`` file.
        config_class: the config class of the kind of model expected.
        max_bytes: the most the file may unpack to.

    Returns:
        The compiled Keras model; ``config_of(model)`` gives its configuration.

    Raises:
        MusiclabError: naming the file when it is missing, corrupt, damaged, unsafe, too
            large or of another kind.
    """
    path = Path(path)
    if not path.is_file():
        raise MusiclabError(f"{path}: no such model file")
    if not zipfile.is_zipfile(path):
        raise MusiclabError(f"{path}: not a .keras model file (not a zip archive)")
    check_archive(path, max_bytes)
    config = read_config(path, config_class)
    try:
        with warnings.catch_warnings():  # shipped models carry no optimizer state
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            model = keras.saving.load_model(path, safe_mode=True, compile=True)
    except Exception as error:
        raise MusiclabError(f"{path}: cannot load model safely: {_reason(error)}") from None
    broken = sum(int((~np.isfinite(np.asarray(weight))).sum()) for weight in model.get_weights())
    if broken:
        raise MusiclabError(f"{path}: damaged model file ({broken:,} weights are not finite)")
    try:
        config.verify(model)
    except ValueError as error:
        raise MusiclabError(f"{path}: the model does not fit its config: {error}") from None
    return attach(model, config)


def _first_line(error):
    return ((str(error).strip().splitlines() or [type(error).__name__])[0])[:160]


def _reason(error):
    """Keras's refusal in one line: its first sentence and, when cut, the last line (the
    reason is often there)."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    first, last = lines[0][:160], lines[-1][:200]
    return first if len(lines) == 1 or last in first else f"{first} ... {last}"
