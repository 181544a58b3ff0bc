"""Piano-roll pictures with matplotlib."""

import numpy as np

from musiclab.music import voices

VOICE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def plot_pianoroll(music, ax=None, steps_per_quarter=4, title=None, beats_per_bar=4):
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
