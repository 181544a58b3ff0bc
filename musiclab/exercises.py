"""Checked exercises: each lesson's student functions, run on fixed inputs, with a hint.

    from musiclab.exercises import check

    def reparameterize(z_mean, z_log_var, epsilon):
        return z_mean + epsilon * np.exp(0.5 * z_log_var)

    check("reparameterize", reparameterize)     # shows "correct ..." or what is wrong

``check`` calls the student's function on fixed and random inputs and compares it with the
expected outputs; where the exercise is differentiable it also compares gradients (central
differences, so NumPy, Keras or JAX code all work). When an answer is wrong it names the
mistake if it is a known one ("exp(z_log_var) is the variance; the noise is scaled by the
standard deviation, exp(0.5 * z_log_var)") and otherwise shows the first input where it
differs. It never raises: a notebook with unsolved exercises still runs top to bottom.
The model answers are in ``notebooks/solutions/``; ``tests/test_exercises.py`` runs each
through its check, and a wrong answer for each, to prove the checks catch it.
"""

import dataclasses
import math

import numpy as np

from musiclab.sound import features

LOG2 = math.log(2.0)


@dataclasses.dataclass
class Result:
    """What ``check`` found: ``passed`` and the message shown in the notebook."""

    name: str
    passed: bool
    message: str

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return ("correct: " if self.passed else "not yet: ") + f"{self.name}: {self.message}"


@dataclasses.dataclass
class Exercise:
    """One exercise: its lesson, task, expected behaviour and the mistakes it recognises."""

    name: str
    lesson: str
    task: str
    reference: object
    cases: object  # rng -> list of argument tuples
    mistakes: dict = dataclasses.field(default_factory=dict)  # hint -> a wrong function
    differentiable: tuple = ()  # indices of float arguments whose gradient is compared
    tolerance: float = 1e-4


EXERCISES = {}


def exercise(name, lesson, task, *, cases, mistakes=None, differentiable=(), tolerance=1e-4):
    """Register ``reference`` (the decorated function) as the expected answer of ``name``."""
    def decorate(reference):
        EXERCISES[name] = Exercise(name, lesson, task, reference, cases, mistakes or {},
                                   differentiable, tolerance)
        return reference
    return decorate


def exercises(lesson=None):
    """The registered exercises (of one lesson, e.g. ``"02"``), in order."""
    return [item for item in EXERCISES.values() if lesson is None or item.lesson == lesson]


def _value(output):
    if isinstance(output, tuple | list):
        return [np.asarray(part, dtype=np.float64) for part in output]
    return np.asarray(output, dtype=np.float64)


def _same(first, second, tolerance):
    if isinstance(first, list) or isinstance(second, list):
        return (isinstance(first, list) and isinstance(second, list) and len(first) == len(second)
                and all(_same(a, b, tolerance) for a, b in zip(first, second)))
    if first.shape != second.shape:
        return False
    both_infinite = np.isinf(first) & np.isinf(second) & (np.sign(first) == np.sign(second))
    close = np.isclose(first, second, rtol=tolerance, atol=tolerance, equal_nan=True)
    close |= both_infinite
    return bool(close.all())


def _call(function, arguments):
    with np.errstate(all="ignore"):  # an overflow is reported as a wrong value, with a hint
        return _value(function(*[np.array(a, copy=True) if isinstance(a, np.ndarray) else a
                                 for a in arguments]))


def _gradient(function, arguments, index, weights):
    """d sum(weights * f) / d arguments[index], by central differences."""
    point = np.asarray(arguments[index], dtype=np.float64)
    gradient = np.zeros_like(point)
    step = 1e-3
    for position in np.ndindex(point.shape):
        values = []
        for sign in (1, -1):
            moved = point.copy()
            moved[position] += sign * step
            changed = list(arguments)
            changed[index] = moved
            values.append(float(np.sum(weights * _call(function, changed))))
        gradient[position] = (values[0] - values[1]) / (2 * step)
    return gradient


def _short(array):
    text = np.array2string(np.asarray(array), precision=4, threshold=12, separator=", ")
    return text.replace("\n", " ")


