"""``AttentionExplorer``: which earlier notes a Transformer looks at when it predicts a note.

Pick a melody (a generated one or a held-out tune), a note, a layer and a head (or the
mean of the heads): the piano roll colours every earlier note by the attention the
chosen note's position gives it, so a motif being copied or a cadence looking back at
the phrase start can be seen; "Play" plays the most attended fragment, a rest, then the
note itself.
"""

import ipywidgets
import numpy as np

from musiclab.nn.config import config_of
from musiclab.sound.audio import render
from musiclab.transformer.sample import attention_maps, generate
from musiclab.vocab import FIRST_PITCH_TOKEN, HOLD, LOWEST_PITCH, NOTE_OFF
from widgets._base import error_html, figure_png

FRAGMENT_STEPS = 8  # steps of the most attended place that "Play" plays


def note_spans(tokens):
    """The notes of melody tokens as ``(start, stop, midi_pitch)`` steps."""
    notes = []
    for step, token in enumerate(np.asarray(tokens)):
        if token >= FIRST_PITCH_TOKEN:
            notes.append([step, step + 1, int(token) - FIRST_PITCH_TOKEN + LOWEST_PITCH])
        elif token == HOLD and notes and notes[-1][1] == step:
            notes[-1][1] = step + 1
    return [tuple(note) for note in notes]


def attention_per_note(weights, notes, prefix_length=1):
    """Attention a query gives each note: the sum over the note's steps.

    Args:
        weights: ``(prefix_length + steps,)`` attention of one query over the prefix tokens
            and the steps.
        notes: ``note_spans`` of the steps.
        prefix_length: prefix tokens before the first step.

    Returns:
        float array ``(notes,)``.
    """
    return np.array([weights[prefix_length + start:prefix_length + stop].sum()
                     for start, stop, _ in notes])


