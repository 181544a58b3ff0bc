"""Answers to notebook 06's exercises (the Transformer)."""

import numpy as np


def causal_mask(length):
    """Query i may attend to keys 0..i."""
    positions = np.arange(length)
    return positions[None, :] <= positions[:, None]


def top_k_filter(logits, k):
    """Everything below the k-th largest logit is removed."""
    logits = np.asarray(logits, dtype=np.float64)
    threshold = np.sort(logits)[::-1][k - 1]
    return np.where(logits < threshold, -np.inf, logits)


def top_p_filter(logits, p):
    """Sort by probability; keep a token while the probability before it is below p."""
    logits = np.asarray(logits, dtype=np.float64)
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    order = np.argsort(probabilities)[::-1]
    kept = np.zeros(len(logits), dtype=bool)
    total = 0.0
    for index in order:
        if total >= p:
            break
        kept[index] = True
        total += probabilities[index]
    return np.where(kept, logits, -np.inf)


def attention(queries, keys, values, mask):
    """softmax(Q K^T / sqrt(d) + mask) V, one row of weights per query."""
    scores = queries @ keys.T / np.sqrt(keys.shape[-1])
    scores = np.where(mask, scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ values
