"""``TunePlayer``: pick a tune of a corpus, see its score and piano roll, hear it."""

import ipywidgets

from musiclab.data import load_corpus
from musiclab.sound.instruments import GM_PROGRAMS
from widgets._base import WIDE_LABELS, MusicView, key_text, length_note

MAX_MATCHES = 200


class TunePlayer(ipywidgets.VBox):
    """Search a corpus, pick a tune, see it as a score and a piano roll, hear it.

    Args:
        corpus: a ``musiclab.data.Corpus`` (default: the bundled corpus).
        instrument: the GM instrument to start with.
        tempo: quarter notes per minute.
        voices: ``"all"`` plays every SATB voice of chorales; ``"melody"`` the tune only.

    Attributes:
        search, collection, tune, instrument, tempo: the controls.
        score (HTML), roll (Image), audio (Audio), status (HTML): what it shows.
    """

    def __init__(self, corpus=None, instrument="piano", tempo=100, voices="all"):
        self.corpus = corpus if corpus is not None else load_corpus()
        self.voices = voices
        collections = sorted(set(self.corpus.metadata["collection"]))
        self.search = ipywidgets.Text(placeholder="search titles or ids", description="Search",
                                      style=WIDE_LABELS)
        self.collection = ipywidgets.Dropdown(options=["all", *collections], value="all",
                                              description="Collection", style=WIDE_LABELS)
        self.tune = ipywidgets.Dropdown(description="Tune", style=WIDE_LABELS,
                                        layout={"width": "95%"})
        self.instrument = ipywidgets.Dropdown(options=sorted(GM_PROGRAMS), value=instrument,
                                              description="Instrument", style=WIDE_LABELS)
        self.tempo = ipywidgets.IntSlider(value=tempo, min=40, max=220, step=5,
                                          description="Tempo", style=WIDE_LABELS)
        self.status = ipywidgets.HTML()
        self.view = MusicView()
        self.audio, self.roll, self.score = self.view.audio, self.view.roll, self.view.score
        for control in (self.search, self.collection):
            control.observe(self._refilter, names="value")
        for control in (self.tune, self.instrument, self.tempo):
            control.observe(self._show, names="value")
        super().__init__([
            ipywidgets.HBox([self.search, self.collection]),
            self.tune,
            ipywidgets.HBox([self.instrument, self.tempo]),
            self.status, self.audio, self.roll, self.score,
        ])
        self._refilter()

    def _matches(self):
        text = self.search.value.strip().lower()
        wanted = self.collection.value
        titles, ids = self.corpus.metadata["title"], self.corpus.metadata["id"]
        collections = self.corpus.metadata["collection"]
        options = []
        for index in range(len(self.corpus)):
            if wanted != "all" and collections[index] != wanted:
                continue
            if text and text not in titles[index].lower() and text not in ids[index].lower():
                continue
            options.append((f"{titles[index] or ids[index]}  [{ids[index]}]", index))
            if len(options) >= MAX_MATCHES:
                break
        return options

    def _refilter(self, change=None):
        options = self._matches()
        if not options:  # say so, and keep the tune that is playing
            self._message(f"No tune matches {self.search.value!r}"
                          + (f" in {self.collection.value}" if self.collection.value != "all"
                             else "") + "; still playing the tune below.", error=True)
            return
        current = self.tune.value
        self.tune.options = options
        if current in {value for _, value in options}:
            self.tune.value = current
        else:
            self.tune.value = options[0][1]

    def _message(self, text, error=False):
        colour = "#b00020" if error else "#555"
        self.status.value = f"<span style='color:{colour}'>{text}</span>"

    def _music(self, index):
        """The tune as a music21 stream: what the score and the roll show."""
        if self.voices == "all" and self.corpus.info(index)["has_satb"]:
            return self.corpus.satb_stream(index)
        return self.corpus.stream(index)

    def _sound_source(self, index):
        """The same notes as arrays from the encoded corpus (an SATB grid, melody tokens):
        rendered in milliseconds, where rebuilding the stream takes a tenth of a second."""
        if self.voices == "all" and self.corpus.info(index)["has_satb"]:
            grid = self.corpus.tune_satb(index)
            if grid is not None:
                return grid
        return self.corpus.tune_tokens(index)

    def _show(self, change=None):
        """Render the selected tune; any error is shown in the widget, never raised."""
        index = self.tune.value
        if index is None:
            return
        try:
            info = self.corpus.info(index)
            # audio from the encoded arrays now; the stream for the pictures on their thread,
            # and the pictures stay when only the tempo or the instrument changed
            audio = self.view.show(self._sound_source(index), instrument=self.instrument.value,
                                   tempo=self.tempo.value, key=(index, self.voices),
                                   title=info["title"] or info["id"],
                                   steps_per_quarter=self.corpus.steps_per_quarter,
                                   picture=lambda: self._music(index))
            where = info["collection"] if info["region"] in ("", info["collection"]) else \
                f"{info['collection']} · {info['region']}"
            self._message(f"{info['title']} · {where} · key {key_text(info['key'])} · "
                          f"meter {info['meter'] or '?'} · "
                          f"{audio.duration:.1f} s ({audio.backend}){length_note(audio)}")
        except Exception as error:  # shown to the user instead of killing the callback
            self._message(f"Could not show this tune: {error}", error=True)
