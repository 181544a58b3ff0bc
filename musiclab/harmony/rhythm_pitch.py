"""Rhythm and pitch together: one shared trunk with two heads, against two single-task models.

A melody is a sequence of notes, each a pitch (or a rest) and a duration. A multi-task model
reads the notes so far through one LSTM (the shared trunk) and predicts the next note's pitch
and its duration with two heads, one loss each; the single-task baselines are the same network
with one head. ``compare`` trains all three on the same batches and scores each head on the
held-out tunes of the project's split (nats per note): does sharing the trunk cost accuracy,
and what does it save?

    data = note_data()                             # {split: (pitches, durations)}, (n, 33)
    rows = compare(data, steps=1500)               # multi-task vs pitch-only vs duration-only
"""

import time

import keras
import numpy as np

from musiclab.data.melody import tokens_to_notes
from musiclab.data.splits import corpus_pieces
from musiclab.nn.loop import set_seed
from musiclab.nn.sampling import softmax, token_negative_log_likelihood
from musiclab.vocab import FIRST_PITCH_TOKEN, HOLD, KEYS, LOWEST_PITCH, NOTE_OFF

REST = KEYS  # pitch classes 0..87 are the keys, 88 a rest
PITCH_CLASSES = KEYS + 1
MAX_DURATION = 16  # steps (a whole note at 16th notes); longer notes are capped
TASKS = ("pitch", "duration")


def notes_of(tokens):
    """A melody's ``(pitch_class, duration_class)`` per note and rest, in order.

    Returns:
        int arrays ``(notes,)``, ``(notes,)``: pitch 0..87 (key) or 88 (rest); duration
        0..15 for 1..16 steps.
    """
    pitches, durations, position = [], [], 0
    for onset, end, pitch in tokens_to_notes(tokens):
        if onset > position:
            pitches.append(REST)
            durations.append(min(onset - position, MAX_DURATION) - 1)
        pitches.append(pitch - LOWEST_PITCH)
        durations.append(min(end - onset, MAX_DURATION) - 1)
        position = end
    return np.array(pitches, np.int32), np.array(durations, np.int32)


def note_data(source="all", length=32):
    """Windows of ``length + 1`` notes from every tune of the project's split.

    Returns:
        ``{split: (pitches, durations)}``, int32 arrays ``(n, length + 1)``.
    """
    pieces, _, _ = corpus_pieces(source)
    data = {}
    for split, tunes in pieces.items():
        pitch_windows, duration_windows = [], []
        for tokens in tunes:
            pitches, durations = notes_of(tokens)
            for start in range(0, len(pitches) - length, length):
                pitch_windows.append(pitches[start:start + length + 1])
                duration_windows.append(durations[start:start + length + 1])
        data[split] = (np.array(pitch_windows, np.int32), np.array(duration_windows, np.int32))
    return data


def build(tasks=TASKS, units=128):
    """Previous notes ``[pitches, durations]`` ``(batch, steps)`` -> ``{task: logits}``."""
    pitch_in = keras.Input((None,), dtype="int32", name="previous_pitch")
    duration_in = keras.Input((None,), dtype="int32", name="previous_duration")
    h = keras.layers.Concatenate()([keras.layers.Embedding(PITCH_CLASSES, 48)(pitch_in),
                                    keras.layers.Embedding(MAX_DURATION, 16)(duration_in)])
    h = keras.layers.LSTM(units, return_sequences=True)(h)  # the shared trunk
    sizes = {"pitch": PITCH_CLASSES, "duration": MAX_DURATION}
    outputs = {task: keras.layers.Dense(sizes[task], name=task)(h) for task in tasks}
    model = keras.Model([pitch_in, duration_in], outputs, name="_".join(tasks))
    model.compile(keras.optimizers.Adam(2e-3),
                  loss={task: keras.losses.SparseCategoricalCrossentropy(from_logits=True)
                        for task in tasks})
    return model


def _pairs(pitches, durations):
    inputs = [pitches[:, :-1], durations[:, :-1]]
    return inputs, {"pitch": pitches[:, 1:], "duration": durations[:, 1:]}


def train(model, pitches, durations, *, steps, batch_size=64, seed=0):
    """``steps`` batches; returns the training seconds."""
    inputs, targets = _pairs(pitches, durations)
    targets = {task: targets[task] for task in model.output_names}
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for _ in range(steps):
        batch = rng.integers(0, len(pitches), batch_size)
        model.train_on_batch([part[batch] for part in inputs],
                             {task: target[batch] for task, target in targets.items()})
    return time.perf_counter() - started


def held_out(model, pitches, durations):
    """``{task: nats per note}`` on windows ``(n, steps + 1)``, and accuracy per task."""
    inputs, targets = _pairs(pitches, durations)
    chunks = [model([part[start:start + 256] for part in inputs], training=False)
              for start in range(0, len(pitches), 256)]
    scores = {}
    for task in model.output_names:
        logits = np.concatenate([np.asarray(chunk[task], np.float64) for chunk in chunks])
        nll = token_negative_log_likelihood(logits, targets[task])
        scores[f"{task}_nll"] = float(nll.mean())
        scores[f"{task}_accuracy"] = float((logits.argmax(-1) == targets[task]).mean())
    return scores


def compare(data, *, steps=1500, units=128, seed=0, train_windows=None):
    """Train the multi-task model and both single-task ones on the same batches.

    Args:
        data: ``note_data()``'s dictionary.
        steps: batches per model.
        train_windows: use only this many training windows (``None``: all).

    Returns:
        A list of rows ``{"model", "parameters", "seconds", "pitch_nll", ...}``.
    """
    pitches, durations = data["train"]
    if train_windows:
        pitches, durations = pitches[:train_windows], durations[:train_windows]
    rows = []
    for tasks in (TASKS, ("pitch",), ("duration",)):
        set_seed(seed)
        model = build(tasks, units)
        seconds = train(model, pitches, durations, steps=steps, seed=seed)
        rows.append({"model": " + ".join(tasks), "parameters": model.count_params(),
                     "seconds": seconds, **held_out(model, *data["test"])})
    return rows


def generate(model, *, notes=32, temperature=1.0, seed=0, primer=None):
    """Sample a melody note by note from a model with both heads.

    Args:
        model: a ``build(("pitch", "duration"))`` model.
        notes: notes (and rests) to add.
        temperature: divides both heads' logits.
        primer: ``(pitches, durations)`` to continue (default: one middle C quarter note).

    Returns:
        Melody tokens ``(steps,)`` (16th-note steps) of the primer and the new notes.
    """
    if set(model.output_names) != set(TASKS):
        raise ValueError(f"model: needs both heads {TASKS}, has {model.output_names}")
    rng = np.random.default_rng(seed)
    pitches, durations = primer if primer is not None else ([60 - LOWEST_PITCH], [3])
    pitches, durations = list(pitches), list(durations)
    for _ in range(notes):
        outputs = model([np.array([pitches], np.int32), np.array([durations], np.int32)],
                        training=False)
        for task, chosen in (("pitch", pitches), ("duration", durations)):
            logits = np.asarray(outputs[task], np.float64)[0, -1] / max(temperature, 1e-6)
            chosen.append(int(rng.choice(len(logits), p=softmax(logits))))
    tokens = []
    for pitch, duration in zip(pitches, durations):
        head = NOTE_OFF if pitch == REST else pitch + FIRST_PITCH_TOKEN  # key k: token k + 2
        tokens += [head] + [HOLD] * duration
    return np.array(tokens, np.int16)
