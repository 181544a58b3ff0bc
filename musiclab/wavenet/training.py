"""Training a WaveNet, and its held-out likelihood on whole pieces."""

import numpy as np

from musiclab.data.sequences import padded_batches, random_batch
from musiclab.data.splits import SPLIT, corpus_pieces
from musiclab.nn.config import config_of
from musiclab.nn.loop import run_training
from musiclab.nn.sampling import key_negative_log_likelihood, log_mean_exp, log_softmax
from musiclab.sound.audio import render_note
from musiclab.sound.features import mu_law_encode
from musiclab.wavenet.model import build_wavenet

HELD_OUT_VELOCITY = 100  # audio head: its notes are judged at a velocity never trained on


def train_wavenet(config, train_pieces, valid_pieces, *, steps, folder, batch_size=16,
                  train_labels=None, valid_labels=None, checkpoint_every=200, seed=0,
                  progress=True, on_checkpoint=None, time_limit=None):
    """Train (or resume training) a WaveNet on random crops of whole pieces.

    Args:
        config: a ``WaveNetConfig`` (its ``window`` is the crop length, ``transpose``
            the augmentation).
        train_pieces, valid_pieces: lists of melodies ``(steps,)`` (melody head) or
            piano rolls ``(steps, 88)`` (piano-roll head).
        steps: total optimisation steps wanted (a resumed run does only the rest).
        folder: the run's folder (created if needed).
        batch_size: crops per step.
        train_labels, valid_labels: style indices per piece, for a conditioned model.
        checkpoint_every: steps between validation and checkpoints.
        seed: seed for initialisation and batches.
        progress: show a progress bar.
        on_checkpoint: optional ``(model, history_entry) -> None``.
        time_limit: optional seconds of training (see ``nn.loop.run_training``).

    Returns:
        ``(model, state)`` as ``run_training``; the history has ``valid_loss``
        (``frame_nll`` for piano rolls, ``token_nll`` for melodies, nats per step).
    """
    expected_ndim = 2 if config.head == "pianoroll" else 1
    for name, pieces in (("train_pieces", train_pieces), ("valid_pieces", valid_pieces)):
        if not len(pieces) or any(np.ndim(piece) != expected_ndim for piece in pieces):
            kind = "melodies (steps,)" if expected_ndim == 1 else "piano rolls (steps, 88)"
            raise ValueError(f"{name}: expected a non-empty list of {kind}")
    if bool(config.styles) != (train_labels is not None):
        raise ValueError("train_labels: give style labels exactly when the config has styles")
    if batch_size < 1:
        raise ValueError("batch_size: must be at least 1")

    def train_batch(model, rng):
        sequences, mask, labels = random_batch(train_pieces, config.window, batch_size, rng,
                                               config.transpose, train_labels)
        inputs = sequences if labels is None else [sequences, labels]
        result = model.train_on_batch(inputs, sequences, sample_weight=mask)
        return result[0] if isinstance(result, list | tuple) else result

    def validate(model):
        scores = sequence_scores(model, valid_pieces, labels=valid_labels)
        key = "frame_nll" if config.head == "pianoroll" else "token_nll"
        return {"valid_loss": scores[key], **{f"valid_{name}": value
                                              for name, value in scores.items()
                                              if name != "steps"}}

    return run_training(folder, config, build=lambda: build_wavenet(config),
                        train_batch=train_batch, validate=validate, steps=steps,
                        checkpoint_every=checkpoint_every, seed=seed, progress=progress,
                        show=("valid_loss",), on_checkpoint=on_checkpoint,
                        time_limit=time_limit)


