"""A Frechet distance between collections of melodies, on the style classifier's embedding.

The idea of the Frechet Inception Distance for images and of the Frechet Music Distance for
symbolic music: describe every piece by an embedding, fit a Gaussian to each collection, and
measure the distance between the two Gaussians,

$$ d^2 = \\lVert \\mu_r - \\mu_g \\rVert^2 + \\operatorname{tr}\\big(\\Sigma_r + \\Sigma_g
        - 2 (\\Sigma_r \\Sigma_g)^{1/2}\\big). $$

It needs no reference piece for each generated one (unlike MSE or SNR): it compares
distributions. The published Frechet Music Distance embeds with CLaMP, whose weights would
be downloaded; musiclab embeds with its own style classifier (the ``features`` layer, scaled
to unit length as CLaMP's embeddings are: the raw ReLU features have a long tail of a few
huge activations that would dominate the covariances), so the numbers are musiclab's own
scale, comparable only with each other, at the same number of melodies (the estimate is
biased upwards for small sets).

    distance, low, high = bootstrap_frechet(embeddings(judge, real), embeddings(judge, fake))
    table = sanity_table(judge, count=1000)     # real vs real small, shuffled large
"""

import numpy as np
from scipy import linalg

from musiclab.data.splits import corpus_windows
from musiclab.evaluation.feedback import embed
from musiclab.nn import config_of, load_shipped
from musiclab.nn.sampling import sampler_for
from musiclab.vae.generate import sample
from musiclab.vocab import FIRST_PITCH_TOKEN

WINDOW_STEPS = 32  # two bars of sixteenths: the classifier's training crop


def embeddings(classifier, tokens):
    """Unit-length style-classifier embeddings of melodies ``(n, steps)`` -> ``(n, features)``."""
    features = embed(classifier, tokens).astype(np.float64)
    return features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-9)


def frechet_distance(real, generated):
    """The Frechet distance between Gaussians fitted to two sets of embeddings.

    Args:
        real, generated: float arrays ``(n, features)`` (at least two rows each).

    Returns:
        A float, 0 for identical distributions.
    """
    real, generated = np.asarray(real, np.float64), np.asarray(generated, np.float64)
    if real.ndim != 2 or generated.ndim != 2 or real.shape[1] != generated.shape[1] \
            or len(real) < 2 or len(generated) < 2:
        raise ValueError(f"embeddings: two (n >= 2, features) arrays of the same width, got "
                         f"{real.shape} and {generated.shape}")
    mean_gap = real.mean(0) - generated.mean(0)
    cov_real, cov_generated = np.cov(real, rowvar=False), np.cov(generated, rowvar=False)
    # tr (S_r S_g)^(1/2) = sum of the square roots of the eigenvalues of the symmetric
    # S_r^(1/2) S_g S_r^(1/2): stable where sqrtm of the product is not (ReLU embeddings have
    # units that never fire, so the covariances are singular)
    values, vectors = linalg.eigh(cov_real)
    root_real = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    cross = np.clip(linalg.eigvalsh(root_real @ cov_generated @ root_real), 0, None)
    value = mean_gap @ mean_gap + np.trace(cov_real) + np.trace(cov_generated) \
        - 2 * np.sqrt(cross).sum()
    return float(max(value, 0.0))


def bootstrap_frechet(real, generated, *, resamples=200, seed=0):
    """The Frechet distance with a 95% bootstrap interval (both sets resampled).

    A resampled set repeats some melodies and so fits a narrower Gaussian: resampled
    distances run above the estimate. The percentile interval is therefore recentred on the
    estimate (shifted by the bootstrap's median bias).

    Returns:
        ``(distance, low, high)``.
    """
    rng = np.random.default_rng(seed)
    real, generated = np.asarray(real), np.asarray(generated)
    values = [frechet_distance(real[rng.integers(0, len(real), len(real))],
                               generated[rng.integers(0, len(generated), len(generated))])
              for _ in range(resamples)]
    distance = frechet_distance(real, generated)
    low, middle, high = np.percentile(values, [2.5, 50, 97.5])
    bias = middle - distance
    return distance, float(max(low - bias, 0.0)), float(high - bias)


def shuffle_pitches(tokens, seed=0):
    """Melodies with their notes' pitches shuffled within each melody (rhythm kept)."""
    rng = np.random.default_rng(seed)
    tokens = np.array(tokens, copy=True)
    for row in tokens:
        notes = np.flatnonzero(row >= FIRST_PITCH_TOKEN)
        row[notes] = row[rng.permutation(notes)]
    return tokens


def shuffle_steps(tokens, seed=0):
    """Melodies with their time steps shuffled (pitches and rhythm destroyed)."""
    rng = np.random.default_rng(seed)
    return np.array([row[rng.permutation(len(row))] for row in np.asarray(tokens)])


def model_samples(name, count, *, seed=0, temperature=1.0):
    """``count`` two-bar melodies from a shipped model (VAE prior, WaveNet or Transformer).

    Returns:
        int array ``(count, 32)``; a style-conditioned model's samples are spread evenly
        over its styles.
    """
    model = load_shipped(name)
    if name.startswith("melody_vae"):
        return np.asarray(sample(model, count, temperature=temperature, seed=seed))[:,
                                                                                     :WINDOW_STEPS]
    generate = sampler_for(model)
    styles = list(config_of(model).styles) or [None]  # a styled model: every style in turn
    shares = np.diff(np.linspace(0, count, len(styles) + 1).round().astype(int))
    parts = [np.asarray(generate(model, length=WINDOW_STEPS, temperature=temperature,
                                 seed=seed + index, count=int(share),
                                 style=None if style is None else index))[:, -WINDOW_STEPS:]
             for index, (style, share) in enumerate(zip(styles, shares)) if share]
    return np.concatenate(parts)


def sanity_table(classifier, *, count=1000, models=("melody_vae_2bar", "melody_wavenet",
                                                    "melody_transformer"),
                 resamples=200, seed=0, progress=None):
    """The Frechet distance to held-out real melodies: real training melodies (should be
    small), pitch- and step-shuffled ones (should be large), and each shipped model's samples.

    Args:
        classifier: the style classifier (the embedding).
        count: melodies per set (the same for every row: the estimate depends on it).
        models: shipped models to sample.
        progress: optional ``callable(name)`` told which row is being computed.

    Returns:
        A list of dicts: set, distance, low, high (95% bootstrap), sorted by distance.
    """
    rng = np.random.default_rng(seed)
    windows = corpus_windows("all", bars=WINDOW_STEPS // 16)
    test = windows["test"][rng.permutation(len(windows["test"]))[:count]]
    train = windows["train"][rng.permutation(len(windows["train"]))[:count]]
    sets = {"real: training split": train,
            "real, pitches shuffled": shuffle_pitches(test, seed),
            "real, steps shuffled": shuffle_steps(test, seed)}
    for name in models:
        if progress:
            progress(name)
        sets[f"{name} samples"] = model_samples(name, count, seed=seed)
    reference = embeddings(classifier, test)
    rows = []
    for label, tokens in sets.items():
        distance, low, high = bootstrap_frechet(reference, embeddings(classifier, tokens),
                                                resamples=resamples, seed=seed)
        rows.append({"set": label, "melodies": len(tokens), "distance": distance, "low": low,
                     "high": high})
    return sorted(rows, key=lambda row: row["distance"])
