"""``LatentExplorer``: hear a melody VAE's latent space by moving sliders."""

import threading

import ipywidgets
import numpy as np

from musiclab.evaluation.feedback import preference_direction
from musiclab.vae import latent
from musiclab.vae.generate import decode, encode, melody_steps, slerp
from musiclab.vae.model import style_names
from widgets._base import (
    WIDE_LABELS,
    Debouncer,
    FeedbackBar,
    MusicView,
    error_html,
    melody_windows,
)

COMPONENTS = 3
OWN_STYLE = "(own)"


class LatentExplorer(ipywidgets.VBox):
    """Interpolate between two tunes and move along the latent space's main directions.

    Args:
        model: a trained melody VAE, conditional (a CVAE) or not.
        corpus: a ``Corpus``; each tune offers its first window of the model's length.
            With tunes of several regions, each region gets a style slider.
            A conditional model encodes each tune under its own region.
        tempo: quarter notes per minute.
        instrument: GM instrument.
        debounce: seconds to wait after the last change before rendering (0: at once).
        seed: decoding seed.
        feedback: a ``ResultsStore`` to keep thumbs up / down in; with it the widget shows a
            feedback bar and a "towards my likes" slider that moves along the preference
            direction (mean liked code minus mean disliked code), and "more like this" plays
            a variation near the current code.

    Attributes:
        tune_a, tune_b (Dropdown), search (Text), mix (FloatSlider),
        directions (list of FloatSlider), attributes (dict of FloatSlider),
        style (Dropdown: a region to steer towards, or the tunes' own), style_strength
        (FloatSlider: how far; a conditional model mixes its style inputs, an
        unconditional one moves along the region's label vector),
        temperature (FloatSlider), surprise (Button); and what it shows:
        roll (Image), score (HTML), audio (Audio), status (HTML).
        ``melody`` holds the current tokens. With ``feedback``: feedback_bar (FeedbackBar),
        taste (FloatSlider), preference (the direction, or ``None`` before a like and a
        dislike).
    """

    def __init__(self, model, corpus, tempo=100, instrument="piano", debounce=0.1, seed=0, *,
                 feedback=None):
        self.model, self.corpus = model, corpus
        self.tempo, self.instrument, self.debounce, self.seed = tempo, instrument, debounce, seed
        self.tokens, self.tune_index = melody_windows(corpus, melody_steps(model))
        regions = corpus.metadata["region"][self.tune_index]
        self.style_names = style_names(model)
        self.tune_styles = None
        if self.style_names:
            width = len(self.style_names)
            self.tune_styles = np.full((len(regions), width), 1.0 / width, np.float32)
            for row, region in enumerate(regions):
                if str(region) in self.style_names:
                    self.tune_styles[row] = np.eye(width)[self.style_names.index(str(region))]
        self.codes = encode(model, self.tokens, style=self.tune_styles)
        if len(self.codes) >= 2:
            self.centre, self.axes, self.spreads = latent.principal_directions(self.codes,
                                                                               COMPONENTS)
        else:  # one tune: no directions to move along, the rest still works
            self.centre, self.axes = self.codes[0], np.zeros((0, self.codes.shape[1]), np.float32)
            self.spreads = np.zeros(0, np.float32)
        self.vectors = latent.attribute_vectors(self.codes, self.tokens)
        labels = latent.label_vectors(self.codes, regions)
        self.vectors.update(labels)
        steerable = list(self.style_names) or sorted(labels)
        self.melody = None
        self._lock = threading.Lock()
        titles = [(f"{corpus.metadata['title'][i] or corpus.metadata['id'][i]}", k)
                  for k, i in enumerate(self.tune_index)]
        self._all_options = titles
        wide, half = WIDE_LABELS, {"width": "48%"}
        self.search = ipywidgets.Text(placeholder="search tunes", description="Search",
                                      style=wide)
        self.tune_a = ipywidgets.Dropdown(options=titles, value=0, description="Tune A",
                                          style=wide, layout=half)
        self.tune_b = ipywidgets.Dropdown(options=titles, value=min(1, len(titles) - 1),
                                          description="Tune B", style=wide, layout=half)
        self.mix = ipywidgets.FloatSlider(0.0, min=0.0, max=1.0, step=0.05, description="A → B",
                                          style=wide)
        self.directions = [ipywidgets.FloatSlider(0.0, min=-3.0, max=3.0, step=0.1,
                                                  description=f"direction {k + 1}", style=wide)
                           for k in range(len(self.axes))]
        self.attributes = {name: ipywidgets.FloatSlider(0.0, min=-2.0, max=2.0, step=0.1,
                                                        description=name, style=wide)
                           for name in self.vectors}
        self.style = ipywidgets.Dropdown(options=[OWN_STYLE, *steerable], value=OWN_STYLE,
                                         description="style", style=wide)
        self.style_strength = ipywidgets.FloatSlider(
            1.0, min=0.0, max=1.0 if self.style_names else 2.0, step=0.05,
            description="style strength", style=wide, disabled=True)
        self.temperature = ipywidgets.FloatSlider(0.0, min=0.0, max=1.5, step=0.05,
                                                  description="temperature", style=wide)
        self.surprise = ipywidgets.Button(description="Surprise me")
        self.taste = ipywidgets.FloatSlider(0.0, min=-1.0, max=2.0, step=0.1,
                                            description="towards my likes", style=wide,
                                            disabled=True)
        self.preference, self.variation = None, np.zeros(self.codes.shape[1], np.float32)
        self.feedback_bar = None
        if feedback is not None:
            self.feedback_bar = FeedbackBar(
                feedback, f"LatentExplorer:{model.name}",
                lambda: (self.melody, self.current_code(),
                         {"model": model.name, "temperature": self.temperature.value}),
                on_more=self._more_like_this, on_change=self._learn)
        self.status = ipywidgets.HTML()
        self.view = MusicView()
        self.audio, self.roll, self.score = self.view.audio, self.view.roll, self.view.score
        self.search.observe(self._refilter, names="value")
        self._schedule = Debouncer(self.update, debounce)
        for control in (self.tune_a, self.tune_b, self.mix, self.temperature, self.taste,
                        *self.directions,
                        *self.attributes.values(), self.style, self.style_strength):
            control.observe(self._schedule, names="value")
        # the strength only applies once a style is chosen
        self.style.observe(lambda change: setattr(self.style_strength, "disabled",
                                                  change["new"] == OWN_STYLE), names="value")
        self.surprise.on_click(self._surprise)
        # with one region there is nothing to steer towards: say so instead of a dead control
        if steerable:
            styles = ipywidgets.HBox([self.style, self.style_strength])
        elif len(set(regions.tolist())) < 2:
            styles = ipywidgets.HTML("<i>style: every tune here has the same region, so there "
                                     "is no other style to steer towards (load tunes of several "
                                     "regions)</i>")
        else:
            styles = ipywidgets.HTML("<i>style: no region here has the 20 tunes (and 20 others) "
                                     "that a style direction needs</i>")
        super().__init__([
            self.search, ipywidgets.HBox([self.tune_a, self.tune_b]), self.mix,
            ipywidgets.HBox([ipywidgets.VBox(self.directions),
                             ipywidgets.VBox(list(self.attributes.values()))]),
            styles, ipywidgets.HBox([self.temperature, self.surprise]),
            *([ipywidgets.HBox([self.feedback_bar, self.taste])] if feedback is not None else []),
            self.status, self.audio, self.roll, self.score,
        ])
        if feedback is not None:
            self._learn()
        self.update()

    def _refilter(self, change=None):
        text = self.search.value.strip().lower()
        options = [o for o in self._all_options if text in o[0].lower()]
        if not options:  # say so, and keep the tunes that are playing
            self.status.value = error_html(
                "Search", f"no tune matches {self.search.value!r}; still playing the tunes "
                          "below")
            return
        for dropdown in (self.tune_a, self.tune_b):
            current = dropdown.value
            dropdown.options = options
            if current in {value for _, value in options}:
                dropdown.value = current

    def _learn(self):
        """Recompute the preference direction from this model's stored thumbs."""
        frame = self.feedback_bar.ratings()
        width = self.codes.shape[1]
        codes = [(rating, np.asarray(code, np.float32)) for rating, code
                 in zip(frame["rating"], frame["code"]) if code is not None and len(code) == width]
        liked = [code for rating, code in codes if rating > 0]
        disliked = [code for rating, code in codes if rating < 0]
        if liked and disliked:
            self.preference = preference_direction(np.stack(liked), np.stack(disliked))
            self.taste.disabled = False
        else:
            self.preference, self.taste.disabled = None, True

    def _more_like_this(self):
        """A variation: a small random step away from the current code, then play it."""
        spread = float(np.mean(self.spreads)) if len(self.spreads) else 1.0
        step = np.random.default_rng().standard_normal(self.codes.shape[1]).astype(np.float32)
        self.variation = self.variation + 0.5 * spread * step / np.linalg.norm(step)
        self.update()

    def _surprise(self, button=None):
        rng = np.random.default_rng()
        self.variation = np.zeros_like(self.variation)
        with self.hold_trait_notifications():
            for slider in self.directions:
                slider.value = float(np.round(rng.uniform(-2, 2), 1))
        self.update()

    def current_code(self):
        """The latent code the controls point at: ``(latent_dim,)`` floats."""
        a, b = self.codes[self.tune_a.value], self.codes[self.tune_b.value]
        code = slerp(a, b, [self.mix.value])[0]
        for slider, axis, spread in zip(self.directions, self.axes, self.spreads):
            code = code + slider.value * spread * axis
        for name, slider in self.attributes.items():
            code = code + slider.value * self.vectors[name]
        if not self.style_names and self.style.value != OWN_STYLE:
            code = code + self.style_strength.value * self.vectors[self.style.value]
        if self.preference is not None:
            code = code + self.taste.value * self.preference
        return (code + self.variation).astype(np.float32)

    def current_style(self):
        """The style vector a conditional model decodes with ``(styles,)``; ``None`` otherwise."""
        if not self.style_names:
            return None
        a, b = self.tune_styles[self.tune_a.value], self.tune_styles[self.tune_b.value]
        own = (1.0 - self.mix.value) * a + self.mix.value * b
        if self.style.value == OWN_STYLE:
            return own.astype(np.float32)
        target = np.eye(len(self.style_names))[self.style_names.index(self.style.value)]
        strength = self.style_strength.value
        return ((1.0 - strength) * own + strength * target).astype(np.float32)

    def update(self):
        """Decode the current code, then show and play it; errors appear in the widget.

        Updates run one at a time and each reads the controls when it starts, so however
        debounce timers overlap, the last one shows the controls' final values.
        """
        with self._lock:
            self._update()

    def _update(self):
        try:
            style = self.current_style()
            self.melody = decode(self.model, self.current_code()[None],
                                 temperature=self.temperature.value, seed=self.seed,
                                 style=None if style is None else style[None])[0]
            title = (f"melody VAE · A → B {self.mix.value:.2f} · "
                     f"temperature {self.temperature.value:.2f}")
            sound = self.view.show(self.melody, instrument=self.instrument, tempo=self.tempo,
                                   title=title)
            notes = int((self.melody >= 2).sum())
            self.status.value = f"{notes} notes · {sound.duration:.1f} s"
        except Exception as error:  # shown in the widget, never raised into the kernel
            self.status.value = error_html("Could not decode", error)
