"""Style labels, the style classifier's training and its verdicts.

The corpus labels each tune with a region (``bach``, ``chinese``, ``european``,
``irish``, ``fiddle``) and fiddle tunes with a dance type. The classifier in
``musiclab.models.style_classifier`` learns both from random crops of whole
tunes (class-balanced, since European songs outnumber Bach chorales 20 to 1)
and then judges conditioned samples and style transfer.
"""

import numpy as np

from musiclab.data.melody import FIRST_PITCH_TOKEN


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


def labelled_tunes(corpus, regions, dances, minimum_steps=32):
    """Whole tunes with at least one label, long enough to crop.

    Args:
        corpus: a ``Corpus`` (or one split of it).
        regions, dances: the label names.
        minimum_steps: shorter tunes are left out.

    Returns:
        ``(tunes, region_index, dance_index)``: a list of int16 token arrays and
        two int32 arrays.
    """
    region, dance = style_labels(corpus.metadata, regions, dances)
    keep = [index for index in range(len(corpus))
            if (region[index] >= 0 or dance[index] >= 0)
            and len(corpus.tune_tokens(index)) >= minimum_steps]
    return ([corpus.tune_tokens(index) for index in keep], region[keep], dance[keep])


def _has_note(tokens):
    return bool((np.asarray(tokens) >= FIRST_PITCH_TOKEN).any())


def crop_batch(tunes, region_index, dance_index, steps, batch_size, rng, group_power=0.0):
    """A class-balanced batch of random crops.

    Each row picks a group (one group per region, plus one for the tunes with a
    dance label), a tune of that group, and a crop of it that holds at least one
    note. Groups are picked with probability proportional to ``size ** group_power``:
    0 is uniform (fully balanced), 1 follows the data, 0.5 is in between.

    Returns:
        ``(tokens (batch, steps) int32, region (batch,), dance (batch,))``.
    """
    groups = [np.flatnonzero(region_index == label) for label in np.unique(region_index)
              if label >= 0]
    groups.append(np.flatnonzero(dance_index >= 0))
    groups = [group for group in groups if len(group)]
    weights = np.array([len(group) for group in groups], np.float64) ** group_power
    picks = rng.choice(len(groups), size=batch_size, p=weights / weights.sum())
    tokens = np.zeros((batch_size, steps), np.int32)
    chosen = np.zeros(batch_size, np.int64)
    for row in range(batch_size):
        group = groups[picks[row]]
        tune = group[rng.integers(len(group))]
        for _ in range(8):
            start = rng.integers(0, len(tunes[tune]) - steps + 1)
            crop = tunes[tune][start:start + steps]
            if _has_note(crop):
                break
        tokens[row], chosen[row] = crop, tune
    return tokens, region_index[chosen], dance_index[chosen]


def tune_crops(tune, steps, hop=None):
    """Consecutive crops of a tune (those holding a note). Returns ``(n, steps)`` int32."""
    hop = steps if hop is None else hop
    crops = [tune[start:start + steps] for start in range(0, len(tune) - steps + 1, hop)]
    crops = [crop for crop in crops if _has_note(crop)]
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
            values = np.asarray(logits[head], np.float64)
            values = np.exp(values - values.max(axis=-1, keepdims=True))
            outputs[head].append(values / values.sum(axis=-1, keepdims=True))
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


def train_style_classifier(config, train, valid, steps, folder, batch_size=64,
                           checkpoint_every=200, seed=0, progress=True, on_checkpoint=None,
                           time_limit=None):
    """Train (or resume training) a style classifier on balanced random crops.

    Args:
        config: a ``StyleClassifierConfig``.
        train, valid: ``(tunes, region_index, dance_index)`` as from ``labelled_tunes``.
        steps: total optimisation steps wanted (a resumed run does only the rest).
        folder: the run's folder.
        batch_size, checkpoint_every, seed, progress, on_checkpoint, time_limit:
            as for ``musiclab.training.run_training``.

    Returns:
        ``(model, state)``; the history has ``valid_loss`` (region cross-entropy on
        a fixed balanced set of validation crops) and ``valid_accuracy`` (balanced).
    """
    from musiclab.models.style_classifier import build_style_classifier, load_style_classifier
    from musiclab.training import run_training

    for name, part in (("train", train), ("valid", valid)):
        if len(part) != 3 or not len(part[0]) or not (np.asarray(part[1]) >= 0).any():
            raise ValueError(f"{name}: expected (tunes, region_index, dance_index) with "
                             f"region labels")
    valid_tokens, valid_region, _ = crop_batch(*valid, config.steps, 1024,
                                               np.random.default_rng(seed + 1))
    known = valid_region >= 0

    def train_batch(model, rng):
        tokens, region, dance = crop_batch(*train, config.steps, batch_size, rng,
                                           config.group_power)
        result = model.train_on_batch(tokens, {"region": region, "dance": dance})
        return result[0] if isinstance(result, list | tuple) else result

    def validate(model):
        probabilities = classify(model, valid_tokens[known])["region"]
        truth = valid_region[known]
        loss = -np.log(probabilities[np.arange(len(truth)), truth] + 1e-12).mean()
        matrix = confusion_matrix(truth, probabilities.argmax(axis=1), len(config.regions))
        return {"valid_loss": float(loss), "valid_accuracy": balanced_accuracy(matrix)}

    return run_training(folder, config, lambda: build_style_classifier(config),
                        load_style_classifier, train_batch, validate, steps, checkpoint_every,
                        seed, progress, show=("valid_accuracy",), on_checkpoint=on_checkpoint,
                        time_limit=time_limit)


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
