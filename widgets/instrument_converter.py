"""``InstrumentConverter``: play a recording with a learned instrument, before and after."""

import tempfile
import threading
import time
from pathlib import Path

import ipywidgets
import numpy as np

from musiclab.nn.config import config_of
from musiclab.plotting import plot_spectrogram
from musiclab.sound.audio import Audio
from musiclab.sound.features import fundamental_frequency, read_audio
from musiclab.timbre.convert import convert, resampled
from musiclab.timbre.synth import SAMPLE_RATE
from musiclab.timbre.train import held_out_pairs, pitch_agreement
from widgets._base import WIDE_LABELS, Debouncer, before_and_after, error_html, figure_png

UPLOAD_SECONDS = 120  # an uploaded recording is converted up to its first two minutes


class InstrumentConverter(ipywidgets.VBox):
    """Pick a recording (or upload one), choose a learned instrument, hear both; see both
    spectrograms with the pitch curve the model followed.

    Args:
        models: a timbre model, or ``{name: model}`` of several instruments.
        sources: optional ``{name: (samples, sample_rate)}`` of recordings to offer
            (default: piano renders of three held-out tunes).
        octaves: the starting pitch shift.
        debounce: seconds the controls must be still before a conversion.

    Attributes:
        source (Dropdown), upload (FileUpload), instrument (Dropdown), octaves (IntSlider),
        loudness (FloatSlider), button (Button); before and after, each a dict of ``audio``
        (Audio) and ``picture`` (Image); status (HTML). ``converted`` is the last ``Audio``.
    """

    def __init__(self, models, sources=None, *, octaves=0, debounce=0.05):
        if not isinstance(models, dict):
            models = {config_of(models).instrument: models}
        if not models:
            raise ValueError("models: give at least one timbre model")
        self.models = dict(models)
        if sources is None:
            sources = {f"piano, held-out {name}": (piano, SAMPLE_RATE)
                       for name, piano, _ in held_out_pairs("piano", tunes=3, seconds=8.0)}
        if not sources:
            raise ValueError("sources: give at least one recording")
        self.sources = dict(sources)
        self.converted = None
        wide = WIDE_LABELS
        self.source = ipywidgets.Dropdown(options=list(self.sources), description="recording",
                                          style=wide, layout={"width": "45%"})
        self.upload = ipywidgets.FileUpload(accept=".wav,.flac,.ogg", multiple=False,
                                            description="Upload audio")
        self.instrument = ipywidgets.Dropdown(options=list(self.models), description="to",
                                              style=wide)
        self.octaves = ipywidgets.IntSlider(octaves, min=-2, max=2, description="octaves",
                                            style=wide)
        self.loudness = ipywidgets.FloatSlider(0.0, min=-20.0, max=20.0, step=1.0,
                                               description="loudness (dB)", style=wide)
        self.button = ipywidgets.Button(description="Convert", button_style="primary",
                                        icon="play")
        self.status = ipywidgets.HTML()
        self.before, self.after = self._panel(), self._panel()
        self._lock = threading.Lock()
        self._shown_source = None
        self._prepared = {}  # recording name -> (Audio, its samples at 16 kHz, pitch curve)
        schedule = Debouncer(self.update, debounce)
        for control in (self.source, self.instrument, self.octaves, self.loudness):
            control.observe(schedule, names="value")
        self.upload.observe(self._uploaded, names="value")
        self.button.on_click(lambda _: self.update())
        super().__init__([
            ipywidgets.HBox([self.source, self.upload, self.instrument]),
            ipywidgets.HBox([self.octaves, self.loudness, self.button]),
            self.status,
            before_and_after(*([panel["title"], panel["audio"], panel["picture"]]
                               for panel in (self.before, self.after))),
        ])
        self.update()

    @staticmethod
    def _panel():
        return {"title": ipywidgets.HTML(),
                "audio": ipywidgets.Audio(format="wav", autoplay=False, loop=False),
                "picture": ipywidgets.Image(format="png", layout={"max_width": "100%",
                                                                  "display": "none"})}

    def add_recording(self, name, samples, sample_rate):
        """Offer another recording (and choose it)."""
        self.sources[name] = (np.asarray(samples, np.float32), int(sample_rate))
        self._prepared.pop(name, None)
        if self._shown_source == name:  # a new file under a name already shown
            self._shown_source = None
        self.source.options = list(self.sources)
        self.source.value = name

    def _uploaded(self, change=None):
        files = self.upload.value
        if not files:
            return
        item = files[0] if isinstance(files, list | tuple) else next(iter(files.values()))
        name = item.get("name") or "upload"
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / Path(name).name
            path.write_bytes(bytes(item["content"]))
            try:
                samples = read_audio(path, SAMPLE_RATE, max_seconds=UPLOAD_SECONDS)
            except ValueError as error:
                self.status.value = error_html("Upload", str(error).replace(str(path), name))
                return
        self.add_recording(f"uploaded: {name}", samples, SAMPLE_RATE)

    def update(self):
        """Convert the chosen recording with the chosen instrument and show both; errors
        appear in the status line. Conversions run one at a time."""
        with self._lock:
            self._update()

    def _update(self):
        name, instrument = self.source.value, self.instrument.value
        samples, rate = self.sources[name]
        started = time.perf_counter()
        try:
            audio = convert(self.models[instrument], samples, sample_rate=rate,
                            octaves=self.octaves.value, loudness_db=self.loudness.value,
                            name=name)
        except ValueError as error:
            self.status.value = error_html("Convert", error)
            return
        seconds = time.perf_counter() - started
        self.converted = audio
        self.after["audio"].value = audio.inline()
        source, at_model_rate, source_f0 = self._source(name)
        if self._shown_source != name:
            self.before["audio"].value = source.inline()
        played, _ = fundamental_frequency(audio.samples, SAMPLE_RATE)
        kept = ""
        if self.octaves.value == 0:
            kept = f"; pitch kept on {pitch_agreement(played, source_f0):.0%} " \
                   "of voiced frames (within 50 cents)"
        self.status.value = (f"{audio.duration:.1f} s converted in {seconds:.2f} s on this "
                             f"machine{kept}")
        self.after["title"].value = f"{instrument} (learned), octaves {self.octaves.value:+d}, " \
                                    f"loudness {self.loudness.value:+.0f} dB"
        self._picture(self.after, audio.samples, played, f"after: {instrument}")
        if self._shown_source != name:
            self.before["title"].value = name
            self._picture(self.before, at_model_rate, source_f0, f"before: {name}")
            self._shown_source = name

    def _source(self, name):
        """The recording at the loudness everything plays at, its samples at 16 kHz and their
        pitch curve: measured once per recording, not on every conversion."""
        if name not in self._prepared:
            samples, rate = self.sources[name]
            source = Audio(samples, rate).normalized()
            at_model_rate = resampled(source.samples, rate)
            self._prepared[name] = (source, at_model_rate,
                                    fundamental_frequency(at_model_rate, SAMPLE_RATE)[0])
        return self._prepared[name]

    @staticmethod
    def _picture(panel, samples, f0, title):
        panel["picture"].value = figure_png(
            lambda ax: plot_spectrogram(samples, SAMPLE_RATE, ax=ax, title=title,
                                        max_frequency=4000, f0=f0), width=6.0, height=2.8)
        panel["picture"].layout.display = None
