"""What every family's command line shares: one-line usage errors, the training options,
and reading a music file or corpus tune named on the command line.

Family ``cli`` modules import this (never the root ``musiclab.cli``, which imports them).
They import Keras-backed modules inside their handlers, after ``--backend`` is set.
"""

import argparse
import os
from pathlib import Path

import numpy as np

from musiclab.data import encode_melody, load_corpus, load_file
from musiclab.sound.instruments import instrument_program
from musiclab.vocab import HOLD, NOTE_OFF

BACKENDS = ("tensorflow", "jax")


class UsageError(Exception):
    """A bad command-line argument: one line on stderr, exit status 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one-line ``UsageError``s."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message} (see --help)")


def add_training_options(parser, *, batch_size, steps_help="optimisation steps in all"):
    """The options every ``musiclab train MODEL`` command has: ``--steps``, ``--minutes``,
    ``--out`` (resume by running again), ``--backend``, ``--batch-size``, ``--seed``,
    ``--smoke``."""
    parser.add_argument("--steps", type=int, required=True, help=steps_help)
    parser.add_argument("--out", required=True, help="the run's folder (resumes if it has one)")
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop after this much training")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="a tiny model, for a quick check")
    add_backend_option(parser)


def add_backend_option(parser):
    """``--backend tensorflow|jax``."""
    parser.add_argument("--backend", choices=BACKENDS, default=None,
                        help="Keras backend (default: $KERAS_BACKEND, else tensorflow)")


def check_training_arguments(arguments):
    """Check ``--steps``, ``--batch-size`` and ``--minutes``; set the backend.

    Returns:
        The time limit in seconds, or ``None``.
    """
    for name in ("steps", "batch_size"):
        if getattr(arguments, name) < 1:
            raise UsageError(f"musiclab: --{name.replace('_', '-')} must be at least 1")
    if arguments.minutes is not None and arguments.minutes <= 0:
        raise UsageError("musiclab: --minutes must be positive")
    choose_backend(arguments)
    return None if arguments.minutes is None else arguments.minutes * 60


def choose_backend(arguments):
    """Set ``KERAS_BACKEND`` from ``--backend`` (before Keras is first imported)."""
    if getattr(arguments, "backend", None):
        os.environ["KERAS_BACKEND"] = arguments.backend


def check_at_least_one(arguments, *names):
    """A one-line error for the first of ``names`` (attributes) below 1."""
    for name in names:
        value = getattr(arguments, name)
        if value is not None and value < 1:
            raise UsageError(f"musiclab: --{name.replace('_', '-')} must be at least 1")


def check_playback(arguments):
    """Check ``--instrument`` and, when present, ``--temperature``."""
    instrument_program(arguments.instrument)
    if getattr(arguments, "temperature", 0) < 0:
        raise UsageError("musiclab: --temperature must be >= 0")


def add_playback_options(parser):
    """``--instrument`` and ``--tempo`` of the written files."""
    parser.add_argument("--instrument", default="piano")
    parser.add_argument("--tempo", type=float, default=100.0)


def load_input(text):
    """A music file, or else a tune id of the bundled corpus (``essen/han1.abc#12``)."""
    path = Path(text).expanduser()
    if path.exists():
        return load_file(path)
    corpus = load_corpus()
    try:
        index = corpus.index_of(text)
    except KeyError:
        raise UsageError(f"musiclab: {text}: no such file or corpus tune id") from None
    return corpus.satb_stream(index) if corpus.info(index)["has_satb"] else corpus.stream(index)


def melody_window(text, steps):
    """The first ``steps`` melody tokens of a file or corpus tune, padded with holds."""
    tokens, _ = encode_melody(load_input(text))
    tokens = tokens[: steps]
    if len(tokens) < steps:
        tokens = np.concatenate([tokens, np.full(steps - len(tokens), HOLD, tokens.dtype)])
    if tokens[0] == HOLD:
        tokens[0] = NOTE_OFF
    return tokens