def check(name, function):
    """Check a student's ``function`` against exercise ``name``.

    Args:
        name: the exercise (see ``exercises()``).
        function: the student's answer, called like the reference.

    Returns:
        A ``Result`` (true when correct); its text says what is right or wrong.
    """
    if name not in EXERCISES:
        raise ValueError(f"name: no exercise {name!r}; choose from {sorted(EXERCISES)}")
    item = EXERCISES[name]
    cases = item.cases(np.random.default_rng(0))
    for arguments in cases:
        try:
            got = _call(function, arguments)
        except NotImplementedError:
            return Result(name, False, "not answered yet: replace `raise NotImplementedError` "
                                       "with your code and run the cell again")
        except Exception as error:  # a student's bug: report it, never stop the notebook
            return Result(name, False, f"raised {type(error).__name__}: {error} "
                                       f"(inputs {', '.join(_short(a) for a in arguments)})")
        expected = _call(item.reference, arguments)
        if _same(got, expected, item.tolerance):
            continue
        for hint, wrong in item.mistakes.items():
            try:
                if all(_same(_call(function, case), _call(wrong, case), item.tolerance)
                       for case in cases):
                    return Result(name, False, hint)
            except Exception:  # a known mistake that cannot run on these inputs
                continue
        if not isinstance(got, list) and got.shape != np.shape(expected):
            return Result(name, False, f"returned shape {got.shape}, expected "
                                       f"{np.shape(expected)} (which axis did you reduce?)")
        return Result(name, False, f"for inputs {', '.join(_short(a) for a in arguments)} "
                                   f"expected {_short(expected)}, got {_short(got)}")
    for index in item.differentiable:
        arguments = cases[0]
        weights = np.random.default_rng(1).normal(size=np.shape(_call(item.reference,
                                                                      arguments)))
        if not np.allclose(_gradient(function, arguments, index, weights),
                           _gradient(item.reference, arguments, index, weights),
                           rtol=1e-2, atol=1e-3):
            return Result(name, False, f"the values are right but the gradient with respect "
                                       f"to argument {index + 1} is not: something in it "
                                       f"does not vary smoothly (rounding, a constant, argmax)")
    extra = ", gradients too" if item.differentiable else ""
    return Result(name, True, f"matches on {len(cases)} inputs{extra}")


# ---- helpers for the references ------------------------------------------------------------
def _softmax(logits, axis=-1):
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    exponent = np.exp(shifted)
    return exponent / exponent.sum(axis=axis, keepdims=True)


def _normal(shape):
    return lambda rng: rng.normal(size=shape)


# ---- 01 data and sound ---------------------------------------------------------------------
@exercise("midi_to_frequency", "01", "the frequency in Hz of MIDI pitches (A4 = 69 = 440 Hz)",
          cases=lambda rng: [(np.array([69, 60, 81, 21]),), (rng.integers(21, 109, 6),)],
          mistakes={"A4, 440 Hz, is MIDI pitch 69 (60 is middle C)":
                    lambda p: 440.0 * 2 ** ((p - 60) / 12),
                    "a semitone is a twelfth of an octave: divide the distance by 12":
                    lambda p: 440.0 * 2.0 ** (p - 69.0)})
def midi_to_frequency(pitch):
    return 440.0 * 2 ** ((np.asarray(pitch) - 69) / 12)


@exercise("steps_to_seconds", "01", "seconds taken by grid steps at a tempo (quarters a minute)",
          cases=lambda rng: [(16, 120.0, 4), (6, 90.0, 4), (12, 60.0, 12)],
          mistakes={"a quarter note lasts 60 / tempo seconds, not tempo / 60":
                    lambda steps, tempo, per_quarter: steps / per_quarter * tempo / 60,
                    "divide by the steps per quarter note first":
                    lambda steps, tempo, per_quarter: steps * 60 / tempo})
def steps_to_seconds(steps, tempo, steps_per_quarter):
    return steps / steps_per_quarter * 60.0 / tempo


@exercise("transpose", "01", "shift melody tokens by semitones, leaving NOTE_OFF and HOLD alone",
          cases=lambda rng: [(np.array([50, 1, 1, 0, 1, 52, 1, 53]), 3),
                             (np.array([40, 1, 0, 45, 1, 1, 1, 47]), -2)],
          mistakes={"NOTE_OFF (0) and HOLD (1) are not pitches: shift only tokens >= 2":
                    lambda tokens, semitones: tokens + semitones})
