"""Training runs that survive interruption: checkpoints, resume, NaN stop, history.

A run lives in a folder the caller names::

    out/config.json       the model's configuration
    out/model.keras       the latest checkpoint: the model, its config, the training state
                          (and any other state a family adds) in one file, written atomically
    out/state.json        a readable copy of the state: steps done, history, device, backend
    out/best.keras        the checkpoint with the lowest validation loss

A kill at any moment leaves ``model.keras`` whole, old or new, with the state of its own
step; resuming reads the state from it.

Every model of every family trains through ``run_training``; calling it again with
the same folder resumes where it stopped. Checkpoints carry the model's config
inside (``nn.config.save_model``).
"""

import json
import math
import sys
import time
from pathlib import Path

import keras
import numpy as np
from tqdm.auto import tqdm

from musiclab.errors import MusiclabError
from musiclab.files import atomic_write_text
from musiclab.lazy import native_stderr_silenced
from musiclab.nn.config import attach, config_of, load_model, read_extra, save_model

STATE_ENTRY = "state.json"


def set_seed(seed):
    """``keras.utils.set_random_seed`` (Python, NumPy and the backend), quietly.

    Keras also seeds TensorFlow when it is installed, importing it on the JAX backend too;
    its native start-up lines are kept out of the notebook, as in ``musiclab.lazy``.
    """
    with native_stderr_silenced():
        keras.utils.set_random_seed(int(seed))
        if "tensorflow" in sys.modules:
            sys.modules["tensorflow"].config.list_physical_devices()


def device_description():
    """The Keras backend and the device it computes on, e.g. ``"tensorflow on CPU"``."""
    backend = keras.backend.backend()
    device = "CPU"
    try:
        if backend == "tensorflow":
            import tensorflow as tf  # only the running backend is queried

            gpus = tf.config.list_physical_devices("GPU")
            device = f"GPU ({len(gpus)})" if gpus else "CPU"
        elif backend == "jax":
            import jax  # only the running backend is queried

            device = jax.devices()[0].platform.upper()
    except Exception:  # a device query must never stop training
        pass
    return f"{backend} on {device}"


def _state(folder):
    """The training state of the run in ``folder`` (``None`` before its first checkpoint)."""
    checkpoint = Path(folder) / "model.keras"
    if not checkpoint.exists():
        return None
    text = read_extra(checkpoint, STATE_ENTRY)
    path = checkpoint if text is not None else Path(folder) / "state.json"
    try:
        state = json.loads(text if text is not None else path.read_text())
        steps_done, history = state["steps_done"], state["history"]
        if isinstance(steps_done, bool) or not isinstance(steps_done, int) or steps_done < 0 \
                or not isinstance(history, list) \
                or not all(isinstance(entry, dict) for entry in history):
            raise ValueError("steps_done must be a whole number >= 0 and history a list")
    except (OSError, ValueError, TypeError, KeyError) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0][:120]
        raise MusiclabError(f"{path}: unreadable training state ({reason}); "
                            "use a new folder to start again") from None
    return state


def _nan_message(folder, step, steps_done):
    kept = (f"the checkpoint of step {steps_done} is kept: resume with another seed, or "
            f"train with a lower learning rate in a new folder (a run keeps its configuration)"
            if steps_done else
            "no checkpoint was written yet: train with a lower learning rate (in this folder "
            "or a new one)")
    return f"{folder}: loss became NaN at step {step}; {kept}"


