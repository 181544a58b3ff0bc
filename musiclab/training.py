"""Training runs that survive interruption: checkpoints, resume, NaN stop, history.

A run lives in a folder the caller names::

    out/config.json       the model's configuration
    out/model.keras       the latest checkpoint (written atomically)
    out/state.json        steps done, history, device, backend
    out/history.png       (written by notebooks, not here)

Calling ``train_vae`` again with the same folder resumes where it stopped.
"""

import json
import math
import time
from pathlib import Path

import numpy as np

from musiclab.errors import MusiclabError
from musiclab.files import atomic_write_bytes, atomic_write_text

SPLIT = {"valid": 0.05, "test": 0.05, "seed": 0}


def corpus_windows(source="all", bars=2, steps_per_bar=16):
    """Training, validation and test windows of a corpus, split by piece.

    Args:
        source: a collection name, ``"all"``, or a folder of the user's files.
        bars: window length in bars.
        steps_per_bar: steps per bar.

    Returns:
        ``{"train": tokens, "valid": tokens, "test": tokens}``, each ``(n, bars * steps_per_bar)``.
    """
    from musiclab.data import load_corpus

    splits = load_corpus(source).split(**SPLIT)
    return {name: part.windows(bars=bars, steps_per_bar=steps_per_bar).tokens
            for name, part in splits.items()}


def device_description():
    """The Keras backend and the device it computes on, e.g. ``"tensorflow on CPU"``."""
    import keras

    backend = keras.backend.backend()
    device = "CPU"
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            device = f"GPU ({len(gpus)})" if gpus else "CPU"
        elif backend == "jax":
            import jax

            device = jax.devices()[0].platform.upper()
    except Exception:  # a device query must never stop training
        pass
    return f"{backend} on {device}"


def _save_checkpoint(model, folder):
    import tempfile

    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        temporary = Path(scratch) / "model.keras"
        model.save(temporary)
        atomic_write_bytes(Path(folder) / "model.keras", temporary.read_bytes())


def _state(folder):
    path = Path(folder) / "state.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError:
        message = f"{path}: unreadable training state (delete the folder to restart)"
        raise MusiclabError(message) from None


def mean_kl_bits(model, tokens, batch_size=256):
    """Mean KL divergence (bits per sequence) of the posterior over ``tokens``."""
    from keras import ops

    from musiclab.models.melody_vae import kl_divergence_bits

    encoder = model.get_layer("encoder")
    values = []
    for first in range(0, len(tokens), batch_size):
        mean, log_variance = encoder(tokens[first:first + batch_size].astype("int32"))
        values.append(ops.convert_to_numpy(kl_divergence_bits(mean, log_variance)))
    return float(np.concatenate(values).mean())


def train_vae(config, train_tokens, valid_tokens, steps, folder, batch_size=64,
              checkpoint_every=200, seed=0, progress=True):
    """Train (or resume training) a melody VAE.

    Args:
        config: a ``MelodyVAEConfig``.
        train_tokens, valid_tokens: int arrays ``(n, config.steps)``.
        steps: total optimisation steps wanted (a resumed run does only the rest).
        folder: the run's folder (created if needed).
        batch_size: sequences per step.
        checkpoint_every: steps between checkpoints.
        seed: seed for shuffling and initialisation.
        progress: show a progress bar.

    Returns:
        ``(model, state)``: the trained model and the run's state dict (history,
        ``steps_done``, ``device``).

    Raises:
        MusiclabError: when the loss becomes NaN (the last good checkpoint is kept),
            or when the folder holds a run of another configuration.
    """
    import keras
    from tqdm.auto import tqdm

    from musiclab.models.melody_vae import MelodyVAEConfig, build_vae, load_vae

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, tokens in (("train_tokens", train_tokens), ("valid_tokens", valid_tokens)):
        if np.ndim(tokens) != 2 or np.shape(tokens)[1] != config.steps or len(tokens) == 0:
            raise ValueError(f"{name}: expected shape (n, {config.steps}), got {np.shape(tokens)}")
    if steps < 1 or batch_size < 1 or checkpoint_every < 1:
        raise ValueError("steps, batch_size, checkpoint_every: must be at least 1")
    state = _state(folder)
    if state is not None:
        saved = MelodyVAEConfig.from_json((folder / "config.json").read_text())
        if saved != config:
            raise MusiclabError(f"{folder}: holds a run with another configuration; "
                                "use a new folder")
        model = load_vae(folder / "model.keras")
    else:
        keras.utils.set_random_seed(seed)
        model = build_vae(config, seed=seed)
        config.save(folder)
        state = {"steps_done": 0, "history": []}
    state["device"] = device_description()
    rng = np.random.default_rng(seed + state["steps_done"])
    bar = tqdm(total=steps, initial=min(state["steps_done"], steps), unit="step",
               desc=f"training ({state['device']})", disable=not progress)
    started = time.perf_counter()
    while state["steps_done"] < steps:
        chunk = min(checkpoint_every, steps - state["steps_done"])
        losses, accuracies = [], []
        for _ in range(chunk):
            batch = train_tokens[rng.integers(0, len(train_tokens), batch_size)]
            loss, accuracy = model.train_on_batch(batch, batch)
            if not math.isfinite(float(loss)):
                raise MusiclabError(f"{folder}: loss became NaN at step "
                                    f"{state['steps_done'] + len(losses) + 1}; the checkpoint "
                                    f"of step {state['steps_done']} is kept (lower the learning "
                                    "rate and resume)")
            losses.append(float(loss))
            accuracies.append(float(accuracy))
            bar.update()
        state["steps_done"] += chunk
        valid = valid_tokens[np.random.default_rng(seed).permutation(len(valid_tokens))[:512]]
        valid_loss, valid_accuracy = model.evaluate(valid, valid, verbose=0,
                                                    batch_size=batch_size)
        entry = {"step": state["steps_done"], "loss": float(np.mean(losses)),
                 "accuracy": float(np.mean(accuracies)), "valid_loss": float(valid_loss),
                 "valid_accuracy": float(valid_accuracy),
                 "kl_bits": mean_kl_bits(model, valid),
                 "seconds": time.perf_counter() - started}
        state["history"].append(entry)
        bar.set_postfix(accuracy=f"{entry['valid_accuracy']:.3f}", kl=f"{entry['kl_bits']:.0f}b")
        _save_checkpoint(model, folder)
        atomic_write_text(folder / "state.json", json.dumps(state, indent=1))
    bar.close()
    return model, state