def transpose(tokens, semitones):
    tokens = np.asarray(tokens)
    return np.where(tokens >= 2, tokens + semitones, tokens)


@exercise("invert", "01", "mirror MIDI pitches around the first one (a melodic inversion)",
          cases=lambda rng: [(np.array([60, 62, 64, 65, 67]),), (rng.integers(50, 80, 7),)],
          mistakes={"mirror around the first pitch, p' = 2 p_0 - p, not around 0":
                    lambda pitches: -pitches,
                    "mirror around the first pitch, not the mean":
                    lambda pitches: 2 * pitches.mean() - pitches})
def invert(pitches):
    pitches = np.asarray(pitches)
    return 2 * pitches[0] - pitches


# ---- 02 melody VAE -------------------------------------------------------------------------
@exercise("reparameterize", "02", "z from the encoder's mean, log-variance and standard noise",
          cases=lambda rng: [(rng.normal(size=(2, 3)), rng.normal(size=(2, 3)),
                              rng.normal(size=(2, 3))) for _ in range(3)],
          mistakes={"exp(z_log_var) is the variance; scale the noise by the standard deviation, "
                    "exp(0.5 * z_log_var)": lambda m, v, e: m + e * np.exp(v),
                    "z_log_var is a log: take exp(0.5 * z_log_var) before scaling the noise":
                    lambda m, v, e: m + e * 0.5 * v,
                    "the noise is scaled and added to the mean, not multiplied by it":
                    lambda m, v, e: m * e * np.exp(0.5 * v)},
          differentiable=(0, 1))
def reparameterize(z_mean, z_log_var, epsilon):
    return z_mean + epsilon * np.exp(0.5 * z_log_var)


@exercise("kl_divergence", "02", "KL(N(mean, exp(log_var)) || N(0, I)) in nats, one per example",
          cases=lambda rng: [(rng.normal(size=(4, 5)), rng.normal(size=(4, 5)))
                             for _ in range(3)],
          mistakes={"KL has a factor 1/2: 0.5 * sum(exp(v) + m^2 - 1 - v)":
                    lambda m, v: np.sum(np.exp(v) + m ** 2 - 1 - v, -1),
                    "sum over the latent dimensions (KL of independent dimensions adds up)":
                    lambda m, v: 0.5 * np.mean(np.exp(v) + m ** 2 - 1 - v, -1),
                    "the sign is flipped: KL is never negative":
                    lambda m, v: -0.5 * np.sum(np.exp(v) + m ** 2 - 1 - v, -1)},
          differentiable=(0, 1))
def kl_divergence(z_mean, z_log_var):
    return 0.5 * np.sum(np.exp(z_log_var) + z_mean ** 2 - 1 - z_log_var, axis=-1)


@exercise("nats_to_bits", "02", "convert nats (natural log) to bits (log base 2)",
          cases=lambda rng: [(np.array([1.0, 0.0, 48.0 * LOG2]),), (rng.uniform(0, 100, 5),)],
          mistakes={"1 bit = ln 2 nats, so divide by ln 2": lambda n: n * LOG2,
                    "bits are log base 2, not base 10": lambda n: n / math.log(10)})
def nats_to_bits(nats):
    return np.asarray(nats) / LOG2


@exercise("free_bits_penalty", "02",
          "the KL penalty with a free-bits budget: nothing below the budget, the excess above",
          cases=lambda rng: [(np.array([10.0, 48.0, 60.0, 100.0]), 48.0),
                             (rng.uniform(0, 80, 6), 30.0)],
          mistakes={"below the budget the penalty must be 0, not negative: use max(kl - free, 0)":
                    lambda kl, free: kl - free,
                    "the penalty counts the bits above the budget, not the budget itself":
                    lambda kl, free: np.maximum(kl, free),
                    "keep the excess above the budget, not the part below":
                    lambda kl, free: np.minimum(kl, free)})
def free_bits_penalty(kl_bits, free_bits):
    return np.maximum(np.asarray(kl_bits) - free_bits, 0.0)


