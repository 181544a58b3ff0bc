"""Training runs that survive interruption: checkpoints, resume, NaN stop, history.

A run lives in a folder the caller names::

    out/config.json       the model's configuration
    out/model.keras       the latest checkpoint (written atomically)
    out/state.json        steps done, history, device, backend
    out/history.png       (written by notebooks, not here)

    out/best.keras        the checkpoint with the lowest validation loss

Every model trains through ``run_training``; calling it again with the same
folder resumes where it stopped.
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


def corpus_pieces(source="all", head="melody", styles=False):
    """Whole tunes of a corpus for a sequence model, split by piece.

    Args:
        source: a collection name, ``"all"``, or a folder of the user's files.
        head: ``"melody"`` (token sequences) or ``"pianoroll"`` (every voice of a
            chorale, the melody of other tunes, as ``(steps, 88)`` rolls).
        styles: also return each tune's region as a style label.

    Returns:
        ``(pieces, labels, names)``: ``{split: [piece, ...]}``; ``{split: int array}`` of
        style indices (or ``None``); the style names (``()`` without styles).
    """
    from musiclab.data import load_corpus

    splits = load_corpus(source).split(**SPLIT)
    pieces = {}
    for name, part in splits.items():
        if head == "melody":
            pieces[name] = [part.tune_tokens(index) for index in range(len(part))]
        else:
            pieces[name] = [part.pianoroll(index) for index in range(len(part))]
    if not styles:
        return pieces, None, ()
    names = tuple(sorted({str(region) for part in splits.values()
                          for region in part.metadata["region"]}))
    labels = {name: np.array([names.index(str(region)) for region in part.metadata["region"]],
                             np.int32) for name, part in splits.items()}
    return pieces, labels, names


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


def _save_checkpoint(model, folder, name="model.keras"):
    import tempfile

    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        temporary = Path(scratch) / name
        model.save(temporary)
        atomic_write_bytes(Path(folder) / name, temporary.read_bytes())


def _state(folder):
    path = Path(folder) / "state.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError:
        message = f"{path}: unreadable training state (delete the folder to restart)"
        raise MusiclabError(message) from None


def mean_kl_bits(model, tokens, batch_size=256, styles=None):
    """Mean KL divergence (bits per sequence) of the posterior over ``tokens``.

    ``styles``: style indices ``(n,)`` for a conditional VAE.
    """
    from keras import ops

    from musiclab.models.melody_vae import kl_divergence_bits

    encoder = model.get_layer("encoder")
    values = []
    for first in range(0, len(tokens), batch_size):
        inputs = tokens[first:first + batch_size].astype("int32")
        if styles is not None:
            width = encoder.input_shape[1][1]
            inputs = [inputs, np.eye(width, dtype=np.float32)[styles[first:first + batch_size]]]
        mean, log_variance = encoder(inputs)
        values.append(ops.convert_to_numpy(kl_divergence_bits(mean, log_variance)))
    return float(np.concatenate(values).mean())


def run_training(folder, config, build, load, train_batch, validate, steps,
                 checkpoint_every=200, seed=0, progress=True, show=(), on_checkpoint=None,
                 time_limit=None, on_save=None):
    """The loop every musiclab model trains with: checkpoints, resume, NaN stop, history.

    Args:
        folder: the run's folder (created if needed); a folder with a run resumes it.
        config: the model's config (a ``JSONConfig``); a resumed run must have the same.
        build: ``() -> model``, a new compiled model (called after seeding).
        load: ``path -> model``, loads a checkpoint.
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
        on_save: optional ``(model, folder) -> None`` that writes more state (e.g. optimiser
            variables a ``.keras`` file does not hold) after each checkpoint.

    Returns:
        ``(model, state)``; ``state`` has ``steps_done``, ``history``, ``device``, and
        ``best_step`` (the step of ``best.keras``, the lowest ``valid_loss``).

    Raises:
        MusiclabError: when the loss becomes NaN (the last good checkpoint is kept),
            or when the folder holds a run of another configuration.
    """
    import keras
    from tqdm.auto import tqdm

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if steps < 1 or checkpoint_every < 1:
        raise ValueError("steps, checkpoint_every: must be at least 1")
    state = _state(folder)
    if state is not None:
        saved = type(config).from_json((folder / "config.json").read_text())
        if saved != config:
            raise MusiclabError(f"{folder}: holds a run with another configuration; "
                                "use a new folder")
        model = load(folder / "model.keras")
    else:
        keras.utils.set_random_seed(seed)
        model = build()
        config.save(folder)
        state = {"steps_done": 0, "history": []}
    state["device"] = device_description()
    state["backend"] = keras.backend.backend()
    rng = np.random.default_rng(seed + state["steps_done"])
    bar = tqdm(total=steps, initial=min(state["steps_done"], steps), unit="step",
               desc=f"training ({state['device']})", disable=not progress)
    started = time.perf_counter() - sum(entry.get("chunk_seconds", 0.0)
                                        for entry in state["history"])
    validation_seconds = 0.0
    out_of_time = time_limit is not None and state["steps_done"] > 0 and \
        time.perf_counter() - started >= time_limit  # a resumed run with no time left
    while state["steps_done"] < steps and not out_of_time:
        chunk = min(checkpoint_every, steps - state["steps_done"])
        chunk_started, losses = time.perf_counter(), []
        for _ in range(chunk):
            loss = float(train_batch(model, rng))
            if not math.isfinite(loss):
                raise MusiclabError(f"{folder}: loss became NaN at step "
                                    f"{state['steps_done'] + len(losses) + 1}; the checkpoint "
                                    f"of step {state['steps_done']} is kept (lower the learning "
                                    "rate and resume)")
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
        _save_checkpoint(model, folder)
        if on_save is not None:
            on_save(model, folder)
        best = min((item.get("valid_loss", math.inf) for item in state["history"][:-1]),
                   default=math.inf)
        if entry.get("valid_loss", math.inf) < best or "best_step" not in state:
            _save_checkpoint(model, folder, "best.keras")
            state["best_step"] = entry["step"]
        atomic_write_text(folder / "state.json", json.dumps(state, indent=1))
        if on_checkpoint is not None:
            on_checkpoint(model, entry)
    bar.close()
    return model, state


def _check_windows(config, **named):
    for name, tokens in named.items():
        if np.ndim(tokens) != 2 or np.shape(tokens)[1] != config.steps or len(tokens) == 0:
            raise ValueError(f"{name}: expected shape (n, {config.steps}), got {np.shape(tokens)}")


def train_vae(config, train_tokens, valid_tokens, steps, folder, batch_size=64,
              checkpoint_every=200, seed=0, progress=True, on_checkpoint=None,
              train_styles=None, valid_styles=None, time_limit=None):
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
        on_checkpoint: optional ``(model, history_entry) -> None`` (e.g. a training monitor).
        train_styles, valid_styles: style indices ``(n,)`` of the windows, exactly when
            the config has ``styles`` (a conditional VAE).
        time_limit: optional seconds of training (see ``run_training``).

    Returns:
        ``(model, state)``: the trained model and the run's state dict (history,
        ``steps_done``, ``device``).

    Raises:
        MusiclabError: when the loss becomes NaN (the last good checkpoint is kept),
            or when the folder holds a run of another configuration.
    """
    from musiclab.models.melody_vae import build_vae, load_vae

    _check_windows(config, train_tokens=train_tokens, valid_tokens=valid_tokens)
    if batch_size < 1:
        raise ValueError("batch_size: must be at least 1")
    if bool(config.styles) != (train_styles is not None and valid_styles is not None):
        raise ValueError("train_styles: give style indices (train and valid) exactly when "
                         "the config has styles")
    one_hot = np.eye(max(len(config.styles), 1), dtype=np.float32)
    for name, styles, tokens in (("train_styles", train_styles, train_tokens),
                                 ("valid_styles", valid_styles, valid_tokens)):
        if styles is not None and (len(styles) != len(tokens) or np.min(styles) < 0
                                   or np.max(styles) >= len(config.styles)):
            raise ValueError(f"{name}: expected {len(tokens)} indices in "
                             f"0..{len(config.styles) - 1}")
    chosen = np.random.default_rng(seed).permutation(len(valid_tokens))[:512]
    valid = valid_tokens[chosen]
    valid_style = None if valid_styles is None else np.asarray(valid_styles)[chosen]

    def inputs(tokens, styles):
        return tokens if styles is None else [tokens, one_hot[styles]]

    def train_batch(model, rng):
        rows = rng.integers(0, len(train_tokens), batch_size)
        batch = train_tokens[rows]
        styles = None if train_styles is None else np.asarray(train_styles)[rows]
        return model.train_on_batch(inputs(batch, styles), batch)[0]

    def validate(model):
        valid_loss, valid_accuracy = model.evaluate(inputs(valid, valid_style), valid,
                                                    verbose=0, batch_size=batch_size)
        return {"valid_loss": float(valid_loss), "valid_accuracy": float(valid_accuracy),
                "kl_bits": mean_kl_bits(model, valid, styles=valid_style)}

    return run_training(folder, config, lambda: build_vae(config, seed=seed), load_vae,
                        train_batch, validate, steps, checkpoint_every, seed, progress,
                        show=("valid_accuracy", "kl_bits"), on_checkpoint=on_checkpoint,
                        time_limit=time_limit)


