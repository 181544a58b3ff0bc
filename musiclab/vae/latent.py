"""The latent space of a melody VAE: principal directions and attribute vectors.

MusicVAE's paper moved melodies along *attribute vectors*: the mean latent
code of melodies that have an attribute minus the mean of those that do not.
"""

import numpy as np

from musiclab.vocab import FIRST_PITCH_TOKEN


def onset_density(tokens):
    """Note onsets per step of each melody: ``(n, steps)`` tokens -> ``(n,)`` floats."""
    tokens = np.atleast_2d(tokens)
    return (tokens >= FIRST_PITCH_TOKEN).mean(axis=1)


def pitch_range(tokens):
    """Highest minus lowest pitch (semitones) of each melody; 0 without notes."""
    tokens = np.atleast_2d(tokens)
    pitched = tokens >= FIRST_PITCH_TOKEN
    high = np.where(pitched, tokens, -1).max(axis=1)
    low = np.where(pitched, tokens, 10**6).min(axis=1)
    return np.where(pitched.any(axis=1), high - low, 0)


ATTRIBUTES = {"note density": onset_density, "pitch range": pitch_range}


def principal_directions(latent, components=4):
    """Principal directions of a set of latent codes.

    Args:
        latent: float array ``(n, latent_dim)``, e.g. encoded corpus windows.
        components: how many directions.

    Returns:
        ``(centre, directions, spreads)``: the mean ``(latent_dim,)``, unit
        directions ``(components, latent_dim)`` and the standard deviation of
        the codes along each ``(components,)``.
    """
    latent = np.asarray(latent, dtype=np.float64)
    if latent.ndim != 2 or len(latent) < 2:
        raise ValueError(f"latent: need shape (n >= 2, latent_dim), got {latent.shape}")
    components = int(min(components, latent.shape[1], len(latent)))
    centre = latent.mean(axis=0)
    _, singular, directions = np.linalg.svd(latent - centre, full_matrices=False)
    spreads = singular[:components] / np.sqrt(len(latent) - 1)
    return centre.astype(np.float32), directions[:components].astype(np.float32), \
        spreads.astype(np.float32)


def attribute_vector(latent, has_attribute):
    """Mean code of melodies with an attribute minus the mean of those without.

    Args:
        latent: float array ``(n, latent_dim)``.
        has_attribute: bool array ``(n,)``.

    Returns:
        float32 array ``(latent_dim,)``.
    """
    latent, mask = np.asarray(latent), np.asarray(has_attribute, dtype=bool)
    if mask.shape != (len(latent),):
        raise ValueError(f"has_attribute: expected shape ({len(latent)},), got {mask.shape}")
    if mask.all() or not mask.any():
        raise ValueError("has_attribute: needs melodies both with and without the attribute")
    return (latent[mask].mean(axis=0) - latent[~mask].mean(axis=0)).astype(np.float32)


def attribute_vectors(latent, tokens, quantile=0.25):
    """Attribute vectors for note density and pitch range (top vs bottom quarter).

    Args:
        latent: float array ``(n, latent_dim)``, the codes of ``tokens``.
        tokens: int array ``(n, steps)``.
        quantile: the share of melodies at each end that is compared.

    Returns:
        ``{name: vector}``, each vector of shape ``(latent_dim,)``.
    """
    vectors = {}
    for name, measure in ATTRIBUTES.items():
        values = measure(tokens)
        low, high = np.quantile(values, [quantile, 1 - quantile])
        ends = (values <= low) | (values >= high)
        has_attribute = values[ends] >= high
        if has_attribute.any() and not has_attribute.all():  # both ends hold melodies
            vectors[name] = attribute_vector(latent[ends], has_attribute)
    return vectors


def label_vectors(latent, labels, minimum=20):
    """One attribute vector per label (a region, a dance type...): its melodies vs the rest.

    Args:
        latent: float array ``(n, latent_dim)``.
        labels: array ``(n,)`` of labels.
        minimum: labels with fewer melodies (or fewer others) are left out.

    Returns:
        ``{label: vector}``, each of shape ``(latent_dim,)``.
    """
    labels = np.asarray(labels)
    vectors = {}
    for label in sorted(set(labels.tolist())):
        mask = labels == label
        if mask.sum() >= minimum and (~mask).sum() >= minimum:
            vectors[str(label)] = attribute_vector(latent, mask)
    return vectors