# ---- 03 WaveNet ----------------------------------------------------------------------------
@exercise("receptive_field", "03", "steps one output of a causal dilated stack sees",
          cases=lambda rng: [([2] * 10, [2 ** i for i in range(10)]),
                             ([5, 5, 3, 3], [1, 2, 4, 8]), ([3, 3], [1, 1])],
          mistakes={"count the current step too: 1 + sum((k - 1) * d)":
                    lambda sizes, dilations: sum((k - 1) * d for k, d in zip(sizes, dilations)),
                    "a kernel of k taps reaches k - 1 steps back, times the dilation":
                    lambda sizes, dilations: 1 + sum(k * d for k, d in zip(sizes, dilations))})
def receptive_field(kernel_sizes, dilations):
    return 1 + sum((size - 1) * dilation for size, dilation in zip(kernel_sizes, dilations))


@exercise("causal_padding", "03",
          "pad a sequence (steps, channels) so a dilated convolution never sees the future",
          cases=lambda rng: [(rng.normal(size=(6, 2)), 3, 2), (rng.normal(size=(5, 1)), 2, 4)],
          mistakes={"pad the past (the start), not the end":
                    lambda x, k, d: np.pad(x, [((0), (k - 1) * d), (0, 0)]),
                    "the dilation stretches the kernel: pad (k - 1) * dilation steps":
                    lambda x, k, d: np.pad(x, [((k - 1), 0), (0, 0)]),
                    "only the start: padding both ends lets outputs see the future":
                    lambda x, k, d: np.pad(x, [((k - 1) * d, (k - 1) * d), (0, 0)])})
def causal_padding(x, kernel_size, dilation):
    return np.pad(np.asarray(x), [((kernel_size - 1) * dilation, 0), (0, 0)])


@exercise("gated_activation", "03", "WaveNet's gate: tanh of the filter times sigmoid of the gate",
          cases=lambda rng: [(rng.normal(size=(3, 4)), rng.normal(size=(3, 4)))],
          mistakes={"tanh takes the filter and sigmoid the gate, not the other way round":
                    lambda f, g: 1 / (1 + np.exp(-f)) * np.tanh(g)},
          differentiable=(0, 1))
def gated_activation(filter_part, gate_part):
    return np.tanh(filter_part) * (1 / (1 + np.exp(-gate_part)))


@exercise("temperature_softmax", "03", "next-token probabilities at a temperature",
          cases=lambda rng: [(np.array([1.0, 2.0, 3.0]), 0.5), (rng.normal(size=5), 2.0),
                             (np.array([1000.0, 999.0, 0.0]), 1.0)],
          mistakes={"divide the logits by the temperature (T > 1 flattens, T < 1 sharpens)":
                    lambda logits, t: _softmax(logits * t),
                    "subtract the largest logit before exp, or large logits overflow":
                    lambda logits, t: np.exp(logits / t) / np.exp(logits / t).sum()},
          differentiable=(0,))
def temperature_softmax(logits, temperature):
    return _softmax(np.asarray(logits) / temperature)


# ---- 04 GAN --------------------------------------------------------------------------------
def _probabilities(rng, count=6):
    return rng.uniform(0.05, 0.95, count)


@exercise("discriminator_loss", "04",
          "binary cross-entropy of the discriminator: real -> 1, generated -> 0",
          cases=lambda rng: [(_probabilities(rng), _probabilities(rng)) for _ in range(2)],
          mistakes={"real examples are labelled 1 and generated ones 0, not the other way":
                    lambda real, fake: -np.mean(np.log(1 - real)) - np.mean(np.log(fake)),
                    "cross-entropy is minus the log-likelihood: mind the sign":
                    lambda real, fake: np.mean(np.log(real)) + np.mean(np.log(1 - fake))},
          differentiable=(0, 1))
def discriminator_loss(real_probability, fake_probability):
    return -np.mean(np.log(real_probability)) - np.mean(np.log(1 - fake_probability))


@exercise("generator_loss", "04", "the non-saturating generator loss, -mean log D(G(z))",
          cases=lambda rng: [(_probabilities(rng),), (np.array([0.01, 0.02, 0.5]),)],
          mistakes={"mean(log(1 - D(G(z)))) is the saturating minimax form: its gradient "
                    "vanishes when D rejects the fakes; minimise -mean(log D(G(z)))":
                    lambda fake: np.mean(np.log(1 - fake))},
          differentiable=(0,))
def generator_loss(fake_probability):
    return -np.mean(np.log(fake_probability))


