"""Feedback that steers generation: thumbs up and down become a direction in a VAE's latent
space and a reranker of new candidates; a simulated listener with a known taste proves both.

    direction = preference_direction(liked_codes, disliked_codes)      # (latent_dim,)
    reranker = Reranker(classifier).fit(rated_tokens, ratings)          # thumbs -> liking
    order = reranker.rank(candidate_tokens)                             # best first
    listener = SimulatedListener(classifier, style="irish")             # likes steps + Irish
    curve = learning_curve(vae, classifier, listener, sizes=(20, 50, 100))

A preference direction is the difference of the mean codes of liked and disliked samples,
$d = \\bar z_{+} - \\bar z_{-}$: moving a code along $d$ moves it towards what was liked, as a
label vector moves it towards a style. The reranker is a logistic regression on the style
classifier's embedding of each candidate, $P(\\text{like} \\mid x) = \\sigma(w^\\top e(x) + b)$,
fitted to the ratings with weight decay: with tens of ratings it must stay small.
"""

from dataclasses import dataclass

import keras
import numpy as np
from scipy import optimize, special

from musiclab.nn import config_of
from musiclab.style.judge import classify
from musiclab.vae.generate import decode
from musiclab.vocab import FIRST_PITCH_TOKEN

STEP_SEMITONES = 2  # a melodic interval of at most a whole tone is a step


def note_pitches(tokens):
    """The pitches of a melody's notes in order (MIDI numbers)."""
    tokens = np.asarray(tokens)
    return tokens[tokens >= FIRST_PITCH_TOKEN].astype(np.int64) - FIRST_PITCH_TOKEN


def stepwise_share(tokens):
    """The share of a melody's intervals that are steps (at most a whole tone; repeats count).

    Args:
        tokens: melody tokens ``(steps,)``, or a batch ``(batch, steps)``.

    Returns:
        A float in 0..1 (0 for fewer than two notes), or ``(batch,)`` floats.
    """
    tokens = np.asarray(tokens)
    if tokens.ndim == 2:
        return np.array([stepwise_share(row) for row in tokens], np.float64)
    intervals = np.abs(np.diff(note_pitches(tokens)))
    return float(np.mean(intervals <= STEP_SEMITONES)) if len(intervals) else 0.0


def preference_direction(liked, disliked):
    """The direction from disliked to liked codes.

    Args:
        liked, disliked: float arrays ``(n, latent_dim)`` (at least one row each).

    Returns:
        float32 ``(latent_dim,)``: mean liked code minus mean disliked code.

    Raises:
        ValueError: when either side has no code.
    """
    liked, disliked = np.asarray(liked, np.float32), np.asarray(disliked, np.float32)
    if liked.ndim != 2 or disliked.ndim != 2 or not len(liked) or not len(disliked):
        raise ValueError("liked, disliked: at least one liked and one disliked code, shaped "
                         f"(n, latent_dim); got {liked.shape} and {disliked.shape}")
    return (liked.mean(axis=0) - disliked.mean(axis=0)).astype(np.float32)


def embed(classifier, tokens, batch_size=512):
    """The style classifier's embedding of melodies (its ``features`` layer).

    Args:
        classifier: a style classifier (``musiclab.style.classifier``).
        tokens: int array ``(batch, steps)``.

    Returns:
        float32 ``(batch, features)``.
    """
    tokens = np.asarray(tokens, np.int32)
    if tokens.ndim != 2 or tokens.shape[1] < 1 or not len(tokens):
        raise ValueError(f"tokens: expected shape (batch, steps), got {tokens.shape}")
    cache = classifier.__dict__.setdefault("_musiclab_embedding", {})
    if "model" not in cache:
        cache["model"] = keras.Model(classifier.inputs,
                                     classifier.get_layer("features").output)
    parts = [np.asarray(cache["model"].predict_on_batch(tokens[start:start + batch_size]))
             for start in range(0, len(tokens), batch_size)]
    return np.concatenate(parts).astype(np.float32)


