"""What every widget shares: a figure as PNG, errors in the status line, and showing a piece
of music in the three views (audio, piano roll, score)."""

import io

import numpy as np

from musiclab.music import duration_seconds
from musiclab.notation import score_svg
from musiclab.plotting import plot_pianoroll
from musiclab.sound.audio import render

MAX_SECONDS = 600  # a widget plays, draws and engraves at most the first ten minutes
MAX_SCORE_SECONDS = 180  # longer scores take verovio seconds; the roll shows them instead


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
    score into an ``HTML`` widget. Long music is cut to its first ``MAX_SECONDS`` (the
    returned sound's ``cut_at`` says so), and a score is engraved up to
    ``MAX_SCORE_SECONDS``, so the kernel answers in seconds whatever the file.

    Args:
        music: anything ``musiclab.music`` understands (stream, tokens, roll, grid).
        audio, roll, score: the widgets to fill.
        instrument, tempo, steps_per_quarter: playback settings.
        draw: optional ``ax -> None`` that draws the roll instead of the default.

    Returns:
        The rendered ``musiclab.sound.audio.Audio`` (its ``duration`` in seconds).
    """
    sound = render(music, instrument=instrument, tempo=tempo, steps_per_quarter=steps_per_quarter,
                   max_seconds=MAX_SECONDS)
    audio.value = sound.inline()
    roll.value = figure_png(draw or (lambda ax: plot_pianoroll(
        music, ax=ax, steps_per_quarter=steps_per_quarter)))
    if duration_seconds(music, tempo, steps_per_quarter) > MAX_SCORE_SECONDS:
        score.value = (f"<i>no score: the music lasts more than {MAX_SCORE_SECONDS // 60} "
                       "minutes; export it as MusicXML to read it in a score editor</i>")
    else:
        score.value = score_svg(music, steps_per_quarter=steps_per_quarter)
    return sound


def melody_windows(corpus, steps):
    """One melody of ``steps`` tokens per tune: its first bar-aligned window of 16-step bars,
    else (a tune in 3/4, 7/8, free meter...) its first ``steps`` tokens.

    Returns:
        ``(tokens (n, steps), tune_index (n,))``, in corpus order.

    Raises:
        ValueError: in one line, when no tune of the corpus is ``steps`` long.
    """
    windows = corpus.windows(bars=max(steps // 16, 1), steps_per_bar=16)
    tunes, rows = np.unique(windows.tune_index, return_index=True)
    first_window = dict(zip(tunes.tolist(), rows.tolist(), strict=True))
    tokens, owners = [], []
    for tune in range(len(corpus)):
        melody = windows.tokens[first_window[tune]] if tune in first_window else \
            corpus.tune_tokens(tune)[:steps]
        if len(melody) == steps:
            tokens.append(melody)
            owners.append(tune)
    if not tokens:
        raise ValueError(f"corpus: no tune is {steps} steps long ({steps // 16} bars of "
                         "4/4); add longer tunes")
    return np.array(tokens, np.int16), np.array(owners, np.int64)


def length_note(sound):
    """`` · first 10 of 62 minutes played`` when ``sound`` was cut, else ``""``."""
    if sound.cut_at is None:
        return ""
    return f" · first {sound.duration / 60:.0f} of {sound.cut_at / 60:.0f} minutes played"
