"""Held-out figures: a melody VAE's reconstruction accuracy and KL, a WaveNet's likelihood.

*Teacher-forced* accuracy feeds the decoder the true previous token (how the
model trains, and how MusicVAE reports it); *free-running* accuracy feeds back
the decoder's own choices, as generation does. Both decode from the posterior
mean and count the share of steps whose token is right.
"""

import numpy as np
from keras import ops

from musiclab import generation
from musiclab.models.melody_vae import shift_right, style_names
from musiclab.training import mean_kl_bits


def evaluate_vae(model, tokens, batch_size=256, styles=None):
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
            style = generation.style_vector(model, np.eye(len(style_names(model)))[
                np.asarray(styles)[first:first + batch_size]])
        latent = generation.encode(model, batch, style)
        previous = shift_right(ops.convert_to_tensor(batch.astype("int32")))
        code = latent if style is None else np.concatenate([latent, style], axis=1)
        logits = ops.convert_to_numpy(decoder([ops.convert_to_tensor(code), previous]))
        forced.append(logits.argmax(axis=-1) == batch)
        free.append(generation.decode(model, latent, style=style) == batch)
    return {
        "windows": int(len(tokens)),
        "teacher_forced_accuracy": float(np.concatenate(forced).mean()),
        "free_running_accuracy": float(np.concatenate(free).mean()),
        "kl_bits": mean_kl_bits(model, tokens, batch_size, styles),
    }


def sequence_scores(model, pieces, labels=None, batch_size=16):
    """Held-out scores of a WaveNet (or an ensemble) on whole pieces, every step predicted
    from the steps before.

    For a piano-roll model, ``frame_nll`` is the frame-level negative log-likelihood
    of the polyphonic-music benchmarks (Boulanger-Lewandowski et al. 2012; the TCN
    paper's table 3): at every step the sum over the 88 keys of the binary
    cross-entropy (nats), averaged over all steps of all pieces, the first step of
    each piece included (predicted from nothing). For a melody model,
    ``token_nll`` (nats per step) and ``accuracy`` (share of steps whose most likely
    token is right).

    Args:
        model: a WaveNet, or a list of WaveNets with the same head: an ensemble whose
            probabilities are averaged.
        pieces: list of melodies ``(steps,)`` or piano rolls ``(steps, 88)``.
        labels: style labels ``(len(pieces),)`` for a conditioned model.
        batch_size: pieces per pass.

    Returns:
        A dict with ``steps`` and the scores above.
    """
    from musiclab.data.sequences import padded_batches

    models = list(model) if isinstance(model, list | tuple) else [model]
    if not len(pieces):
        raise ValueError("pieces: nothing to evaluate")
    roll = np.asarray(pieces[0]).ndim == 2
    total, steps, correct = 0.0, 0, 0
    for sequences, mask, batch_labels in padded_batches(pieces, batch_size, labels=labels):
        inputs = sequences if batch_labels is None else [sequences, batch_labels]
        outputs = [np.asarray(member.predict_on_batch(inputs), np.float64) for member in models]
        if roll:
            losses = -_log_mean_exp([_key_log_likelihood(logits, sequences)
                                     for logits in outputs]).sum(axis=-1)
        else:
            log_probabilities = _log_mean_exp([_log_softmax(logits) for logits in outputs])
            losses = -np.take_along_axis(log_probabilities, sequences[..., None], -1)[..., 0]
            correct += int(((log_probabilities.argmax(axis=-1) == sequences) * mask).sum())
        total += float((losses * mask).sum())
        steps += int(mask.sum())
    if roll:
        return {"steps": steps, "frame_nll": total / steps}
    return {"steps": steps, "token_nll": total / steps, "accuracy": correct / steps}


def _key_log_likelihood(logits, keys):
    """Log-probability of each key's state (on or off) under ``sigmoid(logits)``."""
    return -(np.maximum(logits, 0) - logits * keys + np.log1p(np.exp(-np.abs(logits))))


def _log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _log_mean_exp(values):
    """log(mean(exp(values))) over the first axis: averaging probabilities in log space."""
    stacked = np.stack(values)
    top = stacked.max(axis=0)
    return top + np.log(np.exp(stacked - top).mean(axis=0))
