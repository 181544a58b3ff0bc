"""Answers to notebook 02's exercises (the melody VAE)."""

import numpy as np


def reparameterize(z_mean, z_log_var, epsilon):
    """z = mu + sigma * eps with sigma = exp(log(sigma^2) / 2): differentiable in mu and sigma."""
    return z_mean + np.exp(0.5 * z_log_var) * epsilon


def kl_divergence(z_mean, z_log_var):
    """KL(N(mu, sigma^2) || N(0, 1)) = (sigma^2 + mu^2 - 1 - log sigma^2) / 2, summed."""
    return 0.5 * np.sum(np.exp(z_log_var) + np.square(z_mean) - 1.0 - z_log_var, axis=-1)


def nats_to_bits(nats):
    """log2(x) = ln(x) / ln(2)."""
    return np.asarray(nats) / np.log(2.0)


def free_bits_penalty(kl_bits, free_bits):
    """Only the KL above the budget is penalised (MusicVAE's free bits)."""
    return np.maximum(np.asarray(kl_bits) - free_bits, 0.0)
