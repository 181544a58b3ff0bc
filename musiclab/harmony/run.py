"""Melody with harmony: chorale windows, training, four-voice generation, harmonisation.

The model is ``musiclab.harmony.model`` (one head, and one loss, per voice).
Generation decides one step at a time, voice after voice in the model's order;
harmonising keeps the soprano fixed to the given melody and samples the rest.
The same seed gives the same notes.
"""

import numpy as np

from musiclab.data.splits import SPLIT, load_splits
from musiclab.harmony.model import build_harmony_model
from musiclab.nn.config import config_of
from musiclab.nn.loop import run_training
from musiclab.nn.sampling import choose_tokens, compiled_call, log_softmax
from musiclab.vocab import FIRST_PITCH_TOKEN, HOLD, VOCABULARY_SIZE, VOICES


def chorale_grids(source="bach", bars=4):
    """SATB windows of the chorales, split by piece.

    Returns:
        ``{split: int16 array (n, bars * 16, 4)}`` (voices S, A, T, B).
    """
    splits = load_splits(source)
    return {name: part.satb_windows(bars=bars, steps_per_bar=16)[0]
            for name, part in splits.items()}


def transpose_grids(grids, semitones):
    """Shift every pitch token of ``grids`` ``(n, steps, 4)`` by ``semitones (n,)``,
    keeping each grid unshifted where the shift would leave the 88 keys."""
    grids = np.asarray(grids)
    shift = np.asarray(semitones).reshape(-1, 1, 1)
    pitched = grids >= FIRST_PITCH_TOKEN
    moved = np.where(pitched, grids + shift, grids)
    fits = (np.where(pitched, moved, FIRST_PITCH_TOKEN) >= FIRST_PITCH_TOKEN).all(axis=(1, 2)) & \
        (np.where(pitched, moved, 0) < VOCABULARY_SIZE).all(axis=(1, 2))
    return np.where(fits[:, None, None], moved, grids).astype(np.int32)


def _check_grids(name, grids, steps=None):
    grids = np.asarray(grids)
    if grids.ndim != 3 or grids.shape[2] != 4 or len(grids) == 0 or \
            (steps is not None and grids.shape[1] < steps):
        raise ValueError(f"{name}: expected SATB grids (n, steps >= {steps or 1}, 4), "
                         f"got {grids.shape}")
    return grids


def task_scores(model, grids, *, batch_size=64):
    """Held-out loss and accuracy of every voice (teacher-forced).

    Args:
        model: a melody-with-harmony model.
        grids: int array ``(n, steps, 4)``.

    Returns:
        ``{"soprano_loss": nats per step, "soprano_accuracy": share, ..., "loss": mean of
        the four losses}``.
    """
    grids = _check_grids("grids", grids).astype(np.int32)
    totals = {name: [0.0, 0.0] for name in VOICES}
    for start in range(0, len(grids), batch_size):
        batch = grids[start:start + batch_size]
        logits = model.predict_on_batch(batch)
        for voice, name in enumerate(VOICES):
            values = np.asarray(logits[name], np.float64)
            log_probabilities = log_softmax(values)
            truth = batch[..., voice]
            picked = np.take_along_axis(log_probabilities, truth[..., None], axis=-1)[..., 0]
            totals[name][0] += -picked.sum()
            totals[name][1] += (values.argmax(axis=-1) == truth).sum()
    count = grids.shape[0] * grids.shape[1]
    scores = {}
    for name in VOICES:
        scores[f"{name}_loss"] = float(totals[name][0] / count)
        scores[f"{name}_accuracy"] = float(totals[name][1] / count)
    scores["loss"] = float(np.mean([scores[f"{name}_loss"] for name in VOICES]))
    return scores


