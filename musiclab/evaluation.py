"""Held-out figures of a melody VAE: reconstruction accuracy and KL in bits.

*Teacher-forced* accuracy feeds the decoder the true previous token (how the
model trains, and how MusicVAE reports it); *free-running* accuracy feeds back
the decoder's own choices, as generation does. Both decode from the posterior
mean and count the share of steps whose token is right.
"""

import numpy as np
from keras import ops

from musiclab import generation
from musiclab.models.melody_vae import shift_right
from musiclab.training import mean_kl_bits


def evaluate_vae(model, tokens, batch_size=256):
    """Reconstruction accuracy and KL on held-out windows.

    Args:
        model: a melody VAE.
        tokens: int array ``(n, steps)`` of windows the model never trained on.
        batch_size: windows per pass.

    Returns:
        A dict: ``windows``, ``teacher_forced_accuracy``, ``free_running_accuracy``,
        ``kl_bits``.
    """
    tokens = np.asarray(tokens)
    decoder = model.get_layer("decoder")
    forced, free = [], []
    for first in range(0, len(tokens), batch_size):
        batch = tokens[first:first + batch_size]
        latent = generation.encode(model, batch)
        previous = shift_right(ops.convert_to_tensor(batch.astype("int32")))
        logits = ops.convert_to_numpy(decoder([ops.convert_to_tensor(latent), previous]))
        forced.append(logits.argmax(axis=-1) == batch)
        free.append(generation.decode(model, latent) == batch)
    return {
        "windows": int(len(tokens)),
        "teacher_forced_accuracy": float(np.concatenate(forced).mean()),
        "free_running_accuracy": float(np.concatenate(free).mean()),
        "kl_bits": mean_kl_bits(model, tokens, batch_size),
    }
