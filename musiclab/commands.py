"""What every family's command line shares: one-line usage errors, the training options,
and reading a music file or corpus tune named on the command line.

Family ``cli`` modules import this (never the root ``musiclab.cli``, which imports them).
They import Keras-backed modules inside their handlers, after ``--backend`` is set.
"""

import argparse
import math
import os
from pathlib import Path

import numpy as np

from musiclab.data import encode_melody, load_corpus, load_file
from musiclab.lazy import import_quietly
from musiclab.sound.audio import INLINE_SAMPLE_RATE
from musiclab.sound.instruments import instrument_program
from musiclab.vocab import HOLD, NOTE_OFF

BACKENDS = ("tensorflow", "jax")
MAX_BATCH_SIZE = 4096  # far beyond what any musiclab model trains well with on one device


class UsageError(Exception):
    """A bad command-line argument: one line on stderr, exit status 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one-line ``UsageError``s."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message} (see --help)")


def finite(text):
    """An argparse type: a finite number (``nan`` and ``inf`` are refused)."""
    value = float(text)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def nonempty_path(text):
    """An argparse type: a path that is not empty."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a file or folder, got an empty path")
    return text


def add_training_options(parser, *, batch_size, steps_help="optimisation steps in all"):
    """The options every ``musiclab train MODEL`` command has: ``--steps``, ``--minutes``,
    ``--out`` (resume by running again), ``--checkpoint-every``, ``--backend``,
    ``--batch-size``, ``--seed``, ``--smoke``."""
    parser.add_argument("--steps", type=int, required=True, help=steps_help)
    parser.add_argument("--out", type=nonempty_path, required=True,
                        help="the run's folder (resumes if it has one)")
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--minutes", type=finite, default=None,
                        help="stop after this much training")
    parser.add_argument("--checkpoint-every", type=int, default=None,
                        help="steps between checkpoints (a kill loses at most this many)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="a tiny model, for a quick check")
    add_backend_option(parser)


def add_backend_option(parser):
    """``--backend tensorflow|jax``."""
    parser.add_argument("--backend", choices=BACKENDS, default=None,
                        help="Keras backend (default: $KERAS_BACKEND, else tensorflow)")


def training_options(arguments):
    """Check the training options and set the backend.

    Returns:
        The keyword arguments of every family's training function: ``batch_size``,
        ``seed``, ``time_limit`` (seconds or ``None``) and, when given, ``checkpoint_every``.
    """
    check_at_least_one(arguments, "steps", "batch_size", "checkpoint_every")
    if arguments.batch_size > MAX_BATCH_SIZE:
        raise UsageError(f"musiclab: --batch-size must be at most {MAX_BATCH_SIZE} (a batch "
                         "that large would not fit in memory)")
    if arguments.minutes is not None and arguments.minutes <= 0:
        raise UsageError("musiclab: --minutes must be positive")
    choose_backend(arguments)
    options = {"batch_size": arguments.batch_size, "seed": arguments.seed,
               "time_limit": None if arguments.minutes is None else arguments.minutes * 60}
    if arguments.checkpoint_every is not None:
        options["checkpoint_every"] = arguments.checkpoint_every
    return options


def check_memory(what, bytes_needed):
    """Refuse work whose output would take more than half the memory free now.

    Raises:
        UsageError: one line with the estimate, naming the options ``what`` that set it.
    """
    try:
        free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not every system tells
        return
    if bytes_needed > free / 2:
        raise UsageError(f"musiclab: {what} would need about {bytes_needed / 2**30:.1f} GB, "
                         f"more than half the {free / 2**30:.1f} GB free; ask for less")


def choose_backend(arguments):
    """Set ``KERAS_BACKEND`` from ``--backend``, then load Keras with the backend's native
    start-up lines silenced (a command prints results, not device logs)."""
    if getattr(arguments, "backend", None):
        os.environ["KERAS_BACKEND"] = arguments.backend
    import_quietly("keras")


def audio_bytes_per_step(tempo, steps_per_quarter=4):
    """Bytes of rendered audio (float32 at the inline rate, one working copy) per 16th-note
    step at ``tempo`` quarter notes per minute: what writing a WAV costs in memory."""
    return 2 * 4 * INLINE_SAMPLE_RATE * 60.0 / tempo / steps_per_quarter


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
    if arguments.tempo <= 0:
        raise UsageError("musiclab: --tempo must be positive")


def add_playback_options(parser):
    """``--instrument`` and ``--tempo`` of the written files."""
    parser.add_argument("--instrument", default="piano")
    parser.add_argument("--tempo", type=finite, default=100.0)


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