@exercise("critic_loss", "04", "the Wasserstein critic's loss (without the penalty)",
          cases=lambda rng: [(rng.normal(size=6), rng.normal(size=6))],
          mistakes={"the critic scores real music high: minimise mean(fake) - mean(real)":
                    lambda real, fake: np.mean(real) - np.mean(fake)},
          differentiable=(0, 1))
def critic_loss(real_scores, fake_scores):
    return np.mean(fake_scores) - np.mean(real_scores)


@exercise("gradient_penalty", "04",
          "WGAN-GP's penalty from the critic's gradients at the mixed rolls (batch, ...)",
          cases=lambda rng: [(rng.normal(size=(4, 3, 2)),), (rng.normal(size=(3, 5)) * 0.1,)],
          mistakes={"penalise the norm, not the squared norm: (||g|| - 1)^2":
                    lambda g: np.mean((np.sum(g.reshape(len(g), -1) ** 2, -1) - 1) ** 2),
                    "one norm per example (over every axis but the batch), then the mean":
                    lambda g: (np.sqrt(np.sum(g ** 2)) - 1) ** 2,
                    "square the distance from 1: (||g|| - 1)^2":
                    lambda g: np.mean(np.abs(np.sqrt(np.sum(g.reshape(len(g), -1) ** 2, -1))
                                             - 1))},
          differentiable=(0,))
def gradient_penalty(gradients):
    norms = np.sqrt(np.sum(np.reshape(gradients, (len(gradients), -1)) ** 2, axis=-1))
    return np.mean((norms - 1.0) ** 2)


@exercise("mix_real_and_fake", "04",
          "points between real and generated rolls: alpha * real + (1 - alpha) * fake per example",
          cases=lambda rng: [(rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4, 2)),
                              rng.uniform(size=3))],
          mistakes={"alpha weighs the real roll, 1 - alpha the generated one":
                    lambda real, fake, alpha: (1 - alpha)[:, None, None] * real
                    + alpha[:, None, None] * fake},
          differentiable=(0, 1))
def mix_real_and_fake(real, fake, alpha):
    alpha = np.reshape(alpha, (-1,) + (1,) * (np.ndim(real) - 1))
    return alpha * real + (1 - alpha) * fake


# ---- 05 style ------------------------------------------------------------------------------
@exercise("balanced_accuracy", "05", "mean per-class recall of a confusion matrix (rows: truth)",
          cases=lambda rng: [(np.array([[50, 5, 0], [2, 8, 0], [1, 1, 3]]),),
                             (rng.integers(1, 30, (4, 4)),)],
          mistakes={"that is plain accuracy, dominated by the largest class: average the "
                    "recall of each class": lambda c: np.trace(c) / c.sum(),
                    "rows are the true classes: divide the diagonal by the row sums "
                    "(recall), not the column sums (precision)":
                    lambda c: np.mean(np.diag(c) / c.sum(0))})
def balanced_accuracy(confusion):
    confusion = np.asarray(confusion, dtype=np.float64)
    return np.mean(np.diag(confusion) / confusion.sum(axis=1))


@exercise("style_shift", "05",
          "move latent codes from one style's mean towards another's, by a strength",
          cases=lambda rng: [(rng.normal(size=(2, 4)), rng.normal(size=4), rng.normal(size=4),
                              0.7)],
          mistakes={"go from the source style towards the target: add target_mean - source_mean":
                    lambda z, s, t, a: z + a * (s - t),
                    "scale the move by the strength": lambda z, s, t, a: z + (t - s)},
          differentiable=(0,))
def style_shift(z, source_mean, target_mean, strength):
    return z + strength * (np.asarray(target_mean) - np.asarray(source_mean))


@exercise("retrograde_notes", "05",
          "play notes (onset, end, pitch) backwards within a length of steps",
          cases=lambda rng: [(np.array([[0, 4, 60], [4, 6, 62], [8, 16, 64]]), 16)],
          mistakes={"a note that ended at e starts at steps - e (and ends at steps - onset)":
                    lambda notes, steps: np.stack([steps - notes[::-1, 0], steps - notes[::-1, 1],
                                                   notes[::-1, 2]], 1),
                    "reverse the order of the notes too (first note first)":
                    lambda notes, steps: np.stack([steps - notes[:, 1], steps - notes[:, 0],
                                                   notes[:, 2]], 1)})
