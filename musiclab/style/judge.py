"""The style classifier's verdicts: probabilities, per-tune votes, confusion matrices,
and how often generated melodies are recognised as the style they were asked for.

The classifier (``musiclab.style.classifier``) is the judge of everything style-related
in musiclab: conditioned samples, style transfer.
"""

import numpy as np

from musiclab.nn.sampling import softmax
from musiclab.vocab import FIRST_PITCH_TOKEN


def has_note(tokens):
    """Whether melody tokens hold at least one note."""
    return bool((np.asarray(tokens) >= FIRST_PITCH_TOKEN).any())


def tune_crops(tune, steps, hop=None):
    """Consecutive crops of a tune (those holding a note). Returns ``(n, steps)`` int32."""
    hop = steps if hop is None else hop
    crops = [tune[start:start + steps] for start in range(0, len(tune) - steps + 1, hop)]
    crops = [crop for crop in crops if has_note(crop)]
    return np.array(crops, np.int32).reshape(-1, steps)


def classify(model, tokens, batch_size=512):
    """Class probabilities of melodies.

    Args:
        model: a style classifier.
        tokens: int array ``(batch, steps)``.

    Returns:
        ``{"region": (batch, regions), "dance": (batch, dances)}`` float arrays.
    """
    tokens = np.asarray(tokens, np.int32)
    if tokens.ndim != 2 or tokens.shape[1] < 1 or len(tokens) == 0:
        raise ValueError(f"tokens: expected shape (batch, steps), got {tokens.shape}")
    outputs = {"region": [], "dance": []}
    for start in range(0, len(tokens), batch_size):
        logits = model.predict_on_batch(tokens[start:start + batch_size])
        for head in outputs:
            outputs[head].append(softmax(logits[head]))
    return {head: np.concatenate(parts) for head, parts in outputs.items()}


def confusion_matrix(truth, predicted, classes):
    """Counts ``(classes, classes)``: row = true class, column = predicted class."""
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (np.asarray(truth), np.asarray(predicted)), 1)
    return matrix


def balanced_accuracy(matrix):
    """Mean recall over the classes that occur."""
    totals = matrix.sum(axis=1)
    present = totals > 0
    return float((np.diag(matrix)[present] / totals[present]).mean())


def evaluate_style_classifier(model, tunes, region_index, dance_index, steps=32):
    """Held-out figures of a style classifier, per crop and per tune.

    A tune's verdict averages the log-probabilities of its consecutive crops.

    Args:
        model: a style classifier.
        tunes, region_index, dance_index: as returned by ``labelled_tunes``.
        steps: crop length.

    Returns:
        dict with ``crop_accuracy``, ``crop_balanced_accuracy``, ``tune_accuracy``,
        ``tune_balanced_accuracy`` and ``confusion`` (tune level, rows true) for the
        regions, ``dance_tune_accuracy`` and ``dance_confusion`` for the dances,
        and the counts ``crops`` and ``tunes``.
    """
    crops, owners = crops_of_tunes(tunes, steps)
    probabilities = classify(model, crops)
    result = {"crops": int(len(crops)), "tunes": int(len(set(owners.tolist())))}
    for head, labels, prefix in (("region", region_index, ""), ("dance", dance_index, "dance_")):
        classes = probabilities[head].shape[1]
        labelled = labels[owners] >= 0
        if not labelled.any():
            continue
        crop_truth = labels[owners][labelled]
        crop_guess = probabilities[head][labelled].argmax(axis=1)
        tune_ids = np.unique(owners[labelled])
        tune_guess = _mean_per_tune(np.log(probabilities[head] + 1e-12), owners,
                                    len(tunes))[tune_ids].argmax(axis=1)
        tune_matrix = confusion_matrix(labels[tune_ids], tune_guess, classes)
        crop_matrix = confusion_matrix(crop_truth, crop_guess, classes)
        result.update({
            f"{prefix}crop_accuracy": float((crop_truth == crop_guess).mean()),
            f"{prefix}crop_balanced_accuracy": balanced_accuracy(crop_matrix),
            f"{prefix}tune_accuracy": float((labels[tune_ids] == tune_guess).mean()),
            f"{prefix}tune_balanced_accuracy": balanced_accuracy(tune_matrix),
            f"{prefix}confusion": tune_matrix.tolist()})
    return result


def tune_log_probabilities(model, tunes, steps=32):
    """A verdict per tune: the mean log-probability of its consecutive crops.

    Args:
        model: a style classifier.
        tunes: melodies, each int ``(length,)`` (lengths may differ).
        steps: crop length.

    Returns:
        ``{"region": (tunes, regions), "dance": (tunes, dances)}`` float arrays; a tune
        without a crop that holds a note gets ``-inf`` everywhere.
    """
    crops, owners = crops_of_tunes(tunes, steps)
    if not len(owners):
        raise ValueError(f"tunes: none holds a note in a crop of {steps} steps")
    return {head: _mean_per_tune(np.log(values + 1e-12), owners, len(tunes))
            for head, values in classify(model, crops).items()}


def crops_of_tunes(tunes, steps):
    """Every tune's consecutive crops (see ``tune_crops``), stacked.

    Returns:
        ``(crops (n, steps) int32, owners (n,) int64)``: each crop and the index of its tune.
    """
    pieces = [tune_crops(np.asarray(tune), steps) for tune in tunes]
    owners = np.repeat(np.arange(len(pieces)), [len(piece) for piece in pieces])
    return np.concatenate(pieces or [np.zeros((0, steps), np.int32)]), owners.astype(np.int64)


def _mean_per_tune(values, owners, count):
    """Mean of the rows of ``values`` per owner ``(count, columns)``; ``-inf`` for none."""
    totals = np.zeros((count, values.shape[1]))
    np.add.at(totals, owners, values)
    counts = np.bincount(owners, minlength=count)[:, None]
    return np.where(counts > 0, totals / np.maximum(counts, 1), -np.inf)


def recognition_rates(model, tokens, requested, regions, crop_steps=None):
    """How often melodies are recognised as the region they were asked for.

    Args:
        model: a style classifier.
        tokens: int array ``(n, steps)`` of generated melodies.
        requested: region names ``(n,)`` they were generated for.
        regions: the classifier's region names.
        crop_steps: ``None`` judges each melody whole; a number judges it as a tune,
            by its consecutive crops of that length (see ``tune_log_probabilities``),
            as the classifier's per-tune accuracy is measured.

    Returns:
        ``{"overall": rate, region: rate, ...}`` for the regions requested.
    """
    requested = np.asarray([str(name) for name in requested])
    unknown = sorted(set(requested.tolist()) - set(regions))
    if unknown:
        raise ValueError(f"requested: regions {unknown} are not among {list(regions)}")
    if crop_steps is None:
        scores = classify(model, tokens)["region"]
    else:
        scores = tune_log_probabilities(model, tokens, crop_steps)["region"]
    guessed = np.asarray(regions)[scores.argmax(axis=1)]
    guessed[~np.isfinite(scores).any(axis=1)] = ""
    rates = {"overall": float((guessed == requested).mean())}
    for name in sorted(set(requested.tolist())):
        rates[name] = float((guessed[requested == name] == name).mean())
    return rates

