"""Answers to notebook 04's exercises (the GAN)."""

import numpy as np


def discriminator_loss(real_probability, fake_probability):
    """Binary cross-entropy with real labelled 1 and generated labelled 0."""
    return -(np.mean(np.log(real_probability)) + np.mean(np.log(1.0 - fake_probability)))


def generator_loss(fake_probability):
    """Non-saturating: maximise log D(G(z)) instead of minimising log(1 - D(G(z)))."""
    return -np.mean(np.log(fake_probability))


def critic_loss(real_scores, fake_scores):
    """Minus the critic's estimate of the Wasserstein distance."""
    return np.mean(fake_scores) - np.mean(real_scores)


def gradient_penalty(gradients):
    """A 1-Lipschitz critic has gradients of norm 1 between real and generated data."""
    flat = np.reshape(gradients, (np.shape(gradients)[0], -1))
    return np.mean((np.linalg.norm(flat, axis=1) - 1.0) ** 2)


def mix_real_and_fake(real, fake, alpha):
    """One alpha per example, broadcast over the roll's other axes."""
    real, fake = np.asarray(real), np.asarray(fake)
    alpha = np.asarray(alpha).reshape((len(real),) + (1,) * (real.ndim - 1))
    return fake + alpha * (real - fake)
