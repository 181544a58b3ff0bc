"""The one train / validation / test split every family uses, by piece.

Splits are made by piece (a hash of file and tune number), so no tune's windows
straddle two splits and every model is judged on the same held-out tunes: the
VAE's, the WaveNet's and a new family's likelihoods compare.
"""

import numpy as np

from musiclab.data.augment import augment as augment_windows
from musiclab.data.bundled import load_corpus

SPLIT = {"valid": 0.05, "test": 0.05, "seed": 0}


def load_splits(source="all"):
    """A corpus split by piece with ``SPLIT``.

    Args:
        source: a collection name, ``"all"``, or a folder of the user's files.

    Returns:
        ``{"train": Corpus, "valid": Corpus, "test": Corpus}``.
    """
    return load_corpus(source).split(**SPLIT)


def corpus_windows(source="all", bars=2, steps_per_bar=16, *, augment=None):
    """Training, validation and test windows of a corpus, split by piece.

    Args:
        source: a collection name, ``"all"``, or a folder of the user's files.
        bars: window length in bars.
        steps_per_bar: steps per bar.
        augment: settings of ``musiclab.data.augment.augment`` for the training windows,
            e.g. ``{"transpose": range(-5, 7), "retrograde": True}`` (held-out splits are
            never augmented).

    Returns:
        ``{"train": tokens, "valid": tokens, "test": tokens}``, each ``(n, bars * steps_per_bar)``.
    """
    splits = load_splits(source)
    windows = {name: part.windows(bars=bars, steps_per_bar=steps_per_bar).tokens
               for name, part in splits.items()}
    if augment:
        windows["train"] = augment_windows(windows["train"], **augment)
    return windows


def corpus_pieces(source="all", head="melody", styles=False):
    """Whole tunes of a corpus for a sequence model, split by piece.

    Args:
        source: a collection name, ``"all"``, or a folder of the user's files.
        head: ``"melody"`` (token sequences) or ``"pianoroll"`` (every voice of a
            chorale, the melody of other tunes, as ``(steps, 88)`` rolls).
        styles: also return each tune's region as a style label.

    Returns:
        ``(pieces, labels, names)``: ``{split: [piece, ...]}``; ``{split: int array}`` of
        style indices (or ``None``); the style names (``()`` without styles).
    """
    splits = load_splits(source)
    pieces = {}
    for name, part in splits.items():
        if head == "melody":
            pieces[name] = [part.tune_tokens(index) for index in range(len(part))]
        else:
            pieces[name] = [part.pianoroll(index) for index in range(len(part))]
    if not styles:
        return pieces, None, ()
    names = tuple(sorted({str(region) for part in splits.values()
                          for region in part.metadata["region"]}))
    labels = {name: np.array([names.index(str(region)) for region in part.metadata["region"]],
                             np.int32) for name, part in splits.items()}
    return pieces, labels, names


def style_labels(metadata, regions, dances):
    """Region and dance indices of tunes (``-1`` where a tune has no such label).

    Args:
        metadata: a corpus's metadata (``region`` and ``dance`` columns).
        regions, dances: the label names, in head order.

    Returns:
        ``(region_index, dance_index)``: int32 arrays ``(tunes,)``.
    """
    lookup_region = {name: index for index, name in enumerate(regions)}
    lookup_dance = {name: index for index, name in enumerate(dances)}
    region = np.array([lookup_region.get(str(value), -1) for value in metadata["region"]],
                      np.int32)
    dance = np.array([lookup_dance.get(str(value), -1) for value in metadata["dance"]], np.int32)
    return region, dance


def style_windows(corpus, styles, bars=2, steps_per_bar=16):
    """Windows of the tunes whose region is one of ``styles``, with their style index.

    Args:
        corpus: a ``Corpus`` (or one split of it).
        styles: region names, in the order a conditional model uses.
        bars, steps_per_bar: window size (see ``Corpus.windows``).

    Returns:
        ``(tokens (n, bars * steps_per_bar), style_index (n,) int32)``.
    """
    windows = corpus.windows(bars=bars, steps_per_bar=steps_per_bar)
    region, _ = style_labels(corpus.metadata, styles, ())
    labels = region[windows.tune_index]
    keep = labels >= 0
    return windows.tokens[keep], labels[keep]
