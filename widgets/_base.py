"""What every widget shares: a figure as PNG, errors in the status line, and showing a piece
of music in the three views (audio, piano roll, score), audio first."""

import io
import re
import threading

import ipywidgets
import numpy as np

from musiclab.music import duration_seconds
from musiclab.notation import score_svg
from musiclab.plotting import plot_pianoroll
from musiclab.sound.audio import render

MAX_SECONDS = 600  # a widget plays, draws and engraves at most the first ten minutes
MAX_SCORE_SECONDS = 180  # longer scores take verovio seconds; the roll shows them instead
PICTURE_DELAY = 0.25  # seconds the controls must be still before the roll and score are drawn
WIDE_LABELS = {"description_width": "initial"}  # labels at their full width, never cut


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


def before_and_after(before, after):
    """Two columns side by side, titled Before and After, each half the width (a wide score
    or picture scrolls inside its column).

    Args:
        before, after: the widgets of each column, top to bottom.

    Returns:
        An ``HBox``.
    """
    return ipywidgets.HBox([
        ipywidgets.VBox([ipywidgets.HTML(f"<b>{title}</b>"), *children],
                        layout={"width": "50%", "overflow": "hidden"})
        for title, children in (("Before", before), ("After", after))])


class Debouncer:
    """Call ``action()`` once the controls have been still for ``delay`` seconds.

    Many changes in a row (a dragged slider sends one per stop) cost one update, with
    the controls' final values. ``delay=0`` calls at once, on the caller's thread.
    """

    def __init__(self, action, delay):
        self.action, self.delay = action, delay
        self._timer = None

    def __call__(self, change=None):
        if self.delay <= 0:
            self.action()
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.delay, self.action)
        self._timer.daemon = True
        self._timer.start()


class MusicView:
    """The three views of a widget's music, audio first.

    ``show`` renders the audio on the caller's thread (milliseconds, so a key press is
    answered at once) and draws the piano roll and engraves the score on a background
    thread once the controls have been still for ``delay`` seconds, only for the latest
    music, and only when the music changed (``key``): no engraving ever sits between a
    user's action and the sound it asks for.

    Args:
        delay: seconds of stillness before the pictures are drawn (0: draw them at once,
            on the caller's thread).
        score_width: CSS width of the score's box (it scrolls when the score is wider).

    Attributes:
        audio (Audio), roll (Image), score (HTML): the widgets to place in a layout.
    """

    def __init__(self, *, delay=PICTURE_DELAY):
        self.delay = delay
        self.audio = ipywidgets.Audio(format="wav", autoplay=False, loop=False)
        # hidden until its first picture: an empty image shows as a broken-image icon
        self.roll = ipywidgets.Image(format="png", layout={"max_width": "100%",
                                                           "display": "none"})
        self.score = ipywidgets.HTML(layout={"overflow": "auto", "max_width": "100%"})
        self._lock = threading.Lock()
        self._timer, self._latest, self._drawn_key = None, 0, None
        self._idle = threading.Event()
        self._idle.set()

    def show(self, music, *, instrument="piano", tempo=None, steps_per_quarter=4, draw=None,
             key=None, title=None, picture=None):
        """Play ``music`` now; draw its roll and score soon (see the class).

        Args:
            music: anything ``musiclab.music`` understands (stream, tokens, roll, grid).
            instrument, tempo, steps_per_quarter: playback settings.
            draw: optional ``ax -> None`` that draws the roll instead of the default.
            key: optional hashable naming what the pictures show; when it equals the key
                of the pictures on screen (a tempo or instrument change), they stay.
            title: the score's title (what the music is: model, seed, temperature).
            picture: optional music to draw and engrave instead of ``music`` (a richer
                form of the same notes: a music21 stream where ``music`` is an array), or a
                function that makes it, called on the drawing thread.

        Returns:
            The rendered ``musiclab.sound.audio.Audio`` (its ``duration`` in seconds; long
            music is cut to its first ``MAX_SECONDS``, and ``cut_at`` says so).
        """
        sound = render(music, instrument=instrument, tempo=tempo,
                       steps_per_quarter=steps_per_quarter, max_seconds=MAX_SECONDS)
        self.audio.value = sound.inline()
        with self._lock:
            self._latest += 1
            if self._timer is not None:
                self._timer.cancel()
            if key is not None and key == self._drawn_key:
                self._idle.set()
                return sound
            self._idle.clear()
            job = (self._latest, music if picture is None else picture, tempo,
                   steps_per_quarter, draw, key, title)
            self._timer = None
            if self.delay > 0:
                self._timer = threading.Timer(self.delay, self._draw, args=job)
                self._timer.daemon = True
                self._timer.start()
        if self.delay <= 0:
            self._draw(*job)
        return sound

    def _draw(self, generation, music, tempo, steps_per_quarter, draw, key, title):
        try:
            music = music() if callable(music) else music
            roll = figure_png(draw or (lambda ax: plot_pianoroll(
                music, ax=ax, steps_per_quarter=steps_per_quarter)))
            if generation != self._latest:
                return  # newer music arrived: its own timer draws it
            if duration_seconds(music, tempo, steps_per_quarter) > MAX_SCORE_SECONDS:
                score = (f"<i>no score: the music lasts more than {MAX_SCORE_SECONDS // 60} "
                         "minutes; export it as MusicXML to read it in a score editor</i>")
            else:
                score = score_svg(music, steps_per_quarter=steps_per_quarter, title=title)
            with self._lock:
                if generation != self._latest:
                    return
                self.roll.value, self.score.value, self._drawn_key = roll, score, key
                self.roll.layout.display = None
        except Exception as error:  # shown in place of the score, never raised in a thread
            self.score.value = error_html("Could not draw this music", error)
        finally:
            if generation == self._latest:
                self._idle.set()

    def wait(self, timeout=60.0):
        """Block until the latest pictures are drawn (tests, scripts). Returns True if so."""
        return self._idle.wait(timeout)


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


