"""``StyleTransfer``: move a tune into another style, and hear it before and after."""

import threading

import ipywidgets
import numpy as np

from musiclab.sound.instruments import style_instrument
from musiclab.style.judge import classify
from musiclab.style.transfer import contour_correlation, transfer_style
from musiclab.vae import latent
from musiclab.vae.generate import encode, melody_steps
from musiclab.vae.model import style_names
from widgets._base import WIDE_LABELS, Debouncer, MusicView, before_and_after, error_html

BY_STYLE = "by style"


class StyleTransfer(ipywidgets.VBox):
    """Pick a tune and a target style; see and hear the tune before and after the move.

    Args:
        model: a melody VAE. A conditional one decodes under the target style; an
            unconditional one moves along region label vectors learned from ``corpus``.
        corpus: a ``Corpus`` with region labels; each tune offers its first window.
        classifier: optional style classifier: its verdict on both versions is shown.
        regions: the classifier's region names (needed with ``classifier``).
        tempo: quarter notes per minute.
        instrument: a GM instrument, or ``"by style"`` (each version on its style's instrument).
        seed: decoding seed.

    Attributes:
        search (Text), tune (Dropdown), target (Dropdown), strength (FloatSlider),
        temperature (FloatSlider); what it shows: before and after, each a dict of
        ``audio`` (Audio), ``roll`` (Image), ``score`` (HTML), ``verdict`` (HTML); and
        status (HTML). ``original`` and ``moved`` hold the two melodies' tokens.
    """

    def __init__(self, model, corpus, classifier=None, regions=None, tempo=100,
                 instrument=BY_STYLE, seed=0, debounce=0.05):
        if classifier is not None and not regions:
            raise ValueError("regions: give the classifier's region names")
        self.model, self.classifier, self.regions = model, classifier, regions
        self.tempo, self.instrument, self.seed = tempo, instrument, seed
        self.original = self.moved = None
        steps = melody_steps(model)
        windows = corpus.windows(bars=steps // 16, steps_per_bar=16)
        if not len(windows.tokens):
            raise ValueError(f"corpus: no {steps // 16}-bar windows of 4/4 to move; give it "
                             "tunes in 4/4 or 2/2")
        all_regions = corpus.metadata["region"][windows.tune_index].astype(str)
        self.styles = style_names(model)
        if self.styles:
            usable = np.isin(all_regions, self.styles)
            self.vectors = None
        else:
            codes = encode(model, windows.tokens)
            self.vectors = latent.label_vectors(codes, all_regions)
            usable = np.isin(all_regions, list(self.vectors))
        targets = list(self.styles) or sorted(self.vectors)
        if len(targets) < 2 or not usable.any():
            raise ValueError("corpus: needs tunes of at least two regions the model can move "
                             "between (20 windows of each for an unconditional model)")
        first = np.unique(windows.tune_index[usable], return_index=True)[1]
        self.tokens = windows.tokens[usable][first]
        self.sources = all_regions[usable][first]
        tune_index = windows.tune_index[usable][first]
        meta = corpus.metadata
        self._options = [(f"{meta['title'][i] or meta['id'][i]} ({self.sources[k]})", k)
                         for k, i in enumerate(tune_index)]
        wide = WIDE_LABELS
        self.search = ipywidgets.Text(placeholder="search tunes", description="Search",
                                      style=wide)
        self.tune = ipywidgets.Dropdown(options=self._options, value=0, description="tune",
                                        style=wide, layout={"width": "60%"})
        self.target = ipywidgets.Dropdown(options=targets, description="to style", style=wide,
                                          value=next(t for t in targets if t != self.sources[0]))
        self.strength = ipywidgets.FloatSlider(1.0, min=0.0, max=1.0 if self.styles else 2.0,
                                               step=0.05, description="strength", style=wide)
        self.temperature = ipywidgets.FloatSlider(0.0, min=0.0, max=1.5, step=0.05,
                                                  description="temperature", style=wide)
        self.status = ipywidgets.HTML()
        self.before, self.after = self._panel(), self._panel()
        self._before_shown = None  # the tune the "before" column plays now
        self._lock = threading.Lock()
        self.search.observe(self._refilter, names="value")
        schedule = Debouncer(self.update, debounce)
        for control in (self.tune, self.target, self.strength, self.temperature):
            control.observe(schedule, names="value")
        super().__init__([
            ipywidgets.HBox([self.search, self.tune]),
            ipywidgets.HBox([self.target, self.strength, self.temperature]),
            self.status,
            before_and_after(*(self._column(panel) for panel in (self.before, self.after))),
        ])
        self.update()

    @staticmethod
    def _panel():
        view = MusicView()
        return {"verdict": ipywidgets.HTML(), "view": view, "audio": view.audio,
                "roll": view.roll, "score": view.score}

    @staticmethod
    def _column(panel):
        return [panel["verdict"], panel["audio"], panel["roll"], panel["score"]]

    def _refilter(self, change=None):
        text = self.search.value.strip().lower()
        options = [o for o in self._options if text in o[0].lower()]
        if not options:  # say so, and keep the tune that is playing
            self.status.value = error_html(
                "Search", f"no tune matches {self.search.value!r}; still playing the tune below")
            return
        current = self.tune.value
        self.tune.options = options
        if current in {value for _, value in options}:
            self.tune.value = current

    def wait(self, timeout=60.0):
        """Block until both columns' pictures are drawn (tests, scripts)."""
        return all(panel["view"].wait(timeout) for panel in (self.before, self.after))

    def _verdict(self, tokens):
        if self.classifier is None:
            return ""
        probabilities = classify(self.classifier, tokens[None])["region"][0]
        best = int(probabilities.argmax())
        return f"classifier: {self.regions[best]} ({probabilities[best]:.2f})"

    def _show(self, panel, tokens, style, title):
        instrument = style_instrument(style) if self.instrument == BY_STYLE else self.instrument
        panel["view"].show(tokens, instrument=instrument, tempo=self.tempo, title=title)
        verdict = self._verdict(tokens)
        panel["verdict"].value = f"{style} on {instrument}" + (f" · {verdict}" if verdict else "")

    def update(self):
        """Move the chosen tune to the chosen style and show both; errors appear inside.

        Updates run one at a time and read the controls when they start.
        """
        with self._lock:
            self._update()

    def _update(self):
        try:
            index, target = self.tune.value, self.target.value
            self.original, source = self.tokens[index], str(self.sources[index])
            self.moved = transfer_style(self.model, self.original, target,
                                        strength=self.strength.value, source=source,
                                        vectors=self.vectors,
                                        temperature=self.temperature.value, seed=self.seed)[0]
            if self._before_shown != index:  # the original only changes with the tune
                self._show(self.before, self.original, source, f"{source} (original)")
                self._before_shown = index
            self._show(self.after, self.moved, target,
                       f"moved to {target} · strength {self.strength.value:.2f} · "
                       f"temperature {self.temperature.value:.2f}")
            kept = contour_correlation(self.original, self.moved)
            self.status.value = (f"{source} → {target} at strength {self.strength.value:.2f} · "
                                 f"contour kept: {kept:.2f} · changed steps: "
                                 f"{(self.moved != self.original).mean():.0%}")
        except Exception as error:  # shown in the widget, never raised into the kernel
            self.status.value = error_html("Could not transfer", error)
