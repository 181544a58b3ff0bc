"""Transfer learning: fine-tune a melody VAE trained on lots of music on a small collection.

``learning_curve`` trains two models on the same few tunes of one style, with
the same batches and the same number of steps: one starts from a pretrained
VAE (fine-tuning), the other from random weights (from scratch). Their held-out
accuracy on other tunes of that style, for several numbers of training tunes,
is the learning curve ``musiclab.plotting.plot_learning_curve`` draws.
"""

import tempfile
from pathlib import Path

import keras
import numpy as np
from tqdm.auto import tqdm

from musiclab.nn.config import config_of
from musiclab.nn.loop import run_training
from musiclab.vae.model import build_vae, load_vae
from musiclab.vocab import VOCABULARY_SIZE


def tune_windows(corpus, bars=2, steps_per_bar=16):
    """A corpus's windows grouped by tune: a list of int16 arrays ``(windows, steps)``."""
    windows = corpus.windows(bars=bars, steps_per_bar=steps_per_bar)
    return [windows.tokens[windows.tune_index == tune]
            for tune in np.unique(windows.tune_index)]


def teacher_forced_accuracy(model, tokens, *, batch_size=256):
    """Share of tokens a melody VAE predicts from the posterior mean (teacher forcing)."""
    tokens = np.asarray(tokens)
    if tokens.ndim != 2 or len(tokens) == 0 or tokens.min() < 0 or tokens.max() >= VOCABULARY_SIZE:
        raise ValueError(f"tokens: expected melody windows (n, steps), got {tokens.shape}")
    correct = 0
    for start in range(0, len(tokens), batch_size):
        batch = tokens[start:start + batch_size].astype(np.int32)
        logits = np.asarray(model.predict_on_batch(batch))
        correct += int((logits.argmax(axis=-1) == batch).sum())
    return correct / tokens.size


def learning_curve(pretrained, tunes, test_tokens, *, sizes=(25, 50, 100, 200), steps=400,
                   batch_size=64, learning_rate=5e-4, seed=0, folder=None, progress=True):
    """Held-out accuracy of fine-tuned vs from-scratch VAEs for several training-set sizes.

    Args:
        pretrained: path of a pretrained melody VAE (``.keras``); both models use the
            configuration it carries, so they differ only in their starting weights.
        tunes: list of per-tune window arrays (``tune_windows``) of the small collection;
            the first ``size`` tunes train each pair.
        test_tokens: int array ``(n, steps)`` of held-out windows of the same style.
        sizes: numbers of training tunes.
        steps: optimisation steps for every model.
        batch_size: windows per step.
        learning_rate: Adam learning rate of both models.
        seed: seed of the batches and of the scratch model's weights.
        folder: where each model's run is written (``<size>_fine_tuned``, ...); a
            temporary folder, removed afterwards, by default.
        progress: show a progress bar.

    Returns:
        A list of dicts, one per size: ``tunes``, ``windows``, ``fine_tuned``,
        ``from_scratch`` (held-out teacher-forced accuracy) and ``pretrained`` (the
        accuracy before fine-tuning).
    """
    sizes = sorted({int(size) for size in sizes})
    if not sizes or sizes[0] < 1 or sizes[-1] > len(tunes):
        raise ValueError(f"sizes: must be between 1 and the {len(tunes)} tunes given")
    if steps < 1:
        raise ValueError(f"steps: must be at least 1, got {steps}")
    base = load_vae(pretrained)
    config = config_of(base)
    before = teacher_forced_accuracy(base, test_tokens)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch if folder is None else folder)
        results = []
        bar = tqdm(total=2 * len(sizes), desc="fine-tuned vs from scratch", disable=not progress)
        for size in sizes:
            tokens = np.concatenate(tunes[:size])
            row = {"tunes": size, "windows": int(len(tokens)), "pretrained": before}
            for name in ("fine_tuned", "from_scratch"):
                model = _run(name, pretrained, config, tokens, test_tokens,
                             root / f"{size}_{name}", steps=steps, batch_size=batch_size,
                             learning_rate=learning_rate, seed=seed)
                row[name] = teacher_forced_accuracy(model, test_tokens)
                bar.update()
            results.append(row)
        bar.close()
    return results


def _run(name, pretrained, config, tokens, test_tokens, folder, *, steps, batch_size,
         learning_rate, seed):
    """One model of the curve, trained through the one training loop (``nn.loop``)."""
    def build():
        if name == "fine_tuned":
            model = load_vae(pretrained)
            model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=model.loss,
                          metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
            return model
        model = build_vae(config, seed=seed)
        model.optimizer.learning_rate.assign(learning_rate)
        return model

    def train_batch(model, rng):
        batch = tokens[rng.integers(0, len(tokens), batch_size)].astype(np.int32)
        return model.train_on_batch(batch, batch)[0]

    def validate(model):
        return {"valid_accuracy": teacher_forced_accuracy(model, test_tokens)}

    model, _ = run_training(folder, config, build=build, train_batch=train_batch,
                            validate=validate, steps=steps, checkpoint_every=steps, seed=seed,
                            progress=False)
    return model
