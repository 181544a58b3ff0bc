"""Training and held-out figures of the melody VAE.

*Teacher-forced* accuracy feeds the decoder the true previous token (how the
model trains, and how MusicVAE reports it); *free-running* accuracy feeds back
the decoder's own choices, as generation does. Both decode from the posterior
mean and count the share of steps whose token is right. The KL is counted in
bits per sequence, as the free-bits setting is.
"""

import numpy as np
from keras import ops

from musiclab.data.splits import SPLIT, corpus_windows
from musiclab.nn.config import config_of
from musiclab.nn.layers import shifted
from musiclab.nn.loop import run_training
from musiclab.vae.generate import decode, encode, style_vector
from musiclab.vae.model import build_vae, kl_divergence_bits, style_names
from musiclab.vocab import START_TOKEN


def mean_kl_bits(model, tokens, *, batch_size=256, styles=None):
    """Mean KL divergence (bits per sequence) of the posterior over ``tokens``.

    ``styles``: style indices ``(n,)`` for a conditional VAE.
    """
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


def _check_windows(config, **named):
    for name, tokens in named.items():
        if np.ndim(tokens) != 2 or np.shape(tokens)[1] != config.steps or len(tokens) == 0:
            raise ValueError(f"{name}: expected shape (n, {config.steps}), got {np.shape(tokens)}")


def train_vae(config, train_tokens, valid_tokens, *, steps, folder, batch_size=64,
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
        time_limit: optional seconds of training (see ``nn.loop.run_training``).

    Returns:
        ``(model, state)``: the trained model and the run's state dict (history,
        ``steps_done``, ``device``).

    Raises:
        MusiclabError: when the loss becomes NaN (the last good checkpoint is kept),
            or when the folder holds a run of another configuration.
    """
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

    return run_training(folder, config, build=lambda: build_vae(config, seed=seed),
                        train_batch=train_batch, validate=validate, steps=steps,
                        checkpoint_every=checkpoint_every, seed=seed, progress=progress,
                        show=("valid_accuracy", "kl_bits"), on_checkpoint=on_checkpoint,
                        time_limit=time_limit)


def evaluate_vae(model, tokens, *, batch_size=256, styles=None):
    """Reconstruction accuracy and KL on held-out windows.

    Args:
        model: a melody VAE.
        tokens: int array ``(n, steps)`` of windows the model never trained on.
        batch_size: windows per pass.
        styles: style indices ``(n,)`` of the windows (conditional VAEs only).

    Returns:
        A dict: ``windows``, ``teacher_forced_accuracy``, ``free_running_accuracy``,
        ``kl_bits``.
    """
    tokens = np.asarray(tokens)
    decoder = model.get_layer("decoder")
    forced, free = [], []
    for first in range(0, len(tokens), batch_size):
        batch = tokens[first:first + batch_size]
        style = None
        if styles is not None:
            style = style_vector(model, np.eye(len(style_names(model)))[
                np.asarray(styles)[first:first + batch_size]])
        latent = encode(model, batch, style=style)
        previous = shifted(ops.convert_to_tensor(batch.astype("int32")), START_TOKEN)
        code = latent if style is None else np.concatenate([latent, style], axis=1)
        logits = ops.convert_to_numpy(decoder([ops.convert_to_tensor(code), previous]))
        forced.append(logits.argmax(axis=-1) == batch)
        free.append(decode(model, latent, style=style) == batch)
    return {
        "windows": int(len(tokens)),
        "teacher_forced_accuracy": float(np.concatenate(forced).mean()),
        "free_running_accuracy": float(np.concatenate(free).mean()),
        "kl_bits": mean_kl_bits(model, tokens, batch_size=batch_size, styles=styles),
    }


def held_out(model):
    """A melody VAE's figures on the test split's windows of its length (for its card)."""
    config = config_of(model)
    if config.styles:
        raise ValueError("model: a conditional VAE's card needs its tunes' styles; "
                         "publish it with musiclab.vae.shipped.publish")
    windows = corpus_windows("all", bars=config.bars, steps_per_bar=config.steps_per_bar)
    return {"data": {"corpus": "all", "split": SPLIT, "bars": config.bars,
                     "train_windows": int(len(windows["train"])),
                     "test_windows": int(len(windows["test"]))},
            "held_out": evaluate_vae(model, windows["test"])}
