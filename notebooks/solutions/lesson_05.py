"""Answers to notebook 05's exercises (style)."""

import numpy as np


def balanced_accuracy(confusion):
    """The mean of each true class's recall: small classes count as much as big ones."""
    confusion = np.asarray(confusion, dtype=np.float64)
    recalls = np.diag(confusion) / confusion.sum(axis=1)
    return recalls.mean()


def style_shift(z, source_mean, target_mean, strength):
    """Latent arithmetic: add the direction from one style's centre to the other's."""
    direction = np.asarray(target_mean) - np.asarray(source_mean)
    return np.asarray(z) + strength * direction


def retrograde_notes(notes, steps):
    """Time runs backwards: [onset, end) becomes [steps - end, steps - onset)."""
    notes = np.asarray(notes)
    reversed_notes = [(steps - end, steps - onset, pitch) for onset, end, pitch in notes[::-1]]
    return np.array(reversed_notes)