def retrograde_notes(notes, steps):
    notes = np.asarray(notes)[::-1]
    return np.stack([steps - notes[:, 1], steps - notes[:, 0], notes[:, 2]], axis=1)


# ---- 06 Transformer ------------------------------------------------------------------------
@exercise("causal_mask", "06", "which keys (columns) each query position (row) may attend to",
          cases=lambda rng: [(1,), (4,), (7,)],
          mistakes={"a position may attend to itself: keep the diagonal":
                    lambda n: np.tril(np.ones((n, n), bool), -1),
                    "rows are queries: query i sees keys 0..i (lower triangle)":
                    lambda n: np.triu(np.ones((n, n), bool))})
def causal_mask(length):
    return np.tril(np.ones((length, length), dtype=bool))


@exercise("top_k_filter", "06", "keep the k largest logits, set the others to -inf",
          cases=lambda rng: [(np.array([1.0, 3.0, 2.0, -1.0, 0.5]), 2), (rng.normal(size=8), 3),
                             (rng.normal(size=4), 4)],
          mistakes={"keep the largest logits, not the smallest":
                    lambda logits, k: np.where(logits <= np.sort(logits)[k - 1], logits,
                                               -np.inf),
                    "keep exactly k (compare with the k-th largest, inclusive)":
                    lambda logits, k: np.where(logits > np.sort(logits)[-k], logits, -np.inf)})
def top_k_filter(logits, k):
    logits = np.asarray(logits, dtype=np.float64)
    kth = np.sort(logits)[-k]
    return np.where(logits >= kth, logits, -np.inf)


def _top_p(logits, p, crossing=True):
    probabilities = _softmax(np.asarray(logits, dtype=np.float64))
    order = np.argsort(-probabilities)
    before = np.cumsum(probabilities[order]) - probabilities[order]
    keep_ranked = before < p if crossing else np.cumsum(probabilities[order]) <= p
    keep = np.zeros(len(logits), bool)
    keep[order] = keep_ranked
    return np.where(keep, logits, -np.inf)


@exercise("top_p_filter", "06",
          "nucleus sampling: keep the most probable tokens until their probability reaches p",
          cases=lambda rng: [(np.log(np.array([0.5, 0.3, 0.15, 0.05])), 0.7),
                             (np.log(np.array([0.1, 0.6, 0.3])), 0.5), (rng.normal(size=6), 0.9)],
          mistakes={"keep the token that crosses p too: the kept set must reach p":
                    lambda logits, p: _top_p(logits, p, crossing=False)})
def top_p_filter(logits, p):
    return _top_p(logits, p)


@exercise("attention", "06", "scaled dot-product attention with a boolean mask (True: may attend)",
          cases=lambda rng: [(rng.normal(size=(4, 8)), rng.normal(size=(4, 8)),
                              rng.normal(size=(4, 3)), np.tril(np.ones((4, 4), bool)))],
          mistakes={"scale the scores by 1 / sqrt(d), the key width, before the softmax":
                    lambda q, k, v, m: _softmax(np.where(m, q @ k.T, -np.inf)) @ v,
                    "the softmax runs over the keys (the last axis), one row per query":
                    lambda q, k, v, m: _softmax(np.where(m, q @ k.T / np.sqrt(q.shape[-1]),
                                                         -np.inf), axis=0) @ v},
          differentiable=(0, 2))
def attention(queries, keys, values, mask):
    scores = queries @ keys.T / np.sqrt(queries.shape[-1])
    return _softmax(np.where(mask, scores, -np.inf)) @ values


# ---- 07 evaluation ---------------------------------------------------------------------------
WILSON_Z = 1.959963984540054  # the standard normal's 97.5% quantile: a 95% interval


def _wilson(successes, trials, centred=True):
    p = successes / trials
    z2 = WILSON_Z ** 2
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials) if centred else p
    half = WILSON_Z / (1 + z2 / trials) * np.sqrt(p * (1 - p) / trials + z2 / (4 * trials ** 2))
    return np.array([centre - half, centre + half])