class Reranker:
    """Orders candidates by predicted liking, learned from thumbs up and down.

    A logistic regression on the standardised style-classifier embedding, fitted by L-BFGS
    (scipy) on the mean log-loss plus ``weight_decay / 2 * |w|^2``: a convex problem with one
    answer, found in milliseconds, the same on every backend.

    Args:
        classifier: the style classifier whose embedding describes each melody.
        weight_decay: L2 penalty on the weights (few ratings: keep it).
    """

    def __init__(self, classifier, *, weight_decay=0.1):
        self.classifier, self.weight_decay = classifier, weight_decay
        self.weights, self.bias, self.mean, self.scale = None, 0.0, None, None

    def fit(self, tokens, ratings):
        """Learn from rated melodies.

        Args:
            tokens: int array ``(n, steps)``; ratings: ``(n,)``, positive = liked.

        Returns:
            ``self``.

        Raises:
            ValueError: without at least one liked and one disliked melody.
        """
        liked = np.asarray(ratings) > 0
        if liked.all() or not liked.any():
            raise ValueError("ratings: a reranker needs at least one liked and one disliked "
                             "melody")
        features = embed(self.classifier, tokens).astype(np.float64)
        self.mean, self.scale = features.mean(0), features.std(0) + 1e-6
        inputs = (features - self.mean) / self.scale
        targets = liked.astype(np.float64)

        def loss_and_gradient(parameters):
            weights, bias = parameters[:-1], parameters[-1]
            logits = inputs @ weights + bias
            probability = special.expit(logits)
            loss = np.mean(np.logaddexp(0, logits) - targets * logits) \
                + 0.5 * self.weight_decay * weights @ weights
            error = (probability - targets) / len(targets)
            gradient = np.append(inputs.T @ error + self.weight_decay * weights, error.sum())
            return loss, gradient

        fitted = optimize.minimize(loss_and_gradient, np.zeros(inputs.shape[1] + 1), jac=True,
                                   method="L-BFGS-B")
        self.weights, self.bias = fitted.x[:-1], float(fitted.x[-1])
        return self

    def score(self, tokens):
        """Predicted liking (logits) of melodies ``(n, steps)`` -> ``(n,)``."""
        if self.weights is None:
            raise ValueError("reranker: fit it on rated melodies first")
        inputs = (embed(self.classifier, tokens) - self.mean) / self.scale
        return inputs @ self.weights + self.bias

    def rank(self, tokens):
        """Indices of ``tokens`` from most to least likely to be liked."""
        return np.argsort(-self.score(tokens), kind="stable")


@dataclass
class SimulatedListener:
    """A listener whose taste is known: likes stepwise motion and one style.

    taste(x) = (stepwise share + P(style | x)) / 2, in 0..1; a thumbs up comes with probability
    sigmoid(sharpness (taste - threshold)), so the listener is consistent but not a machine.

    Args:
        classifier: the style classifier (judges the style).
        style: the liked region ("irish", "chinese"...).
        threshold: the taste at which up and down are equally likely (``calibrate`` sets it
            to the median of a pool).
        sharpness: how decisive the listener is.
    """

    classifier: object
    style: str = "irish"
    threshold: float = 0.5
    sharpness: float = 12.0

    def taste(self, tokens):
        """How much the listener likes melodies ``(n, steps)`` -> ``(n,)`` in 0..1."""
        regions = list(config_of(self.classifier).regions)
        if self.style not in regions:
            raise ValueError(f"style: one of {', '.join(regions)}, got {self.style!r}")
        style = classify(self.classifier, tokens)["region"][:, regions.index(self.style)]
        return (stepwise_share(np.asarray(tokens)) + style) / 2

    def calibrate(self, tokens):
        """Set the threshold to the median taste of ``tokens``; returns ``self``."""
        self.threshold = float(np.median(self.taste(tokens)))
        return self

    def rate(self, tokens, rng):
        """Thumbs: +1 or -1 per melody, drawn from the listener's taste."""
        chance = 1 / (1 + np.exp(-self.sharpness * (self.taste(tokens) - self.threshold)))
        return np.where(rng.random(len(chance)) < chance, 1, -1)