def run_training(folder, config, *, build, train_batch, validate, steps, checkpoint_every=200,
                 seed=0, progress=True, show=(), on_checkpoint=None, time_limit=None,
                 extra_state=None):
    """The loop every musiclab model trains with: checkpoints, resume, NaN stop, history.

    Args:
        folder: the run's folder (created if needed); a folder with a run resumes it.
        config: the model's config (a ``JSONConfig``); a resumed run must have the same.
        build: ``() -> model``, a new compiled model of ``config`` (called after seeding);
            checkpoints are loaded back with ``nn.config.load_model``.
        train_batch: ``(model, rng) -> loss``: one optimisation step on a batch it draws.
        validate: ``model -> dict`` of figures for the history (``valid_loss``, ...).
        steps: total optimisation steps wanted (a resumed run does only the rest).
        checkpoint_every: steps between validation and checkpoints.
        seed: seed for initialisation and batches.
        progress: show a progress bar.
        show: history keys shown on the progress bar.
        on_checkpoint: optional ``(model, entry) -> None`` called after each checkpoint.
        time_limit: optional seconds of training (all sessions of the run together):
            training stops early enough for the last validation (timed as the one
            before it) to end at the limit, then writes its checkpoint; calling again
            resumes.
        extra_state: optional ``model -> {name: bytes}`` of more state to keep in each
            checkpoint (e.g. optimiser variables Keras does not save); read it back with
            ``nn.config.read_extra(folder / "model.keras", name)``.

    Returns:
        ``(model, state)``; ``state`` has ``steps_done``, ``history``, ``device``, and
        ``best_step`` (the step of ``best.keras``, the lowest ``valid_loss``).

    Raises:
        MusiclabError: when the loss becomes NaN (the last good checkpoint is kept),
            or when the folder holds a run of another configuration.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if steps < 1 or checkpoint_every < 1:
        raise ValueError("steps, checkpoint_every: must be at least 1")
    for stale in folder.glob(".*.tmp"):  # left by a kill in the middle of a write
        stale.unlink()
    state = _state(folder)
    if state is not None:
        model = load_model(folder / "model.keras", type(config))
        if config_of(model) != config:
            raise MusiclabError(f"{folder}: holds a run with another configuration; "
                                "use a new folder")
    else:
        set_seed(seed)
        model = attach(build(), config)
        config.save(folder)
        state = {"steps_done": 0, "history": []}
    state["device"] = device_description()
    state["backend"] = keras.backend.backend()
    rng = np.random.default_rng(seed + state["steps_done"])
    bar = tqdm(total=steps, initial=min(state["steps_done"], steps), unit="step",
               desc=f"training ({state['device']})", disable=not progress)
    started = time.perf_counter() - sum(entry.get("chunk_seconds", 0.0)
                                        for entry in state["history"])
    validation_seconds, reported = 0.0, False
    out_of_time = time_limit is not None and state["steps_done"] > 0 and \
        time.perf_counter() - started >= time_limit  # a resumed run with no time left
    while state["steps_done"] < steps and not out_of_time:
        chunk = min(checkpoint_every, steps - state["steps_done"])
        chunk_started, losses = time.perf_counter(), []
        for _ in range(chunk):
            loss = float(train_batch(model, rng))
            if not math.isfinite(loss):
                raise MusiclabError(_nan_message(folder, state["steps_done"] + len(losses) + 1,
                                                 state["steps_done"]))
            losses.append(loss)
            bar.update()
            out_of_time = time_limit is not None and \
                time.perf_counter() - started + validation_seconds >= time_limit
            if out_of_time:
                break
        state["steps_done"] += len(losses)
        validation_started = time.perf_counter()
        entry = {"step": state["steps_done"], "loss": float(np.mean(losses)), **validate(model),
                 "chunk_seconds": time.perf_counter() - chunk_started}
        validation_seconds = time.perf_counter() - validation_started
        entry["seconds"] = time.perf_counter() - started
        state["history"].append(entry)
        bar.set_postfix({key: f"{entry[key]:.3g}" for key in show if key in entry})
        best = min((item.get("valid_loss", math.inf) for item in state["history"][:-1]),
                   default=math.inf)
        if entry.get("valid_loss", math.inf) < best or "best_step" not in state:
            state["best_step"] = entry["step"]
            save_model(model, folder / "best.keras",
                       extra={STATE_ENTRY: json.dumps({"step": entry["step"]})})
        extra = {} if extra_state is None else dict(extra_state(model))
        text = json.dumps(state, indent=1)
        save_model(model, folder / "model.keras", extra={**extra, STATE_ENTRY: text})
        atomic_write_text(folder / "state.json", text)  # a copy to read; the checkpoint rules
        if on_checkpoint is not None:
            on_checkpoint(model, entry)
            reported = True
    bar.close()
    if on_checkpoint is not None and not reported and state["history"]:
        # a finished run resumed with nothing left to train: show where it stands
        on_checkpoint(model, state["history"][-1])
    return model, state