def sequence_scores(model, pieces, *, labels=None, batch_size=16):
    """Held-out scores of a WaveNet (or an ensemble) on whole pieces, every step predicted
    from the steps before.

    For a piano-roll model, ``frame_nll`` is the frame-level negative log-likelihood
    of the polyphonic-music benchmarks (Boulanger-Lewandowski et al. 2012; the TCN
    paper's table 3): at every step the sum over the 88 keys of the binary
    cross-entropy (nats), averaged over all steps of all pieces, the first step of
    each piece included (predicted from nothing). For a melody model,
    ``token_nll`` (nats per step) and ``accuracy`` (share of steps whose most likely
    token is right).

    Args:
        model: a WaveNet, or a list of WaveNets with the same head: an ensemble whose
            probabilities are averaged.
        pieces: list of melodies ``(steps,)`` or piano rolls ``(steps, 88)``.
        labels: style labels ``(len(pieces),)`` for a conditioned model.
        batch_size: pieces per pass.

    Returns:
        A dict with ``steps`` and the scores above.
    """
    models = list(model) if isinstance(model, list | tuple) else [model]
    if not len(pieces):
        raise ValueError("pieces: nothing to evaluate")
    roll = np.asarray(pieces[0]).ndim == 2
    total, steps, correct = 0.0, 0, 0
    for sequences, mask, batch_labels in padded_batches(pieces, batch_size, labels=labels):
        inputs = sequences if batch_labels is None else [sequences, batch_labels]
        outputs = [np.asarray(member.predict_on_batch(inputs), np.float64) for member in models]
        if roll:
            losses = -log_mean_exp([-key_negative_log_likelihood(logits, sequences)
                                    for logits in outputs]).sum(axis=-1)
        else:
            log_probabilities = log_mean_exp([log_softmax(logits) for logits in outputs])
            losses = -np.take_along_axis(log_probabilities, sequences[..., None], -1)[..., 0]
            correct += int(((log_probabilities.argmax(axis=-1) == sequences) * mask).sum())
        total += float((losses * mask).sum())
        steps += int(mask.sum())
    if roll:
        return {"steps": steps, "frame_nll": total / steps}
    return {"steps": steps, "token_nll": total / steps, "accuracy": correct / steps}


def note_label(instrument, pitch):
    """The style name of an audio WaveNet's condition: ``"violin 67"``."""
    return f"{instrument} {int(pitch)}"


def audio_notes(labels, velocities, sample_rate, *, seconds=1.0):
    """Soundfont notes as mu-law samples, one per label and velocity: an audio WaveNet's data.

    Args:
        labels: condition names (``note_label``); velocities: MIDI velocities.

    Returns:
        ``(pieces, label_indices)``: int32 arrays ``(seconds * sample_rate,)`` and an int32
        array of indices into ``labels``.
    """
    pieces, indices = [], []
    for index, label in enumerate(labels):
        instrument, _, pitch = label.rpartition(" ")
        for velocity in velocities:
            pieces.append(mu_law_encode(render_note(instrument, int(pitch), velocity=velocity,
                                                    seconds=seconds, sample_rate=sample_rate)))
            indices.append(index)
    return pieces, np.array(indices, np.int32)


def held_out(model):
    """A WaveNet's figures for its card: a melody model on the test split of the bundled
    corpus; an audio model on its notes at a velocity it never heard (nats per sample).

    Returns:
        ``{"data": {...}, "held_out": {"token_nll", "accuracy", "steps"}}``.
    """
    config = config_of(model)
    if config.head == "audio":
        pieces, labels = audio_notes(config.styles, (HELD_OUT_VELOCITY,), config.sample_rate)
        scores = sequence_scores(model, pieces, labels=labels)
        return {"data": {"notes": "soundfont notes, 1 s each", "velocity": HELD_OUT_VELOCITY,
                         "sample_rate": config.sample_rate, "conditions": list(config.styles)},
                "held_out": {key: float(value) for key, value in scores.items()}}
    pieces, labels, _ = corpus_pieces("all", config.head, bool(config.styles))
    scores = sequence_scores(model, pieces["test"],
                             labels=None if labels is None else labels["test"])
    return {"data": {"corpus": "all", "split": SPLIT, "styles": list(config.styles),
                     "train_pieces": len(pieces["train"]), "test_pieces": len(pieces["test"])},
            "held_out": {key: float(value) for key, value in scores.items()}}