@exercise("snr_db", "07", "the signal-to-noise ratio in dB of a signal against its reference",
          cases=lambda rng: [(np.array([1.0, -1.0, 0.5, 0.0]), np.array([0.9, -1.1, 0.5, 0.1])),
                             (rng.normal(size=50), rng.normal(size=50))],
          mistakes={"the noise is the reference minus the signal; the ratio is the reference's "
                    "power over the noise's, not the signal's":
                    lambda x, y: 10 * np.log10(np.sum(y ** 2) / np.sum((x - y) ** 2)),
                    "powers are squared amplitudes: use 10 log10 of the power ratio (20 log10 "
                    "is for amplitude ratios)":
                    lambda x, y: 20 * np.log10(np.sum(x ** 2) / np.sum((x - y) ** 2))},
          differentiable=(1,))
def snr_db(reference, signal):
    reference, signal = np.asarray(reference, np.float64), np.asarray(signal, np.float64)
    return 10 * np.log10(np.sum(reference ** 2) / np.sum((reference - signal) ** 2))


@exercise("wilson_interval", "07",
          "the 95% Wilson interval of a proportion (successes of trials), as [low, high]",
          cases=lambda rng: [(7, 10), (0, 12), (48, 50), (rng.integers(1, 99), 100)],
          mistakes={"that is the Wald interval p +- z sqrt(p(1-p)/n): it leaves [0, 1] and is "
                    "too narrow for small n; Wilson centres on (p + z^2/2n) / (1 + z^2/n)":
                    lambda k, n: np.array([k / n - WILSON_Z * np.sqrt(k / n * (1 - k / n) / n),
                                           k / n + WILSON_Z * np.sqrt(k / n * (1 - k / n) / n)]),
                    "centre the interval on (p + z^2/2n) / (1 + z^2/n), not on p":
                    lambda k, n: _wilson(k, n, centred=False)})
def wilson_interval(successes, trials):
    return _wilson(successes, trials)


@exercise("preference_direction", "07",
          "the latent direction from disliked to liked codes (mean liked - mean disliked)",
          cases=lambda rng: [(np.array([[1.0, 2.0], [3.0, 2.0]]), np.array([[0.0, 0.0]])),
                             (rng.normal(size=(5, 4)), rng.normal(size=(3, 4)))],
          mistakes={"from disliked towards liked: mean liked minus mean disliked":
                    lambda liked, disliked: disliked.mean(0) - liked.mean(0),
                    "average the codes (mean over rows), do not add them: the direction must "
                    "not grow with the number of ratings":
                    lambda liked, disliked: liked.sum(0) - disliked.sum(0)},
          differentiable=(0, 1))
def preference_direction(liked, disliked):
    return np.asarray(liked).mean(axis=0) - np.asarray(disliked).mean(axis=0)


@exercise("frechet_distance_1d", "07",
          "the squared Frechet distance between two 1-D Gaussians given means and variances",
          cases=lambda rng: [(0.0, 1.0, 3.0, 1.0), (1.0, 4.0, 1.0, 1.0),
                             (rng.normal(), rng.uniform(0.5, 2), rng.normal(),
                              rng.uniform(0.5, 2))],
          mistakes={"the covariance term compares standard deviations: (sigma_a - sigma_b)^2 "
                    "= var_a + var_b - 2 sqrt(var_a var_b), not (var_a - var_b)^2":
                    lambda ma, va, mb, vb: (ma - mb) ** 2 + (va - vb) ** 2,
                    "add the squared distance between the means":
                    lambda ma, va, mb, vb: va + vb - 2 * np.sqrt(va * vb)},
          differentiable=(0, 1, 2, 3))
def frechet_distance_1d(mean_a, var_a, mean_b, var_b):
    return (mean_a - mean_b) ** 2 + var_a + var_b - 2 * np.sqrt(var_a * var_b)


def _linear_levels(x):
    """256 levels of x itself (linear PCM): the mistake of quantising without companding."""
    return np.clip(np.floor((np.clip(x, -1, 1) + 1) / 2 * 255 + 0.5), 0, 255).astype(np.int64)


