"""Style transfer with a melody VAE, and how to measure it.

Two ways to move a melody into another style:

* with a **conditional VAE**: encode the melody under its own style, decode the
  same code under the target style (``strength`` mixes the two style vectors);
* with an **unconditional VAE**: add ``strength`` times the difference of the
  target's and the source's label vectors (``musiclab.vae.latent.label_vectors``) to
  the melody's code.

The measures: how often the style classifier recognises the result as the
target style, and how much of the original melodic contour survives (the
correlation of the two sounding-pitch curves).
"""

import numpy as np

from musiclab.style.judge import classify
from musiclab.vae.generate import decode, encode, sample, style_vector
from musiclab.vae.model import style_names
from musiclab.vocab import FIRST_PITCH_TOKEN, HOLD, LOWEST_PITCH, NOTE_OFF


def sounding_pitch(tokens):
    """The pitch heard at every step; rests hold the previous pitch (NaN before the first note).

    Args:
        tokens: int array ``(steps,)`` of melody tokens.

    Returns:
        float array ``(steps,)`` of MIDI pitches.
    """
    curve = np.full(len(tokens), np.nan)
    current = np.nan
    for index, token in enumerate(np.asarray(tokens)):
        if token >= FIRST_PITCH_TOKEN:
            current = float(token - FIRST_PITCH_TOKEN + LOWEST_PITCH)
        elif token not in (HOLD, NOTE_OFF):
            raise ValueError(f"tokens: unknown token {token} at step {index}")
        curve[index] = current
    return curve


def contour_correlation(tokens_a, tokens_b):
    """How alike two melodies' contours are: the correlation of their pitch curves.

    Transposition does not change it; 1 is the same shape, 0 unrelated, -1 mirrored.

    Args:
        tokens_a, tokens_b: int arrays ``(steps,)`` of the same length.

    Returns:
        float in [-1, 1] (0 when either curve is flat or silent).
    """
    a, b = sounding_pitch(tokens_a), sounding_pitch(tokens_b)
    if a.shape != b.shape:
        raise ValueError(f"tokens_b: expected {a.shape[0]} steps, got {b.shape[0]}")
    both = ~(np.isnan(a) | np.isnan(b))
    if both.sum() < 2 or a[both].std() == 0 or b[both].std() == 0:
        return 0.0
    return float(np.corrcoef(a[both], b[both])[0, 1])


def transfer_style(model, tokens, target, *, strength=1.0, source=None, vectors=None,
                   temperature=0.0, seed=0):
    """Move melodies into another style.

    Args:
        model: a melody VAE, conditional or not.
        tokens: int array ``(batch, steps)``.
        target: the style to move to.
        strength: 0 keeps the melody's style, 1 is the full move (more than 1
            overshoots, for unconditional models only).
        source: the melodies' own style (needed by a conditional model; for an
            unconditional one its label vector is subtracted when given).
        vectors: ``{style: vector}`` from ``musiclab.vae.latent.label_vectors``
            (unconditional models only).
        temperature, seed: decoding settings.

    Returns:
        int16 array ``(batch, steps)``.
    """
    tokens = np.asarray(tokens)
    if tokens.ndim == 1:
        tokens = tokens[None]
    if style_names(model):
        if source is None:
            raise ValueError("source: a conditional VAE needs the melodies' own style")
        codes = encode(model, tokens, style=source)
        mix = style_vector(model, target, len(tokens), strength=min(strength, 1.0), source=source)
        return decode(model, codes, temperature=temperature, seed=seed, style=mix)
    if vectors is None or target not in vectors:
        known = sorted(vectors or {})
        raise ValueError(f"target: no label vector for {target!r} (have {known})")
    if source is not None and source not in vectors:
        raise ValueError(f"source: no label vector for {source!r}")
    shift = vectors[target] - (vectors[source] if source is not None else 0.0)
    codes = encode(model, tokens) + strength * shift[None].astype(np.float32)
    return decode(model, codes, temperature=temperature, seed=seed)