def train_harmony(config, train_grids, valid_grids, *, steps, folder, batch_size=32,
                  checkpoint_every=200, seed=0, progress=True, on_checkpoint=None,
                  time_limit=None):
    """Train (or resume training) a melody-with-harmony model on random chorale windows.

    Args:
        config: a ``HarmonyConfig``.
        train_grids, valid_grids: int arrays ``(n, steps, 4)``; training uses random crops of
            ``config.steps`` steps, shifted by up to ``config.transpose`` semitones.
        steps, folder, batch_size, checkpoint_every, seed, progress, on_checkpoint,
        time_limit: as for ``musiclab.nn.loop.run_training``.

    Returns:
        ``(model, state)``; the history has ``valid_loss`` (mean of the voices) and one
        ``valid_<voice>_loss`` and ``valid_<voice>_accuracy`` per voice.
    """
    train_grids = _check_grids("train_grids", train_grids, config.steps)
    valid_grids = _check_grids("valid_grids", valid_grids)
    valid = valid_grids[np.random.default_rng(seed).permutation(len(valid_grids))[:256]]

    def train_batch(model, rng):
        rows = rng.integers(0, len(train_grids), batch_size)
        starts = rng.integers(0, train_grids.shape[1] - config.steps + 1, batch_size)
        batch = train_grids[rows[:, None], starts[:, None] + np.arange(config.steps)]
        if config.transpose:
            batch = transpose_grids(batch, rng.integers(-config.transpose,
                                                        config.transpose + 1, batch_size))
        targets = {name: batch[..., voice] for voice, name in enumerate(VOICES)}
        result = model.train_on_batch(batch.astype(np.int32), targets)
        return result[0] if isinstance(result, list | tuple) else result

    def validate(model):
        scores = task_scores(model, valid)
        return {"valid_loss": scores.pop("loss"),
                **{f"valid_{name}": value for name, value in scores.items()}}

    return run_training(folder, config, build=lambda: build_harmony_model(config),
                        train_batch=train_batch, validate=validate, steps=steps,
                        checkpoint_every=checkpoint_every, seed=seed, progress=progress,
                        show=("valid_loss",), on_checkpoint=on_checkpoint, time_limit=time_limit)


def generate_chorale(model, *, count=1, steps=64, temperature=1.0, seed=0, melody=None):
    """Four voices at once, or three voices under a given melody.

    Args:
        model: a melody-with-harmony model.
        count: how many grids (ignored when ``melody`` is given as a batch).
        steps: length in 16th-note steps (ignored with ``melody``).
        temperature: 0 picks the most likely token; higher samples more freely.
        seed: seed of the sampling.
        melody: optional int array ``(steps,)`` or ``(count, steps)``: the soprano to keep.

    Returns:
        int16 array ``(count, steps, 4)`` of SATB tokens.
    """
    if temperature < 0:
        raise ValueError(f"temperature: must be >= 0, got {temperature}")
    if melody is not None:
        melody = np.asarray(melody)
        melody = melody[None] if melody.ndim == 1 else melody
        if melody.ndim != 2 or melody.shape[1] < 1 or \
                melody.min() < 0 or melody.max() >= VOCABULARY_SIZE:
            raise ValueError(f"melody: expected melody tokens (steps,) or (count, steps) in "
                             f"0..{VOCABULARY_SIZE - 1}, got shape {melody.shape}")
        count, steps = melody.shape
    if count < 1 or steps < 1:
        raise ValueError(f"count and steps: must be at least 1, got {count} and {steps}")
    call = compiled_call(model)  # the whole grid every time: one shape, one compilation
    rng = np.random.default_rng(seed)
    grid = np.full((count, steps, 4), HOLD, np.int32)
    if melody is not None:
        grid[..., 0] = melody
    for step in range(steps):
        for voice in config_of(model).order:
            if melody is not None and voice == 0:
                continue
            logits = np.asarray(call(grid)[VOICES[voice]][:, step], np.float64)
            grid[:, step, voice] = choose_tokens(logits, temperature=temperature, rng=rng)
    return grid.astype(np.int16)


def harmonize(model, melody, *, temperature=1.0, seed=0):
    """Alto, tenor and bass under a given soprano. Returns ``(steps, 4)`` (or a batch)."""
    grids = generate_chorale(model, temperature=temperature, seed=seed, melody=melody)
    return grids[0] if np.ndim(melody) == 1 else grids



def held_out(model):
    """A melody-with-harmony model's teacher-forced figures per voice on the test split's
    4-bar chorale windows (for its card)."""
    grids = chorale_grids()
    return {"data": {"corpus": "bach", "split": SPLIT, "bars": 4,
                     "train_windows": int(len(grids["train"])),
                     "test_windows": int(len(grids["test"]))},
            "held_out": task_scores(model, grids["test"])}