def train_wavenet(config, train_pieces, valid_pieces, steps, folder, batch_size=16,
                  train_labels=None, valid_labels=None, checkpoint_every=200, seed=0,
                  progress=True, on_checkpoint=None, time_limit=None):
    """Train (or resume training) a WaveNet on random crops of whole pieces.

    Args:
        config: a ``WaveNetConfig`` (its ``window`` is the crop length, ``transpose``
            the augmentation).
        train_pieces, valid_pieces: lists of melodies ``(steps,)`` (melody head) or
            piano rolls ``(steps, 88)`` (piano-roll head).
        steps: total optimisation steps wanted (a resumed run does only the rest).
        folder: the run's folder (created if needed).
        batch_size: crops per step.
        train_labels, valid_labels: style indices per piece, for a conditioned model.
        checkpoint_every: steps between validation and checkpoints.
        seed: seed for initialisation and batches.
        progress: show a progress bar.
        on_checkpoint: optional ``(model, history_entry) -> None``.
        time_limit: optional seconds of training after which it stops (see ``run_training``).

    Returns:
        ``(model, state)`` as ``run_training``; the history has ``valid_loss``
        (``frame_nll`` for piano rolls, ``token_nll`` for melodies, nats per step).
    """
    from musiclab.data.sequences import random_batch
    from musiclab.evaluation import sequence_scores
    from musiclab.models.wavenet import build_wavenet, load_wavenet

    expected_ndim = 1 if config.head == "melody" else 2
    for name, pieces in (("train_pieces", train_pieces), ("valid_pieces", valid_pieces)):
        if not len(pieces) or any(np.ndim(piece) != expected_ndim for piece in pieces):
            kind = "melodies (steps,)" if expected_ndim == 1 else "piano rolls (steps, 88)"
            raise ValueError(f"{name}: expected a non-empty list of {kind}")
    if bool(config.styles) != (train_labels is not None):
        raise ValueError("train_labels: give style labels exactly when the config has styles")
    if batch_size < 1:
        raise ValueError("batch_size: must be at least 1")

    def train_batch(model, rng):
        sequences, mask, labels = random_batch(train_pieces, config.window, batch_size, rng,
                                               config.transpose, train_labels)
        inputs = sequences if labels is None else [sequences, labels]
        result = model.train_on_batch(inputs, sequences, sample_weight=mask)
        return result[0] if isinstance(result, list | tuple) else result

    def validate(model):
        scores = sequence_scores(model, valid_pieces, valid_labels)
        key = "frame_nll" if config.head == "pianoroll" else "token_nll"
        return {"valid_loss": scores[key], **{f"valid_{name}": value
                                              for name, value in scores.items()
                                              if name != "steps"}}

    return run_training(folder, config, lambda: build_wavenet(config), load_wavenet,
                        train_batch, validate, steps, checkpoint_every, seed, progress,
                        show=("valid_loss",), on_checkpoint=on_checkpoint,
                        time_limit=time_limit)