def style_gaussians(model, tokens, labels, *, per_style=1000, seed=0):
    """A Gaussian fit of each style's codes: where in the latent space a style lives.

    A conditional VAE's codes are encoded under each melody's own style.

    Args:
        model: a melody VAE.
        tokens: int array ``(n, steps)`` of melodies.
        labels: their style names ``(n,)``.
        per_style: at most this many melodies per style are encoded.
        seed: which melodies.

    Returns:
        ``{style: (mean (latent_dim,), cholesky factor (latent_dim, latent_dim))}``.
    """
    labels = np.asarray([str(label) for label in labels])
    rng = np.random.default_rng(seed)
    conditional = bool(style_names(model))
    fits = {}
    for name in sorted(set(labels.tolist())):
        rows = rng.permutation(np.flatnonzero(labels == name))[:per_style]
        if len(rows) < 2:
            raise ValueError(f"labels: style {name!r} needs at least 2 melodies")
        codes = encode(model, np.asarray(tokens)[rows], style=name if conditional else None)
        covariance = np.cov(codes.T.astype(np.float64)) + 1e-4 * np.eye(codes.shape[1])
        fits[name] = (codes.mean(axis=0), np.linalg.cholesky(covariance))
    return fits


def conditioned_samples(model, styles, per_style, *, temperature=1.0, seed=0, gaussians=None,
                        spread=1.0):
    """Samples for each requested style.

    Codes come from the prior N(0, I) (a conditional VAE only), or, with
    ``gaussians``, from each style's own region of the latent space (any VAE; a
    conditional one also decodes under the style).

    Args:
        model: a melody VAE.
        styles: style names.
        per_style: samples per style.
        temperature, seed: sampling settings.
        gaussians: optional ``style_gaussians`` of the model.
        spread: scale of the Gaussians' spread (below 1 stays nearer each style's centre).

    Returns:
        ``(tokens (len(styles) * per_style, steps), requested (len(styles) * per_style,))``.
    """
    conditional = bool(style_names(model))
    if gaussians is None and not conditional:
        raise ValueError("gaussians: an unconditional VAE needs each style's Gaussian")
    tokens, requested = [], []
    for offset, style in enumerate(styles):
        if gaussians is None:
            tokens.append(sample(model, per_style, temperature=temperature, seed=seed + offset,
                                 style=style))
        else:
            if style not in gaussians:
                raise ValueError(f"styles: no Gaussian for {style!r}")
            mean, factor = gaussians[style]
            noise = np.random.default_rng(seed + offset).standard_normal((per_style, len(mean)))
            codes = (mean + spread * noise @ factor.T).astype(np.float32)
            tokens.append(decode(model, codes, temperature=temperature, seed=seed + offset,
                                 style=style if conditional else None))
        requested.extend([style] * per_style)
    return np.concatenate(tokens), np.array(requested)


def measure_transfer(model, classifier, tokens, sources, targets, regions, *, strength=1.0,
                     vectors=None, temperature=0.0):
    """Recognition and contour figures of a style transfer.

    Args:
        model: a melody VAE (conditional, or unconditional with ``vectors``).
        classifier: a style classifier (the judge).
        tokens: int array ``(n, steps)`` of melodies to move.
        sources, targets: style names ``(n,)``: each melody's own style and where to move it.
        regions: the classifier's region names.
        strength: as for ``transfer_style``.

    Returns:
        dict: ``recognised_as_target`` (share), ``recognised_before`` (share of the
        originals already classified as the target, the baseline), ``contour_correlation``
        (mean), ``changed_steps`` (share of tokens that differ), ``melodies``.
    """
    sources, targets = np.asarray(sources), np.asarray(targets)
    moved = np.zeros_like(np.asarray(tokens), dtype=np.int16)
    for source in np.unique(sources):
        for target in np.unique(targets):
            rows = np.flatnonzero((sources == source) & (targets == target))
            if len(rows):
                moved[rows] = transfer_style(model, tokens[rows], str(target), strength=strength,
                                             source=str(source), vectors=vectors,
                                             temperature=temperature)
    names = np.asarray(regions)
    after = names[classify(classifier, moved)["region"].argmax(axis=1)]
    before = names[classify(classifier, tokens)["region"].argmax(axis=1)]
    return {"melodies": int(len(tokens)),
            "recognised_as_target": float((after == targets).mean()),
            "recognised_before": float((before == targets).mean()),
            "contour_correlation": float(np.mean([contour_correlation(a, b)
                                                  for a, b in zip(tokens, moved)])),
            "changed_steps": float((moved != tokens).mean())}