@exercise("mu_law_encode", "08",
          "8-bit mu-law levels (0..255) of samples in [-1, 1], as the original WaveNet stored "
          "audio",
          cases=lambda rng: [(np.array([-1.0, -0.5, -0.01, 0.0, 0.001, 0.02, 0.5, 1.0]),),
                             (rng.uniform(-1, 1, 40),), (rng.normal(0, 0.01, 40),)],
          mistakes={"compand before quantising: sign(x) ln(1 + mu|x|) / ln(1 + mu) spends the "
                    "levels on quiet samples; quantising x itself is linear PCM":
                    _linear_levels,
                    "round to the nearest level: floor((F(x) + 1) / 2 * 255 + 0.5)":
                    lambda x: np.clip(np.floor((np.sign(x) * np.log1p(255 * np.abs(x))
                                                / np.log1p(255) + 1) / 2 * 255), 0, 255)})
def mu_law_encode(samples):
    return features.mu_law_encode(samples)


def _phase(f0, sample_rate, running=True):
    f0 = np.asarray(f0, np.float64)
    if running:
        return 2 * np.pi * np.cumsum(f0) / sample_rate
    return 2 * np.pi * f0 * np.arange(1, len(f0) + 1) / sample_rate


@exercise("harmonic_phase", "08",
          "the phase (radians) of an oscillator following the pitch f0 (Hz, one per sample)",
          cases=lambda rng: [(np.full(8, 1000.0), 8000), (np.linspace(200, 400, 50), 16000),
                             (rng.uniform(100, 900, 30), 8000)],
          mistakes={"a changing pitch needs the running sum of the frequency, 2 pi cumsum(f0) "
                    "/ sample_rate; 2 pi f0[n] n / sample_rate jumps whenever f0 changes":
                    lambda f0, rate: _phase(f0, rate, running=False),
                    "the phase is in radians: multiply the cycles by 2 pi":
                    lambda f0, rate: np.cumsum(f0) / rate},
          differentiable=(0,))
def harmonic_phase(f0, sample_rate):
    return _phase(f0, sample_rate)


def _additive(phase, amplitudes, first=1):
    phase = np.asarray(phase, np.float64)
    amplitudes = np.asarray(amplitudes, np.float64)
    numbers = np.arange(first, first + amplitudes.shape[1])
    return np.sum(amplitudes * np.sin(phase[:, None] * numbers), axis=1)


@exercise("additive_synth", "08",
          "the sum of harmonics: harmonic k (1, 2, ...) at k times the phase, each with its "
          "amplitude (samples, harmonics)",
          cases=lambda rng: [(np.linspace(0, 6, 7), np.tile([1.0, 0.5, 0.25], (7, 1))),
                             (rng.uniform(0, 6.3, 20), rng.uniform(0, 1, (20, 5)))],
          mistakes={"harmonics are numbered from 1, the fundamental: harmonic 0 would be a "
                    "constant, sin(0) = 0":
                    lambda phase, amplitudes: _additive(phase, amplitudes, first=0),
                    "harmonic k is sin(k phi), k times as fast, not sin(phi + k)":
                    lambda phase, amplitudes: np.sum(
                        np.asarray(amplitudes) * np.sin(np.asarray(phase)[:, None]
                                                        + np.arange(1, np.shape(amplitudes)[1]
                                                                    + 1)), axis=1)},
          differentiable=(0, 1))
def additive_synth(phase, amplitudes):
    return _additive(phase, amplitudes)


def _spectral(a, b, log=True, squared=False):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    difference = (a - b) ** 2 if squared else np.abs(a - b)
    total = np.mean(difference)
    if log:
        total += np.mean(np.abs(np.log(a + 1e-7) - np.log(b + 1e-7)))
    return total


@exercise("spectral_term", "08",
          "one scale of the multi-scale spectral loss: mean |S - S'| plus mean |log(S + 1e-7) - "
          "log(S' + 1e-7)| of two magnitude spectrograms",
          cases=lambda rng: [(np.array([[1.0, 0.1], [0.01, 2.0]]),
                              np.array([[0.5, 0.1], [0.001, 2.0]])),
                             (rng.uniform(0, 3, (6, 4)), rng.uniform(0, 3, (6, 4)))],
          mistakes={"add the log term: without it the quiet harmonics, which the ear hears, "
                    "cost almost nothing":
                    lambda a, b: _spectral(a, b, log=False),
                    "DDSP's loss is L1 (absolute differences), not squared":
                    lambda a, b: _spectral(a, b, squared=True)},
          differentiable=(1,))
def spectral_term(magnitude, reference):
    return _spectral(magnitude, reference)
