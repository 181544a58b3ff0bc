"""``TrainingMonitor``: live loss curves and playable samples while any musiclab model trains."""

import ipywidgets

from musiclab.plotting import plot_pianoroll
from musiclab.sound.audio import render
from widgets._base import error_html, figure_png


class TrainingMonitor(ipywidgets.VBox):
    """Watch a training run: curves of its history, and a sample at every checkpoint.

    Pass it as ``on_checkpoint`` to ``train_vae``, ``train_wavenet`` or ``musiclab.gan.train_gan``;
    it is called with ``(model, history_entry)`` after every checkpoint.

    Args:
        keys: history keys drawn as curves (those missing from an entry are skipped).
        total_steps: steps of the run, for the progress bar (optional).
        sample: optional ``model -> music`` (tokens, piano roll or multi-track roll)
            called at every checkpoint; the result is drawn and can be played.
        steps_per_quarter, tempo, instrument: how samples are drawn and played.

    Attributes:
        progress (IntProgress), status (HTML), curves (Image), checkpoint (Dropdown of
        the steps with a sample), roll (Image), audio (Audio); ``history`` (the entries)
        and ``samples`` (``{step: music}``).
    """

    def __init__(self, keys=("loss", "valid_loss"), total_steps=None, sample=None,
                 steps_per_quarter=4, tempo=100, instrument="piano"):
        self.curve_keys, self.sample = tuple(keys), sample
        self.steps_per_quarter, self.tempo, self.instrument = steps_per_quarter, tempo, instrument
        self.history, self.samples, self._sounds = [], {}, {}
        self.progress = ipywidgets.IntProgress(0, min=0, max=max(int(total_steps or 1), 1),
                                               description="steps")
        # the pictures stay hidden until they have something to show (an empty image is a
        # broken-image icon)
        self.status, self.curves = ipywidgets.HTML("waiting for the first checkpoint"), \
            ipywidgets.Image(format="png", layout={"display": "none"})
        self.checkpoint = ipywidgets.Dropdown(options=[], description="sample at")
        self.roll = ipywidgets.Image(format="png", layout={"display": "none"})
        self.audio = ipywidgets.Audio(format="wav", autoplay=False, loop=False)
        self.checkpoint.observe(self._show_sample, names="value")
        children = [self.progress, self.status, self.curves]
        if sample is not None:
            children += [self.checkpoint, self.audio, self.roll]
        super().__init__(children)

    def __call__(self, model, entry):
        """Record one checkpoint: redraw the curves, make and show a sample."""
        self.history.append(dict(entry))
        step = int(entry.get("step", len(self.history)))
        if step > self.progress.max:
            self.progress.max = step
        self.progress.value = step
        shown = [f"{key} {entry[key]:.4g}" for key in self.curve_keys
                 if isinstance(entry.get(key), int | float)]
        message = f"step {step}: " + ", ".join(shown)
        if entry.get("collapse"):
            message += f"<br><b style='color:#b00020'>{entry['collapse']}</b>"
        self.status.value = message
        try:
            self.curves.value = figure_png(self._draw_curves, height=2.4)
            self.curves.layout.display = None
            if self.sample is not None:
                self.samples[step] = self.sample(model)
                self.checkpoint.options = list(self.samples)
                self.checkpoint.value = step
                self._show_sample()
        except Exception as error:  # shown in the widget; training goes on
            self.status.value = message + "<br>" + error_html("monitor", error)

    def _draw_curves(self, ax):
        steps = [entry.get("step", index + 1) for index, entry in enumerate(self.history)]
        for key in self.curve_keys:
            values = [entry.get(key) for entry in self.history]
            points = [(step, value) for step, value in zip(steps, values)
                      if isinstance(value, int | float)]
            if points:
                ax.plot(*zip(*points), marker="o", markersize=3, label=key)
        ax.set_xlabel("step")
        ax.legend(loc="best", fontsize=8)
        ax.grid(alpha=0.3)

    def _show_sample(self, change=None):
        step = self.checkpoint.value
        if step not in self.samples:
            return
        music = self.samples[step]
        if getattr(music, "ndim", 0) == 3 and music.shape[1] == 88:  # (steps, 88, tracks)
            voices = [music[:, :, track] for track in range(music.shape[2])]
            music = voices[0] if len(voices) == 1 else sum(voice.astype(int)
                                                           for voice in voices) > 0
        if step not in self._sounds:
            self._sounds[step] = render(music, instrument=self.instrument, tempo=self.tempo,
                                        steps_per_quarter=self.steps_per_quarter).inline()
        self.audio.value = self._sounds[step]
        self.roll.value = figure_png(lambda ax: plot_pianoroll(
            music, ax=ax, steps_per_quarter=self.steps_per_quarter, title=f"step {step}"))
        self.roll.layout.display = None
