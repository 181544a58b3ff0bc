"""Training a Transformer (or its LSTM baseline), held-out likelihood, and the scaling law."""

import math
import time

import numpy as np

from musiclab.data.splits import SPLIT
from musiclab.nn.config import config_of
from musiclab.nn.loop import run_training
from musiclab.nn.sampling import log_softmax
from musiclab.transformer.model import LSTMConfig, TransformerConfig, build, parameter_count
from musiclab.transformer.tokens import melody_data
from musiclab.vocab import FIRST_PITCH_TOKEN, KEYS, VOCABULARY_SIZE

PAD_MULTIPLE = 64


def _transposed(crop, kind, semitones):
    """A crop moved by ``semitones`` when every pitch stays on the 88 keys, else as it is."""
    if kind == "melody":
        lowest, highest = FIRST_PITCH_TOKEN, VOCABULARY_SIZE - 1
    else:  # satb: 0 is silence, 1..88 pitches
        lowest, highest = 1, KEYS
    pitched = crop >= lowest
    moved = np.where(pitched, crop + semitones, crop)
    inside = (moved[pitched] >= lowest).all() and (moved[pitched] <= highest).all()
    return moved if inside else crop


def training_batch(data, config, batch_size, rng, split="train"):
    """Random crops of ``config.window`` tokens, each after its piece's prefix tokens.

    Returns:
        ``(inputs, targets, mask)``: int32 ``(batch, prefix + window - 1)`` twice (targets
        are the inputs one token on) and float32 of the same shape (1 where the target is
        a real content token).
    """
    pieces = data.pieces[split]
    lengths = np.array([len(piece) for piece in pieces], np.float64)
    chosen = rng.choice(len(pieces), size=batch_size, p=lengths / lengths.sum())
    window, prefix_length = config.window, config.prefix_length
    sequences = np.zeros((batch_size, prefix_length + window), np.int32)
    mask = np.zeros((batch_size, prefix_length + window - 1), np.float32)
    for row, index in enumerate(chosen):
        piece = pieces[index]
        start = int(rng.integers(0, len(piece) - window + 1)) if len(piece) > window else 0
        if data.kind == "satb":  # crops begin on a soprano token
            start -= start % 4
        crop = piece[start:start + window]
        if config.transpose and data.kind in ("melody", "satb"):
            crop = _transposed(crop, data.kind, int(rng.integers(-config.transpose,
                                                                   config.transpose + 1)))
        sequences[row, :prefix_length] = data.prefix(config, split, index)
        sequences[row, prefix_length:prefix_length + len(crop)] = crop
        mask[row, prefix_length - 1:prefix_length - 1 + len(crop)] = 1.0
    return sequences[:, :-1], sequences[:, 1:], mask


def train_transformer(config, data, *, steps, folder, batch_size=16, checkpoint_every=200,
                      seed=0, progress=True, on_checkpoint=None, time_limit=None):
    """Train (or resume training) a Transformer, or the LSTM baseline, on random crops.

    Args:
        config: a ``TransformerConfig`` (or ``LSTMConfig``) whose data fields match
            ``data.config_fields()``.
        data: a ``TokenData`` (``tokens.melody_data``, ``satb_data``, ``jsb_data``,
            ``remi_data``).
        steps: total optimisation steps wanted (a resumed run does only the rest).
        folder: the run's folder (created if needed).
        batch_size: crops per step.
        checkpoint_every: steps between validation and checkpoints.
        seed: seed for initialisation and batches.
        progress: show a progress bar.
        on_checkpoint: optional ``(model, history_entry) -> None``.
        time_limit: optional seconds of training (see ``nn.loop.run_training``).

    Returns:
        ``(model, state)`` as ``run_training``; the history has ``valid_loss`` (nats per
        token on the validation pieces, ``sequence_nll``) and ``tokens_seen``.
    """
    fields = data.config_fields()
    wrong = [name for name, value in fields.items() if getattr(config, name) != value]
    if wrong:
        raise ValueError(f"config: {', '.join(wrong)} differ from the data's "
                         "(build the config with **data.config_fields())")
    if batch_size < 1:
        raise ValueError("batch_size: must be at least 1")
    if not data.pieces["train"] or not data.pieces["valid"]:
        raise ValueError("data: needs training and validation pieces")

    def train_batch(model, rng):
        inputs, targets, mask = training_batch(data, config, batch_size, rng)
        result = model.train_on_batch(inputs, targets, sample_weight=mask)
        return result[0] if isinstance(result, list | tuple) else result

    def validate(model):
        scores = sequence_nll(model, data, split="valid")
        return {"valid_loss": scores["token_nll"], "valid_accuracy": scores["accuracy"]}

    model, state = run_training(folder, config, build=lambda: build(config),
                                train_batch=train_batch, validate=validate, steps=steps,
                                checkpoint_every=checkpoint_every, seed=seed, progress=progress,
                                show=("valid_loss",), on_checkpoint=on_checkpoint,
                                time_limit=time_limit)
    for entry in state["history"]:
        entry.setdefault("tokens_seen", entry["step"] * batch_size * config.window)
    return model, state