def key_text(key):
    """A key as people say it: ``"-1 sharps"`` -> ``"1 flat"``, ``""`` -> ``"?"``."""
    match = re.fullmatch(r"(-?\d+) sharps?", str(key).strip())
    if not match:
        return str(key) or "?"
    count = int(match.group(1))
    if count == 0:
        return "no sharps or flats"
    name = "sharp" if count > 0 else "flat"
    return f"{abs(count)} {name}{'s' if abs(count) > 1 else ''}"


def length_note(sound):
    """`` · first 10 of 62 minutes played`` when ``sound`` was cut, else ``""``."""
    if sound.cut_at is None:
        return ""
    return f" · first {sound.duration / 60:.0f} of {sound.cut_at / 60:.0f} minutes played"


class FeedbackBar(ipywidgets.HBox):
    """Thumbs up, thumbs down and "more like this" on the music a widget is playing, stored
    in a listening-test database (``ResultsStore.record_feedback``).

    Args:
        store: a ``ResultsStore``.
        source: what made the music (a widget and model name); feedback is kept per source.
        current: ``() -> (tokens, code or None, provenance dict)`` of the music playing.
        on_more: called after "more like this" is stored (the widget plays a variation).
        on_change: called after any rating is stored (the widget updates what it learned).

    Attributes:
        up, down, more (Button), counts (HTML).
    """

    def __init__(self, store, source, current, *, on_more=None, on_change=None):
        self.store, self.source, self.current = store, source, current
        self.on_more, self.on_change = on_more, on_change
        self.up = ipywidgets.Button(description="Like", icon="thumbs-up",
                                    tooltip="I like this", layout={"width": "80px"})
        self.down = ipywidgets.Button(description="Dislike", icon="thumbs-down",
                                      tooltip="I do not like this", layout={"width": "90px"})
        self.more = ipywidgets.Button(description="More like this")
        self.counts = ipywidgets.HTML()
        self.up.on_click(lambda button: self.rate(1))
        self.down.on_click(lambda button: self.rate(-1))
        self.more.on_click(lambda button: self.rate(2))
        super().__init__([self.up, self.down, self.more, self.counts])
        self._show_counts()

    def rate(self, rating):
        """Store a rating of the music playing (1 up, -1 down, 2 more like this)."""
        try:
            tokens, code, provenance = self.current()
            if tokens is None:  # nothing to rate yet: "more like this" makes something
                if rating == 2 and self.on_more:
                    self.on_more()
                else:
                    self.counts.value = error_html("Feedback", "nothing is playing yet")
                return
            self.store.record_feedback(self.source, rating, tokens=tokens, code=code,
                                       provenance=provenance)
            self._show_counts()
            if self.on_change:
                self.on_change()
            if rating == 2 and self.on_more:
                self.on_more()
        except Exception as error:  # shown in the bar, never raised into the kernel
            self.counts.value = error_html("Feedback not stored", error)

    def ratings(self):
        """This source's feedback (a DataFrame, see ``ResultsStore.feedback``)."""
        return self.store.feedback(self.source)

    def _show_counts(self):
        frame = self.ratings()
        liked, disliked = int((frame["rating"] > 0).sum()), int((frame["rating"] < 0).sum())
        self.counts.value = f"&nbsp;liked {liked} · disliked {disliked}"