def learning_curve(vae, classifier, listener, *, sizes=(20, 50, 100), candidates=400,
                   top=10, seeds=5, temperature=1.0, steer=1.0):
    """How much feedback helps: rate ``size`` samples, then choose among fresh ones.

    For each number of ratings and seed: the listener rates that many prior samples of the
    VAE; the reranker trains on them and picks its top ``top`` of ``candidates`` fresh
    held-out samples; the preference direction (liked minus disliked codes, scaled by
    ``steer``) shifts fresh codes before decoding. Each is scored by the listener's taste
    against unranked candidates (the mean taste of all fresh samples: what any ``top`` of them
    score on average).

    Returns:
        A list of dicts: ratings, seed, unranked, reranked, steered, best (the top of the
        held-out candidates by the true taste, the ceiling).
    """
    rows = []
    latent_dim = config_of(vae).latent_dim
    for seed in range(seeds):
        rng = np.random.default_rng(1000 + seed)
        pool_codes, pool = _samples(vae, max(sizes), seed=2 * seed, temperature=temperature,
                                    latent_dim=latent_dim)
        fresh_codes, fresh = _samples(vae, candidates, seed=2 * seed + 1,
                                      temperature=temperature, latent_dim=latent_dim)
        fresh_taste = listener.taste(fresh)
        ratings = listener.rate(pool, rng)
        for size in sizes:
            rated = ratings[:size]
            row = {"ratings": size, "seed": seed,
                   "unranked": float(fresh_taste.mean()),  # what any 10 score on average
                   "best": float(np.sort(fresh_taste)[-top:].mean())}
            if (rated > 0).any() and (rated < 0).any():
                picked = Reranker(classifier).fit(pool[:size], rated).rank(fresh)[:top]
                row["reranked"] = float(fresh_taste[picked].mean())
                direction = preference_direction(pool_codes[:size][rated > 0],
                                                 pool_codes[:size][rated < 0])
                direction *= steer / (np.linalg.norm(direction) + 1e-9) * np.sqrt(len(direction))
                steered = decode(vae, fresh_codes[:top] + direction * 0.5,
                                 temperature=temperature, seed=seed)
                row["steered"] = float(listener.taste(steered).mean())
            rows.append(row)
    return rows


def _samples(vae, count, *, seed, temperature, latent_dim):
    """Prior codes and their melodies."""
    codes = np.random.default_rng(seed).standard_normal((count, latent_dim)).astype(np.float32)
    return codes, decode(vae, codes, temperature=temperature, seed=seed)


def summarise_curve(rows):
    """Mean taste per number of ratings: ``{ratings: {"unranked", "reranked", "steered",
    "best"}}`` (means over seeds)."""
    table = {}
    for size in sorted({row["ratings"] for row in rows}):
        part = [row for row in rows if row["ratings"] == size]
        table[size] = {key: float(np.mean([row[key] for row in part if key in row]))
                       for key in ("unranked", "reranked", "steered", "best")}
    return table


def plot_learning_curve(rows, ax=None):
    """The learning curve: listener's taste of the top picks against ratings given."""
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots(figsize=(6, 3.2))[1]
    table = summarise_curve(rows)
    sizes = list(table)
    styles = {"best": ("ceiling: the truly best", ":"), "reranked": ("reranked top 10", "-o"),
              "steered": ("steered by the preference direction", "-s"),
              "unranked": ("unranked (chance)", "--")}
    for key, (label, line) in styles.items():
        ax.plot(sizes, [table[size][key] for size in sizes], line, label=label)
    ax.set_xlabel("ratings given")
    ax.set_ylabel("simulated listener's taste")
    ax.set_xticks(sizes)
    ax.legend(fontsize=8)
    return ax