def evaluation_windows(length, span):
    """How ``sequence_nll`` covers a piece of ``length`` tokens when ``span`` content tokens
    fit in the context (``context - prefix_length + 1``, as the last token is only a target):
    pieces that fit are read whole; longer ones in windows of ``span`` tokens that
    advance by half a window, each scoring only the tokens the windows before it did not
    (so every token is predicted from at least half a window of its past).

    Returns:
        A list of ``(start, stop, first_scored)`` content positions.
    """
    if length <= span:
        return [(0, length, 0)]
    hop = max(1, span // 2)
    windows, scored = [], 0
    start = 0
    while scored < length:
        stop = min(start + span, length)
        windows.append((start, stop, scored))
        scored = stop
        start += hop
        if stop == length:
            break
    return windows


def sequence_nll(model, data, *, split="valid", batch_size=16):
    """Held-out negative log-likelihood of every token of every piece of a split.

    Every token is predicted from its piece's prefix token and the tokens before it
    (``evaluation_windows`` for pieces longer than the context), so the first token of a
    piece counts too: the same figure as the WaveNet's ``token_nll`` on the same split.

    Returns:
        ``{"token_nll": nats per token, "accuracy": share of tokens whose most likely
        prediction is right, "tokens": count}``.
    """
    config = config_of(model)
    shift = config.prefix_length - 1  # the position that predicts the first content token
    rows = []
    for index, piece in enumerate(data.pieces[split]):
        prefix = data.prefix(config, split, index)
        for start, stop, first in evaluation_windows(len(piece), config.context - shift):
            rows.append((prefix, piece[start:stop], first - start))
    rows.sort(key=lambda row: len(row[1]))
    total, correct, count = 0.0, 0, 0
    for first in range(0, len(rows), batch_size):
        batch = rows[first:first + batch_size]
        longest = shift + max(len(content) for _, content, _ in batch)
        width = min(-(-longest // PAD_MULTIPLE) * PAD_MULTIPLE, config.context)
        inputs = np.zeros((len(batch), width), np.int32)
        targets = np.zeros((len(batch), width), np.int32)
        mask = np.zeros((len(batch), width), np.float64)
        for row, (prefix, content, skip) in enumerate(batch):
            inputs[row, :len(prefix)] = prefix
            inputs[row, len(prefix):shift + len(content)] = content[:-1]
            targets[row, shift:shift + len(content)] = content
            mask[row, shift + skip:shift + len(content)] = 1.0
        log_probabilities = log_softmax(np.asarray(model.predict_on_batch(inputs)))
        chosen = np.take_along_axis(log_probabilities, targets[..., None], -1)[..., 0]
        total -= float((chosen * mask).sum())
        correct += int(((log_probabilities.argmax(-1) == targets) * mask).sum())
        count += int(mask.sum())
    return {"token_nll": total / count, "accuracy": correct / count, "tokens": count}


def fit_power_law(parameters, losses):
    """Fit ``loss = a * parameters ** -exponent`` by least squares in log-log space.

    Returns:
        ``{"a": ..., "exponent": ..., "r_squared": ...}``.
    """
    x, y = np.log(np.asarray(parameters, np.float64)), np.log(np.asarray(losses, np.float64))
    if len(x) < 2:
        raise ValueError("parameters: need at least two sizes to fit a power law")
    slope, intercept = np.polyfit(x, y, 1)
    fitted = slope * x + intercept
    residual = ((y - fitted) ** 2).sum()
    spread = ((y - y.mean()) ** 2).sum()
    return {"a": float(math.exp(intercept)), "exponent": float(-slope),
            "r_squared": float(1 - residual / spread) if spread else 1.0}


SCALING_SIZES = ((32, 1), (64, 2), (128, 4), (256, 6))  # (model_dim, layers): 0.02 to 5 M


def scaling_study(data, *, sizes=SCALING_SIZES, token_budget, folder, batch_size=16,
                  window=128, position="relative", seed=0, progress=False, report=print):
    """Train one Transformer per size on the same number of tokens; measure each.

    Args:
        data: a ``TokenData``.
        sizes: ``(model_dim, layers)`` pairs (heads of 32, feed-forward 4x).
        token_budget: training tokens per model (steps = budget / (batch * window)).
        folder: one sub-folder per size is written here (runs resume).
        batch_size, window, position: the same for every size.
        seed: seed of every run.
        progress: progress bars.
        report: called with one line per finished size.

    Returns:
        A list of dicts per size: ``model_dim``, ``layers``, ``parameters`` (without the
        embedding tables), ``compute`` (``6 N D`` floating-point operations of training),
        ``valid_nll``, ``seconds``.
    """
    steps = max(1, token_budget // (batch_size * window))
    results = []
    for model_dim, layers in sizes:
        config = config_for(data, model_dim, layers, window=window,
                            position=position, decay_steps=steps,
                            warmup_steps=min(100, steps // 10))
        started = time.perf_counter()
        model, state = train_transformer(config, data, steps=steps,
                                         folder=f"{folder}/d{model_dim}_l{layers}",
                                         batch_size=batch_size, checkpoint_every=steps,
                                         seed=seed, progress=progress)
        embeddings = config.vocabulary_size * config.model_dim * 2
        parameters = parameter_count(config) - embeddings
        results.append({"model_dim": model_dim, "layers": layers, "parameters": parameters,
                        "compute": 6.0 * parameters * steps * batch_size * window,
                        "valid_nll": state["history"][-1]["valid_loss"],
                        "seconds": time.perf_counter() - started})
        report(f"d={model_dim} layers={layers}: {parameters:,} parameters, valid NLL "
               f"{results[-1]['valid_nll']:.3f} nats/token, {results[-1]['seconds']:.0f} s")
    return results


def config_for(data, model_dim, layers, **changes):
    """A ``TransformerConfig`` for ``data`` of a size (see ``TransformerConfig.sized``)."""
    return TransformerConfig.sized(model_dim, layers, **data.config_fields(), **changes)


def lstm_config_for(data, *, units=256, layers=2, **changes):
    """The LSTM baseline's config for ``data``."""
    return LSTMConfig(units=units, layers=layers, model_dim=64, heads=1,
                      **data.config_fields(), **changes)


def held_out(model):
    """A melody Transformer's (or LSTM's) held-out NLL on the valid and test splits, for its
    model card.

    Returns:
        ``{"data": {...}, "held_out": {"valid": {...}, "test": {...}}}`` (``sequence_nll``).
    """
    config = config_of(model)
    if config.data != "melody":
        raise ValueError(f"model: cards are measured on melody models, this one reads "
                         f"{config.data} tokens")
    data = melody_data(styles=bool(config.styles), dances=bool(config.dances))
    return {"data": {"corpus": "all", "split": SPLIT, "styles": list(config.styles),
                     "dances": list(config.dances), "train_tokens": data.tokens("train"),
                     "valid_tokens": data.tokens("valid"), "test_tokens": data.tokens("test")},
            "held_out": {split: sequence_nll(model, data, split=split)
                         for split in ("valid", "test")}}
