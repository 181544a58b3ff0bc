"""``GANPlayer``: move through a piano-roll GAN's noise, one part at a time, and hear it."""

import threading

import ipywidgets
import numpy as np

from musiclab import gan as gan_tools
from musiclab.export import export_midi
from musiclab.gan.model import parts, sample_latent
from musiclab.nn.config import config_of
from widgets._base import WIDE_LABELS, Debouncer, MusicView, error_html

PARTS = ("none", "chords", "style", "melody", "groove")
STRINGS = ("violin", "viola", "cello", "contrabass")


class GANPlayer(ipywidgets.VBox):
    """Generate phrases from a trained GAN and hear every change.

    Args:
        gan: a joined GAN (``musiclab.gan``); its ``GANConfig`` travels with it.
        export_folder: where *Export MIDI* writes (required to export).
        tempo: quarter notes per minute.
        instruments: GM instruments, one per track.
        debounce: seconds the controls must be still before a new phrase is made.

    Attributes:
        seed_a, seed_b (IntText), mix (FloatSlider: from A's noise to B's), part (Dropdown:
        the noise part to redraw), variation (IntSlider), threshold (FloatSlider),
        bernoulli (Checkbox), export_button (Button); roll (Image), audio (Audio),
        score (HTML), status (HTML); ``roll_value`` holds the current roll
        ``(steps, 88, tracks)``.
    """

    def __init__(self, gan, *, export_folder=None, tempo=80, instruments=STRINGS,
                 debounce=0.05):
        config = config_of(gan)
        self.gan, self.config, self.export_folder, self.tempo = gan, config, export_folder, tempo
        self.instruments = list(instruments)[:config.tracks] if config.tracks > 1 else \
            [instruments[0]]
        self.roll_value, self._exports = None, 0
        self.seed_a = ipywidgets.IntText(0, description="seed A", style=WIDE_LABELS)
        self.seed_b = ipywidgets.IntText(1, description="seed B", style=WIDE_LABELS)
        self.mix = ipywidgets.FloatSlider(0.0, min=0.0, max=1.0, step=0.05, description="A → B",
                                          style=WIDE_LABELS)
        self.part = ipywidgets.Dropdown(options=PARTS, value="none", style=WIDE_LABELS,
                                        description="redraw noise part")
        self.variation = ipywidgets.IntSlider(0, min=0, max=9, description="variation",
                                              style=WIDE_LABELS, disabled=True)
        self.threshold = ipywidgets.FloatSlider(0.5, min=0.05, max=0.95, step=0.05,
                                                description="threshold", style=WIDE_LABELS)
        self.bernoulli = ipywidgets.Checkbox(False, description="Bernoulli sampling",
                                             style=WIDE_LABELS)
        self.export_button = ipywidgets.Button(description="Export MIDI",
                                               disabled=export_folder is None)
        self.status = ipywidgets.HTML()
        self.view = MusicView()
        self.audio, self.roll, self.score = self.view.audio, self.view.roll, self.view.score
        self._lock = threading.Lock()
        schedule = Debouncer(self.update, debounce)
        for control in (self.seed_a, self.seed_b, self.mix, self.part, self.variation,
                        self.threshold, self.bernoulli):
            control.observe(schedule, names="value")
        # the variation only applies when a part is redrawn
        self.part.observe(lambda change: setattr(self.variation, "disabled",
                                                 change["new"] == "none"), names="value")
        self.export_button.on_click(lambda button: self.export())
        super().__init__([
            ipywidgets.HBox([self.seed_a, self.seed_b, self.mix]),
            ipywidgets.HBox([self.part, self.variation]),
            ipywidgets.HBox([self.threshold, self.bernoulli, self.export_button]),
            self.status, self.audio, self.roll, self.score,
        ])
        self.update()

    def current_latent(self):
        """The noise the controls point at: ``{part: array (1, ...)}``."""
        start = sample_latent(self.config, 1, int(self.seed_a.value))
        end = sample_latent(self.config, 1, int(self.seed_b.value))
        path = gan_tools.interpolate_latent(start, end, 21)  # the slider's 21 stops
        index = int(round(self.mix.value * 20))
        latent = {name: values[[index]] for name, values in path.items()}
        if self.part.value != "none":
            count = self.variation.value + 1
            fresh = gan_tools.vary_part(self.config, self.part.value, count,
                                        seed=int(self.seed_a.value) + 7919)
            for name in latent:
                if name == self.part.value or name.split("_")[0] == self.part.value:
                    latent[name] = fresh[name][[count - 1]]
        return latent

    def update(self):
        """Generate, play, then show the current phrase; errors appear in the widget.

        Updates run one at a time and read the controls when they start, so the last one
        plays the controls' final values.
        """
        with self._lock:
            self._update()

    def _update(self):
        try:
            latent = self.current_latent()
            self.roll_value = gan_tools.generate(
                self.gan, latent=latent, threshold=self.threshold.value,
                sample=self.bernoulli.value, seed=int(self.seed_a.value))[0]
            notes = int(np.sum(self.roll_value[1:] & ~self.roll_value[:-1])
                        + np.sum(self.roll_value[0]))
            if notes == 0:
                self.status.value = error_html("0 notes", self._why_silent(latent))
                return
            score = gan_tools.to_score(self.roll_value)
            mix = f"A → B {self.mix.value:.2f}" if self.mix.value else ""
            redraw = (f"{self.part.value} redrawn ({self.variation.value})"
                      if self.part.value != "none" else "")
            title = " · ".join(filter(None, [f"GAN · seed A {self.seed_a.value}", mix, redraw,
                                             f"threshold {self.threshold.value:.2f}"]))
            sound = self.view.show(score, instrument=self.instruments, tempo=self.tempo,
                                   title=title)
            self.status.value = f"{notes} notes · {sound.duration:.1f} s"
        except Exception as error:  # shown in the widget, never raised into the kernel
            self.status.value = error_html("Could not generate", error)

    def _why_silent(self, latent):
        if self.bernoulli.value:
            return "Bernoulli sampling switched every key off; move a control to draw again"
        highest = float(np.max(parts(self.gan)[0].predict_on_batch(latent)))
        return (f"no key's probability reaches the threshold {self.threshold.value:.2f} "
                f"(the highest is {highest:.2f}); lower the threshold or turn on "
                "Bernoulli sampling")

    def export(self):
        """Write the current phrase to ``export_folder`` as MIDI. Returns the path (or None)."""
        try:
            self._exports += 1
            path = export_midi(gan_tools.to_score(self.roll_value), self.export_folder,
                               f"gan_phrase_{self._exports}", instrument=self.instruments,
                               tempo=self.tempo)
            self.status.value = f"wrote {path}"
            return path
        except Exception as error:  # shown in the widget, never raised into the kernel
            self.status.value = error_html("Could not export", error)
            return None
