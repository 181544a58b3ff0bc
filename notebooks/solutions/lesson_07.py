"""Answers to notebook 07's exercises (evaluation)."""

import numpy as np


def snr_db(reference, signal):
    """Power of the reference over power of the error, in decibels."""
    reference = np.asarray(reference, dtype=np.float64)
    noise = reference - np.asarray(signal, dtype=np.float64)
    return 10 * np.log10(np.dot(reference, reference) / np.dot(noise, noise))


def wilson_interval(successes, trials):
    """Invert the normal test of a proportion: the p whose z-score is within 1.96."""
    z = 1.959963984540054
    share = successes / trials
    denominator = 1 + z**2 / trials
    centre = (share + z**2 / (2 * trials)) / denominator
    half = z * np.sqrt(share * (1 - share) / trials + z**2 / (4 * trials**2)) / denominator
    return np.array([centre - half, centre + half])


def preference_direction(liked, disliked):
    """Where the liked codes sit, seen from the disliked ones."""
    return np.mean(liked, axis=0) - np.mean(disliked, axis=0)


def frechet_distance_1d(mean_a, var_a, mean_b, var_b):
    """(mu_a - mu_b)^2 + (sigma_a - sigma_b)^2."""
    return (mean_a - mean_b) ** 2 + (np.sqrt(var_a) - np.sqrt(var_b)) ** 2
