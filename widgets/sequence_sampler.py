"""``SequenceSampler``: generate with any next-step model (today the WaveNet): temperature,
top-k / top-p, style, primer, length, seed.

The widget knows no family: it asks ``musiclab.nn.sampling.sampler_for(model)`` for the
generate function the model's family registered, and reads ``head``, ``styles`` and
``steps_per_quarter`` from the config the model carries.
"""

import tempfile
from pathlib import Path

import ipywidgets
import numpy as np

from musiclab.data import encode_melody, encode_pianoroll, load_file
from musiclab.evaluation.feedback import Reranker
from musiclab.nn.config import config_of
from musiclab.nn.sampling import sampler_for
from musiclab.plotting import plot_pianoroll
from widgets._base import WIDE_LABELS, FeedbackBar, MusicView, error_html, length_note

MAX_MATCHES = 200
NO_PRIMER = -1
UPLOADED = -2


class SequenceSampler(ipywidgets.VBox):
    """Sample from a next-step model, optionally continuing a primer, and hear the result.

    Args:
        model: a model whose family registered a sampler (``nn.sampling.register_sampler``),
            such as a WaveNet; its config gives the head, the styles and the time resolution.
        corpus: a ``Corpus`` whose tunes can be primers (default: none but uploads).
        tempo: quarter notes per minute.
        instrument: GM instrument.
        feedback: a ``ResultsStore`` to keep thumbs up / down in (shows a feedback bar).
        judge: a style classifier; with it and feedback, "more like this" samples eight
            candidates and plays the one a reranker trained on the stored thumbs likes best
            (``musiclab.evaluation.feedback.Reranker``).

    Attributes:
        temperature (FloatSlider), top_k (IntSlider), top_p (FloatSlider),
        style (Dropdown, disabled for an unconditioned model), style_strength
        (FloatSlider: 0 is the average of the styles, 1 the style, 2 exaggerates it), search (Text),
        primer (Dropdown), upload (FileUpload), primer_steps, length (IntSlider),
        seed (IntText), generate_button (Button); and what it shows: status (HTML),
        audio (Audio), roll (Image), score (HTML). ``result`` holds the last output
        (primer included) and ``primed`` its number of primer steps.
    """

    def __init__(self, model, corpus=None, *, tempo=100, instrument="piano", feedback=None,
                 judge=None):
        config = config_of(model)
        self.sample_function = sampler_for(model)
        self.model, self.config, self.corpus = model, config, corpus
        self.tempo, self.instrument = tempo, instrument
        self.result, self.primed, self._uploaded = None, 0, None
        melody = config.head == "melody"
        wide = WIDE_LABELS
        self.temperature = ipywidgets.FloatSlider(1.0, min=0.0, max=2.0, step=0.05,
                                                  description="temperature", style=wide)
        self.top_k = ipywidgets.IntSlider(0, min=0, max=30, description="top-k (0 off)",
                                          style=wide)
        self.top_p = ipywidgets.FloatSlider(1.0, min=0.05, max=1.0, step=0.05,
                                            description="top-p", style=wide, disabled=not melody)
        styles = list(config.styles) or ["(not conditioned)"]
        self.style = ipywidgets.Dropdown(options=styles, value=styles[0], description="style",
                                         style=wide, disabled=not config.styles)
        self.style_strength = ipywidgets.FloatSlider(1.0, min=0.0, max=2.0, step=0.1,
                                                     description="style strength", style=wide,
                                                     disabled=not config.styles)
        self.search = ipywidgets.Text(placeholder="search primer tunes", description="Search",
                                      style=wide)
        self.primer = ipywidgets.Dropdown(description="primer", style=wide,
                                          layout={"width": "60%"})
        self.upload = ipywidgets.FileUpload(accept=".mid,.midi,.xml,.musicxml,.mxl,.abc",
                                            multiple=False, description="Upload primer")
        per_bar = 4 * config.steps_per_quarter
        self.primer_steps = ipywidgets.IntSlider(4 * per_bar, min=1, max=16 * per_bar,
                                                 description="primer steps", style=wide)
        self.length = ipywidgets.IntSlider(8 * per_bar, min=per_bar, max=64 * per_bar,
                                           step=per_bar, description="new steps", style=wide)
        self.seed = ipywidgets.IntText(0, description="seed", style=wide)
        self.pin_seed = ipywidgets.Checkbox(False, description="pin seed", style=WIDE_LABELS)
        self.generate_button = ipywidgets.Button(description="Generate", button_style="primary")
        self.status = ipywidgets.HTML()
        self.view = MusicView()
        self.audio, self.roll, self.score = self.view.audio, self.view.roll, self.view.score
        self.search.observe(self._refilter, names="value")
        self.upload.observe(self._uploaded_file, names="value")
        self.generate_button.on_click(lambda button: self.generate_new())
        self.judge, self.feedback_bar = judge, None
        if feedback is not None:
            self.feedback_bar = FeedbackBar(
                feedback, f"SequenceSampler:{model.name}",
                lambda: (None if self.result is None or config.head != "melody"
                         else self.result, None,
                         {"model": model.name, "seed": int(self.seed.value),
                          "temperature": self.temperature.value}),
                on_more=self.more_like_this)
        self._refilter()
        super().__init__([
            ipywidgets.HBox([self.temperature, self.top_k, self.top_p]),
            ipywidgets.HBox([self.style, self.style_strength]),
            ipywidgets.HBox([self.length, self.seed, self.pin_seed]),
            ipywidgets.HBox([self.search, self.upload]),
            ipywidgets.HBox([self.primer, self.primer_steps]),
            self.generate_button,
            *([self.feedback_bar] if self.feedback_bar is not None else []),
            self.status, self.audio, self.roll, self.score,
        ])

    def _refilter(self, change=None):
        options = [("(none: start from silence)", NO_PRIMER)]
        if self._uploaded is not None:
            options.append((f"uploaded: {self._uploaded[0]}", UPLOADED))
        if self.corpus is not None:
            text = self.search.value.strip().lower()
            titles = self.corpus.metadata["title"]
            ids = self.corpus.metadata["id"]
            matches = [index for index in range(len(self.corpus))
                       if text in f"{titles[index]} {ids[index]}".lower()][:MAX_MATCHES]
            options += [(f"{titles[index] or ids[index]}", index) for index in matches]
        current = self.primer.value
        self.primer.options = options
        self.primer.value = current if current in [value for _, value in options] else \
            options[0][1]

    def _uploaded_file(self, change=None):
        """Parse an uploaded file as a primer; a bad file is reported in the status line."""
        files = self.upload.value
        if not files:
            return
        item = files[0] if isinstance(files, list | tuple) else next(iter(files.values()))
        name = item["name"] if isinstance(item, dict) else item.name
        content = bytes(item["content"] if isinstance(item, dict) else item.content)
        try:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / Path(name).name
                path.write_bytes(content)
                try:
                    music = load_file(path)
                except Exception as error:  # name the file as the user knows it
                    raise ValueError(str(error).replace(str(path), name)) from None
            self._uploaded = (name, self._encode(music))
            self._refilter()
            self.primer.value = UPLOADED
            self.status.value = f"uploaded {name}"
        except Exception as error:  # shown in the widget, never raised into the kernel
            self.status.value = error_html(f"Could not use {name}", error)

    def _encode(self, music):
        if self.config.head == "melody":
            return encode_melody(music)[0]
        return encode_pianoroll(music, self.config.steps_per_quarter)

    def primer_sequence(self):
        """The chosen primer, cut to ``primer_steps`` (``None`` without one)."""
        choice = self.primer.value
        if choice == NO_PRIMER or choice is None:
            return None
        if choice == UPLOADED:
            sequence = self._uploaded[1]
        elif self.config.head == "melody":
            sequence = self.corpus.tune_tokens(choice)
        elif self.config.steps_per_quarter == self.corpus.steps_per_quarter:
            sequence = self.corpus.pianoroll(choice)
        else:
            stream = (self.corpus.satb_stream(choice) if self.corpus.tune_satb(choice)
                      is not None else self.corpus.stream(choice))
            sequence = self._encode(stream)
        return np.asarray(sequence)[:self.primer_steps.value]

    def generate_new(self):
        """What *Generate* does: a new seed (the next one) unless the seed is pinned, so
        each press plays something new and every result can be made again from its seed."""
        if self.result is not None and not self.pin_seed.value:
            self.seed.value = int(self.seed.value) + 1
        return self.generate()

    def generate(self):
        """Sample with the current settings (the seed as it is), then play and show the result.

        Returns:
            The generated sequence (primer included), or ``None`` after an error,
            which is shown in the widget.
        """
        try:
            self.status.value = "generating..."
            primer = self.primer_sequence()
            self.result = self._sample(primer, count=1)[0]
            title = (f"{self.config.kind} · "
                     f"seed {int(self.seed.value)} · temperature {self.temperature.value:.2f}"
                     + (f" · {self.style.value}" if self.config.styles else ""))
            sound = self._show(primer, title)
            self.status.value = (f"{self.primed} primer steps + {self.length.value} new steps · "
                                 f"{sound.duration:.1f} s{length_note(sound)}")
            return self.result
        except Exception as error:  # shown in the widget, never raised into the kernel
            self.status.value = error_html("Could not generate", error)
            return None

    def more_like_this(self, candidates=8):
        """Sample ``candidates`` melodies with the current settings and play the one the
        reranker (trained on this model's stored thumbs) ranks first; without a judge or
        without both a like and a dislike, the next seed.

        Returns:
            The sequence played, or ``None`` after an error (shown in the widget).
        """
        frame = self.feedback_bar.ratings() if self.feedback_bar else None
        rated = [] if frame is None else [(np.asarray(tokens), rating) for tokens, rating
                                          in zip(frame["tokens"], frame["rating"]) if tokens]
        if self.judge is None or len({rating > 0 for _, rating in rated}) < 2:
            self.generate_new()
            self.status.value += " · rate a few (up and down) to have them reranked"
            return self.result
        try:
            primer = self.primer_sequence()
            self.seed.value = int(self.seed.value) + 1
            options = self._sample(primer, count=candidates)
            width = min(min(len(tokens) for tokens, _ in rated), options.shape[1])
            reranker = Reranker(self.judge).fit(np.stack([tokens[-width:] for tokens, _ in rated]),
                                                np.array([rating for _, rating in rated]))
            best = int(reranker.rank(options[:, -width:])[0])
            self.result = options[best]
            sound = self._show(primer, f"{self.config.kind} · best of {candidates}")
            self.status.value = (f"the best of {candidates} candidates by your {len(rated)} "
                                 f"ratings · {sound.duration:.1f} s")
            return self.result
        except Exception as error:  # shown in the widget, never raised into the kernel
            self.status.value = error_html("Could not rerank", error)
            return None

    def _sample(self, primer, *, count):
        """``count`` sequences with the controls' settings and seed: ``(count, steps...)``."""
        style = self.config.styles.index(self.style.value) if self.config.styles else None
        return self.sample_function(
            self.model, length=self.length.value, temperature=self.temperature.value,
            top_k=self.top_k.value,
            top_p=self.top_p.value if self.config.head == "melody" else 1.0,
            seed=int(self.seed.value), primer=primer, style=style,
            style_strength=self.style_strength.value, count=count)

    def _show(self, primer, title):
        """Play ``self.result`` (its first ``len(primer)`` steps the primer) and draw it."""
        self.primed = primed = 0 if primer is None else len(primer)
        per_quarter, result = self.config.steps_per_quarter, self.result
        return self.view.show(result, instrument=self.instrument, tempo=self.tempo,
                              steps_per_quarter=per_quarter, title=title,
                              draw=lambda ax: self._draw(ax, result, primed, per_quarter))

    @staticmethod
    def _draw(ax, result, primed, per_quarter):
        plot_pianoroll(result, ax=ax, steps_per_quarter=per_quarter)
        if primed:
            ax.axvline(primed / per_quarter, color="#d62728", linewidth=1.5)
            ax.set_title("primer | continuation", fontsize=9)
