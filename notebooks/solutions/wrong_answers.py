"""Wrong answers, one per exercise, each with the words its check must say.

``tests/test_exercises.py`` checks each of these and expects it to fail with a message
containing ``EXPECTED[name]``: the checks catch common mistakes and name them.
"""

import numpy as np

WRONG = {
    "midi_to_frequency": lambda pitch: 440.0 * 2 ** ((np.asarray(pitch) - 60) / 12),
    "steps_to_seconds": lambda steps, tempo, per_quarter: steps / per_quarter * tempo / 60,
    "transpose": lambda tokens, semitones: np.asarray(tokens) + semitones,
    "invert": lambda pitches: -np.asarray(pitches),
    "reparameterize": lambda m, v, e: m + e * np.exp(v),
    "kl_divergence": lambda m, v: 0.5 * np.mean(np.exp(v) + m ** 2 - 1 - v, -1),
    "nats_to_bits": lambda nats: np.asarray(nats) * np.log(2),
    "free_bits_penalty": lambda kl, free: np.asarray(kl) - free,
    "receptive_field": lambda sizes, dilations: sum((k - 1) * d for k, d in zip(sizes,
                                                                               dilations)),
    "causal_padding": lambda x, k, d: np.pad(x, [(k - 1, 0), (0, 0)]),
    "gated_activation": lambda f, g: np.maximum(f, 0) * g,
    "temperature_softmax": lambda logits, t: np.exp(logits / t) / np.exp(logits / t).sum(),
    "discriminator_loss": lambda real, fake: -np.mean(np.log(1 - real)) - np.mean(np.log(fake)),
    "generator_loss": lambda fake: np.mean(np.log(1 - fake)),
    "critic_loss": lambda real, fake: np.mean(real) - np.mean(fake),
    "gradient_penalty": lambda g: np.mean((np.sum(g.reshape(len(g), -1) ** 2, -1) - 1) ** 2),
    "mix_real_and_fake": lambda real, fake, alpha: 0.5 * (real + fake),
    "balanced_accuracy": lambda c: np.trace(c) / np.sum(c),
    "style_shift": lambda z, source, target, strength: z + (target - source),
    "retrograde_notes": lambda notes, steps: np.asarray(notes)[::-1],
    "causal_mask": lambda n: np.tril(np.ones((n, n), bool), -1),
    "top_k_filter": lambda logits, k: np.where(logits > np.sort(logits)[-k], logits, -np.inf),
    "top_p_filter": lambda logits, p: logits,
    "attention": lambda q, k, v, m: (q @ k.T) @ v,
}

EXPECTED = {
    "midi_to_frequency": "MIDI pitch 69",
    "steps_to_seconds": "60 / tempo",
    "transpose": "not pitches",
    "invert": "not around 0",
    "reparameterize": "standard deviation",
    "kl_divergence": "sum over the latent dimensions",
    "nats_to_bits": "divide by ln 2",
    "free_bits_penalty": "must be 0",
    "receptive_field": "current step",
    "causal_padding": "dilation",
    "gated_activation": "expected",
    "temperature_softmax": "overflow",
    "discriminator_loss": "labelled 1",
    "generator_loss": "saturating",
    "critic_loss": "scores real music high",
    "gradient_penalty": "not the squared norm",
    "mix_real_and_fake": "expected",
    "balanced_accuracy": "plain accuracy",
    "style_shift": "scale the move",
    "retrograde_notes": "expected",
    "causal_mask": "attend to itself",
    "top_k_filter": "exactly k",
    "top_p_filter": "expected",
    "attention": "expected",
}
