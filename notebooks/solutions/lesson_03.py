"""Answers to notebook 03's exercises (WaveNet)."""

import numpy as np


def receptive_field(kernel_sizes, dilations):
    """Each layer reaches (k - 1) * d steps further back; plus the current step."""
    return 1 + sum((k - 1) * d for k, d in zip(kernel_sizes, dilations))


def causal_padding(x, kernel_size, dilation):
    """(k - 1) * d zeros before the first step, none after."""
    x = np.asarray(x)
    past = np.zeros(((kernel_size - 1) * dilation, x.shape[1]), dtype=x.dtype)
    return np.concatenate([past, x], axis=0)


def gated_activation(filter_part, gate_part):
    """tanh(filter) in -1..1 says what, sigmoid(gate) in 0..1 says how much."""
    return np.tanh(filter_part) / (1.0 + np.exp(-gate_part))


def temperature_softmax(logits, temperature):
    """softmax(logits / T), the largest logit subtracted first so exp cannot overflow."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    weights = np.exp(scaled - scaled.max())
    return weights / weights.sum()
