"""Family packages whose public names load on first use.

``from musiclab import vae`` must stay cheap, because the command line registers every
family's subcommands before it knows which Keras backend to start; so a family's
``__init__`` lists its public API as a table (name -> ``"module:attribute"``) and the
module holding each name is imported the first time the name is used.
"""

import contextlib
import importlib
import os
import sys


def exports(package, table):
    """``(__getattr__, __dir__)`` for a package module that serves ``table``.

    Args:
        package: the package's ``__name__``.
        table: ``{public name: "submodule:attribute"}`` (``"submodule:"`` for the module).
    """
    def __getattr__(name):
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = table[name].partition(":")
        loaded = import_quietly(f"{package}.{module}")
        return getattr(loaded, attribute) if attribute else loaded

    def __dir__():
        return sorted(table)

    return __getattr__, __dir__


@contextlib.contextmanager
def native_stderr_silenced():
    """Send what native code writes to file descriptor 2 to /dev/null for a while.

    TensorFlow's C++ start-up lines ("oneDNN custom operations are on", "Could not find
    cuda drivers") are written before its log level can be set, straight to the process's
    stderr, where a notebook shows them as red boxes. Python's ``sys.stderr`` in a notebook
    is not descriptor 2, so Python warnings and errors still show.
    """
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 (some embedded interpreters): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as sink:
            os.dup2(sink.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_quietly(name):
    """Import a module; while TensorFlow is not yet loaded, with native stderr silenced
    (a family module may be the first to load it, through Keras or keras_hub).

    TensorFlow looks for devices on first use, not on import ("failed call to cuInit" on
    a machine without a GPU): when this import loaded it, its devices are listed here,
    still silenced, so that line never reaches a notebook either.
    """
    if "tensorflow" in sys.modules:
        return importlib.import_module(name)
    with native_stderr_silenced():
        module = importlib.import_module(name)
        if "tensorflow" in sys.modules:
            sys.modules["tensorflow"].config.list_physical_devices()
        return module
