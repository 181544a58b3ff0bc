"""Family packages whose public names load on first use.

``from musiclab import vae`` must stay cheap, because the command line registers every
family's subcommands before it knows which Keras backend to start; so a family's
``__init__`` lists its public API as a table (name -> ``"module:attribute"``) and the
module holding each name is imported the first time the name is used.
"""

import importlib


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
        loaded = importlib.import_module(f"{package}.{module}")
        return getattr(loaded, attribute) if attribute else loaded

    def __dir__():
        return sorted(table)

    return __getattr__, __dir__
