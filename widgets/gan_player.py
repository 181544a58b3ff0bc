"""``GANPlayer``: move through a piano-roll GAN's noise, one part at a time, and hear it."""

import ipywidgets
import numpy as np

from musiclab import gan as gan_tools
from musiclab.export import export_midi
from musiclab.gan.model import sample_latent
from musiclab.nn.config import config_of
from widgets._base import error_html, show_music

PARTS = ("none", "chords", "style", "melody", "groove")
STRINGS = ("violin", "viola", "cello", "contrabass")


class GANPlayer(ipywidgets.VBox):
    """Generate phrases from a trained GAN and hear every change.

    Args:
        gan: a joined GAN (``musiclab.gan``); its ``GANConfig`` travels with it.
        export_folder: where *Export MIDI* writes (required to export).
        tempo: quarter notes per minute.
        instruments: GM instruments, one per track.

    Attributes:
        seed_a, seed_b (IntText), mix (FloatSlider: from A's noise to B's), part (Dropdown:
        the noise part to redraw), variation (IntSlider), threshold (FloatSlider),
        bernoulli (Checkbox), export_button (Button); roll (Image), audio (Audio),
        score (HTML), status (HTML); ``roll_value`` holds the current roll
        ``(steps, 88, tracks)``.
    """

    def __init__(self, gan, *, export_folder=None, tempo=80, instruments=STRINGS):
        config = config_of(gan)
        self.gan, self.config, self.export_folder, self.tempo = gan, config, export_folder, tempo
        self.instruments = list(instruments)[:config.tracks] if config.tracks > 1 else \
            [instruments[0]]
        self.roll_value, self._exports = None, 0
        self.seed_a = ipywidgets.IntText(0, description="seed A")
        self.seed_b = ipywidgets.IntText(1, description="seed B")
        self.mix = ipywidgets.FloatSlider(0.0, min=0.0, max=1.0, step=0.05, description="A → B")
        self.part = ipywidgets.Dropdown(options=PARTS, value="none", description="redraw")
        self.variation = ipywidgets.IntSlider(0, min=0, max=9, description="variation")
        self.threshold = ipywidgets.FloatSlider(0.5, min=0.05, max=0.95, step=0.05,
                                                description="threshold")
        self.bernoulli = ipywidgets.Checkbox(False, description="Bernoulli sampling")
        self.export_button = ipywidgets.Button(description="Export MIDI",
                                               disabled=export_folder is None)
        self.status, self.score = ipywidgets.HTML(), ipywidgets.HTML()
        self.roll = ipywidgets.Image(format="png")
        self.audio = ipywidgets.Audio(format="wav", autoplay=False, loop=False)
        for control in (self.seed_a, self.seed_b, self.mix, self.part, self.variation,
                        self.threshold, self.bernoulli):
            control.observe(lambda change: self.update(), names="value")
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
        """Generate, show and play the current phrase; errors appear in the widget."""
        try:
            self.roll_value = gan_tools.generate(
                self.gan, latent=self.current_latent(),
                threshold=self.threshold.value, sample=self.bernoulli.value,
                seed=int(self.seed_a.value))[0]
            score = gan_tools.to_score(self.roll_value)
            sound = show_music(score, audio=self.audio, roll=self.roll, score=self.score,
                               instrument=self.instruments, tempo=self.tempo)
            notes = int(np.sum(self.roll_value[1:] & ~self.roll_value[:-1])
                        + np.sum(self.roll_value[0]))
            self.status.value = f"{notes} notes · {sound.duration:.1f} s"
        except Exception as error:  # shown in the widget, never raised into the kernel
            self.status.value = error_html("Could not generate", error)

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
