"""Piano-roll pictures with matplotlib."""

import numpy as np

from musiclab.music import voices

VOICE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def plot_pianoroll(music, *, ax=None, steps_per_quarter=4, title=None, beats_per_bar=4):
    """Draw ``music`` as a piano roll: time across, pitch up, one colour per voice.

    Args:
        music: a music21 stream, melody tokens, a piano roll or an SATB grid.
        ax: a matplotlib ``Axes`` to draw into (a new figure when ``None``).
        steps_per_quarter: resolution of array inputs.
        title: optional title.
        beats_per_bar: quarter notes between bar lines drawn in the background.

    Returns:
        The matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    parts = voices(music, steps_per_quarter)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3), layout="tight")
    pitches = [pitch for part in parts for _, _, pitch in part]
    end = max((on + length for part in parts for on, length, _ in part), default=4.0)
    for index, part in enumerate(parts):
        colour = VOICE_COLOURS[index % len(VOICE_COLOURS)]
        for onset, length, pitch in part:
            ax.add_patch(Rectangle((onset, pitch - 0.4), length * 0.97, 0.8, color=colour))
    low, high = (min(pitches) - 2, max(pitches) + 2) if pitches else (58, 74)
    ax.set_xlim(0, end)
    ax.set_ylim(low, high)
    for bar in np.arange(0, end + 1e-9, beats_per_bar):
        ax.axvline(bar, color="0.85", linewidth=0.8, zorder=0)
    ticks = [p for p in range(int(low), int(high) + 1) if p % 12 == 0]
    ax.set_yticks(ticks, [f"C{p // 12 - 1}" for p in ticks])
    ax.set_xlabel("quarter notes")
    ax.set_ylabel("pitch")
    if title:
        ax.set_title(title)
    return ax


def plot_receptive_field(dilations, kernel_size=2, ax=None, steps=None):
    """Draw how a stack of dilated causal convolutions sees back in time (the WaveNet figure).

    One row of dots per layer (input at the bottom, output on top); the lines
    connect the last output to every step it depends on, so the highlighted dots
    of the input row are its receptive field, ``(kernel_size - 1) * sum(dilations) + 1``.

    Args:
        dilations: one dilation per layer, e.g. ``(1, 2, 4, 8)``.
        kernel_size: taps of each convolution.
        ax: a matplotlib ``Axes`` (a new figure when ``None``).
        steps: time steps drawn (default: the receptive field plus a few).

    Returns:
        The matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt

    dilations = [int(dilation) for dilation in dilations]
    field = (kernel_size - 1) * sum(dilations) + 1
    steps = steps or field + 3
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.6 * len(dilations) + 1.2), layout="tight")
    layers = len(dilations) + 1
    for layer in range(layers):
        ax.scatter(range(steps), [layer] * steps, s=10, color="0.8", zorder=1)
    needed = {steps - 1}
    for layer in range(layers - 1, 0, -1):  # walk down from the output
        dilation, below = dilations[layer - 1], set()
        for step in needed:
            for tap in range(kernel_size):
                source = step - tap * dilation
                if source >= 0:
                    below.add(source)
                    ax.plot([source, step], [layer - 1, layer], color="#1f77b4", linewidth=0.8,
                            zorder=2)
        ax.scatter(sorted(needed), [layer] * len(needed), s=18, color="#1f77b4", zorder=3)
        needed = below
    ax.scatter(sorted(needed), [0] * len(needed), s=18, color="#d62728", zorder=3)
    ax.set_yticks(range(layers), ["input"] + [f"dilation {d}" for d in dilations])
    ax.set_xlabel("time step")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"receptive field: {field} steps (red)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def plot_learning_curve(curve, ax=None):
    """Held-out accuracy vs number of training tunes, fine-tuned vs from scratch.

    Args:
        curve: rows from ``musiclab.style.transfer_learning.learning_curve`` (``tunes``,
            ``fine_tuned``, ``from_scratch``, ``pretrained``).
        ax: a matplotlib ``Axes`` (a new figure when ``None``).

    Returns:
        The matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt

    if not curve:
        raise ValueError("curve: no rows to plot")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    tunes = [row["tunes"] for row in curve]
    ax.plot(tunes, [row["fine_tuned"] for row in curve], "o-", color=VOICE_COLOURS[0],
            label="fine-tuned from the pretrained model")
    ax.plot(tunes, [row["from_scratch"] for row in curve], "s--", color=VOICE_COLOURS[1],
            label="trained from scratch")
    ax.axhline(curve[0]["pretrained"], color="grey", linestyle=":",
               label="pretrained, before fine-tuning")
    ax.set_xscale("log")
    ax.set_xticks(tunes, [str(count) for count in tunes])
    ax.set_xlabel("training tunes of the small collection")
    ax.set_ylabel("held-out accuracy")
    ax.set_title("Transfer learning: learning curve")
    ax.legend(fontsize="small")
    return ax


def plot_spectrogram(samples, sample_rate, *, ax=None, title=None, max_frequency=8000,
                     f0=None):
    """A sound's log-magnitude spectrogram (dB, 80 dB range), optionally with a pitch curve.

    Args:
        samples: mono float ``(n,)``; sample_rate: its rate.
        ax: a matplotlib ``Axes`` (a new figure when ``None``).
        title: the picture's title.
        max_frequency: the highest frequency shown, in Hz.
        f0: optional pitch in Hz per 10 ms frame (NaN where unvoiced), drawn over it.

    Returns:
        The matplotlib ``Axes``.
    """
    import librosa
    import matplotlib.pyplot as plt

    samples = np.asarray(samples, np.float32)
    if samples.ndim != 1 or samples.size == 0:
        raise ValueError(f"samples: expected mono samples (n,), got shape {samples.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    size = 1024 if sample_rate > 12000 else 512
    magnitude = np.abs(librosa.stft(samples, n_fft=size, hop_length=size // 4))
    decibels = librosa.amplitude_to_db(magnitude, ref=max(float(magnitude.max()), 1e-10),
                                       top_db=80)
    seconds = len(samples) / sample_rate
    ax.imshow(decibels, origin="lower", aspect="auto", cmap="magma",
              extent=(0, seconds, 0, sample_rate / 2))
    if f0 is not None:
        times = np.arange(len(f0)) / 100
        ax.plot(times, f0, color="#00e5ff", linewidth=1.2, label="pitch (f0)")
        ax.legend(loc="upper right", fontsize="small")
    ax.set_ylim(0, min(max_frequency, sample_rate / 2))
    ax.set_xlabel("seconds")
    ax.set_ylabel("Hz")
    if title:
        ax.set_title(title)
    return ax
