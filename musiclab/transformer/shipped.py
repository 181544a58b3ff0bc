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

from musiclab.errors import MusiclabError
from musiclab.nn.publish import publish_run
from musiclab.transformer.model import load

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
    """Copy a finished melody training run (its last checkpoint) into the package with a
    model card (``nn.publish.publish_run``; the figures from ``training.held_out``).

    Args:
        run_folder: the folder ``musiclab train transformer --out`` wrote.
        command: the exact command that trained it (recorded in the card).
        destination: root folder to publish into (default: the package's ``_data``).

    Returns:
        The model card dict.
    """
    card = publish_run(run_folder, NAME, command=command, destination=destination, best=False)
    pretrained_transformer.cache_clear()
    return card