class AttentionExplorer(ipywidgets.VBox):
    """See and hear what a melody Transformer attends to.

    Args:
        model: a melody Transformer (``musiclab.transformer``).
        tunes: optional ``{name: melody tokens}`` of real tunes to inspect.
        length: steps of a generated melody.
        tempo: playback tempo (quarter notes per minute).

    Controls: source (Dropdown), new_melody (Button), note, layer (IntSlider), head
    (Dropdown: a head or "mean"), play (Button); shows: status (HTML), roll (Image),
    audio (Audio). ``weights`` holds the chosen query's attention per note.
    """

    def __init__(self, model, tunes=None, *, length=96, style=0, tempo=100):
        self.model, self.config = model, config_of(model)
        if self.config.data != "melody":
            raise ValueError(f"model: the explorer reads melody models, this one reads "
                             f"{self.config.data} tokens")
        self.tunes, self.length, self.tempo = dict(tunes or {}), length, tempo
        self.style = style if self.config.styles else None
        self.seed = 0
        sources = ["generated"] + list(self.tunes)
        self.source = ipywidgets.Dropdown(options=sources, value="generated",
                                          description="melody",
                                          style={"description_width": "initial"},
                                          layout=ipywidgets.Layout(width="320px"))
        self.new_melody = ipywidgets.Button(description="New melody", icon="refresh")
        self.note = ipywidgets.IntSlider(min=1, max=1, description="note",
                                         continuous_update=False)
        self.layer = ipywidgets.IntSlider(min=1, max=self.config.layers, value=self.config.layers,
                                          description="layer", continuous_update=False)
        self.head = ipywidgets.Dropdown(
            options=["mean"] + [str(h + 1) for h in range(self.config.heads)], value="mean",
            description="head", layout=ipywidgets.Layout(width="160px"))
        self.play = ipywidgets.Button(description="Play fragment + note", icon="play",
                                      button_style="primary",
                                      layout=ipywidgets.Layout(width="200px"))
        self.status = ipywidgets.HTML()
        self.roll = ipywidgets.Image(format="png")
        self.audio = ipywidgets.Audio(format="wav", autoplay=False, loop=False)
        self.weights = None
        self.source.observe(lambda change: self._load(), names="value")
        self.new_melody.on_click(lambda button: self._new())
        for control in (self.note, self.layer, self.head):
            control.observe(lambda change: self._show(), names="value")
        self.play.on_click(lambda button: self._play())
        super().__init__([
            ipywidgets.HBox([self.source, self.new_melody]),
            ipywidgets.HBox([self.note, self.layer, self.head, self.play]),
            self.status, self.roll, self.audio])
        self._load()

    def _new(self):
        self.seed += 1
        if self.source.value != "generated":
            self.source.value = "generated"  # observing it loads
        else:
            self._load()

    def _load(self):
        try:
            if self.source.value == "generated":
                tokens = generate(self.model, length=self.length, temperature=0.9,
                                  style=self.style, seed=self.seed)[0]
            else:
                tokens = np.asarray(self.tunes[self.source.value])
            tokens = tokens[:self.config.context - self.config.prefix_length]
            self.tokens, self.notes = tokens, note_spans(tokens)
            if len(self.notes) < 2:
                raise ValueError("the melody has fewer than two notes")
            self.maps = attention_maps(self.model, tokens, style=self.style)
            with self.note.hold_trait_notifications():
                self.note.max = len(self.notes)
                self.note.value = min(max(self.note.value, 2), len(self.notes))
            self._show()
        except (ValueError, KeyError) as error:
            self.status.value = error_html("Could not read the melody", error)

    def query_weights(self):
        """Attention of the chosen note's first step over every note (layer and head as
        chosen; "mean" averages the heads)."""
        start = self.notes[self.note.value - 1][0]
        layer = self.maps[self.layer.value - 1]
        # positions 0 .. P - 1 hold the prefix tokens, position P + p the token of step p:
        # the query is the position that holds the note's first step
        first = self.config.prefix_length
        rows = layer[:, first + start] if self.head.value == "mean" else \
            layer[int(self.head.value) - 1, first + start][None]
        row = rows.mean(axis=0)
        self.prefix_weight = float(row[:first].sum())
        return attention_per_note(row, self.notes, first)

    def _show(self):
        self.weights = self.query_weights()
        chosen = self.note.value - 1
        earlier = self.weights[:chosen]
        strongest = int(np.argmax(earlier)) if len(earlier) else chosen
        self.status.value = (
            f"note {chosen + 1} of {len(self.notes)}; layer {self.layer.value}, head "
            f"{self.head.value}: most attention on note {strongest + 1} "
            f"({self.weights[strongest]:.0%}); the prefix (style) tokens take "
            f"{self.prefix_weight:.0%}")
        self._play()  # what the note attends to, ready to hear as soon as the note is chosen
        self.roll.value = figure_png(self._draw)

    def _draw(self, ax):
        from matplotlib import colormaps

        colours = colormaps["viridis"]
        top = max(float(self.weights.max()), 1e-9)
        chosen = self.note.value - 1
        for index, (start, stop, pitch) in enumerate(self.notes):
            if index == chosen:
                ax.add_patch(_rectangle(start, stop, pitch, "#d62728", 1.0))
            elif index < chosen:
                ax.add_patch(_rectangle(start, stop, pitch, colours(self.weights[index] / top),
                                        1.0))
            else:
                ax.add_patch(_rectangle(start, stop, pitch, "#cccccc", 0.6))
        pitches = [pitch for _, _, pitch in self.notes]
        ax.set_xlim(0, len(self.tokens))
        ax.set_ylim(min(pitches) - 2, max(pitches) + 2)
        ax.set_xlabel("16th-note step")
        ax.set_ylabel("MIDI pitch")
        ax.set_title("attention from the red note (bright = more); later notes grey")
        for bar in range(0, len(self.tokens), 16):
            ax.axvline(bar, color="#eeeeee", linewidth=0.8, zorder=0)

    def fragment_and_note(self):
        """Melody tokens of what "Play" plays: ``FRAGMENT_STEPS`` steps from the most
        attended earlier note, a quarter-note rest, then the chosen note."""
        chosen = self.note.value - 1
        earlier = self.weights[:chosen]
        first = self.notes[int(np.argmax(earlier))][0] if len(earlier) else 0
        fragment = self.tokens[first:first + FRAGMENT_STEPS].copy()
        if len(fragment) and fragment[0] == HOLD:
            fragment[0] = NOTE_OFF
        start, stop, _ = self.notes[chosen]
        note = self.tokens[start:stop]
        return np.concatenate([fragment, [NOTE_OFF, HOLD, HOLD, HOLD], note]).astype(np.int16)

    def _play(self):
        self.audio.value = render(self.fragment_and_note(), tempo=self.tempo).inline()


def _rectangle(start, stop, pitch, colour, alpha):
    from matplotlib.patches import Rectangle

    return Rectangle((start, pitch - 0.4), stop - start, 0.8, facecolor=colour, alpha=alpha,
                     edgecolor="black", linewidth=0.3)
