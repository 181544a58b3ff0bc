"""What every widget shares: a figure as PNG, errors in the status line, and showing a piece
of music in the three views (audio, piano roll, score)."""

import io

from musiclab.notation import score_svg
from musiclab.plotting import plot_pianoroll
from musiclab.sound.audio import render


def figure_png(draw, width=9.0, height=2.6):
    """PNG bytes of a matplotlib figure drawn by ``draw(ax)`` (closed afterwards)."""
    from matplotlib.figure import Figure  # slow to import: loaded on the first figure

    figure = Figure(figsize=(width, height))
    draw(figure.add_subplot())
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def error_html(what, error):
    """A red one-line status message: ``what: first line of the error``."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"<span style='color:#b00020'>{what}: {message}</span>"


def show_music(music, *, audio, roll, score, instrument="piano", tempo=None,
               steps_per_quarter=4, draw=None):
    """Render ``music`` into an ``Audio`` widget, its piano roll into an ``Image`` and its
    score into an ``HTML`` widget.

    Args:
        music: anything ``musiclab.music`` understands (stream, tokens, roll, grid).
        audio, roll, score: the widgets to fill.
        instrument, tempo, steps_per_quarter: playback settings.
        draw: optional ``ax -> None`` that draws the roll instead of the default.

    Returns:
        The rendered ``musiclab.sound.audio.Audio`` (its ``duration`` in seconds).
    """
    sound = render(music, instrument=instrument, tempo=tempo, steps_per_quarter=steps_per_quarter)
    audio.value = sound.inline()
    roll.value = figure_png(draw or (lambda ax: plot_pianoroll(
        music, ax=ax, steps_per_quarter=steps_per_quarter)))
    score.value = score_svg(music, steps_per_quarter=steps_per_quarter)
    return sound
