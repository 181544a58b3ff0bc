"""``ListeningTest``: one person takes a listening test, in a notebook or on the served page;
``ListeningResults``: the teacher's live view of the answers.

Sound plays through ``ipywidgets.Audio``. A small browser-side helper (``BrowserSession``,
an anywidget) does two things the kernel cannot: it remembers the rater's anonymous id in the
browser's local storage, so a reload resumes where the rater was, and it listens to the audio
elements of the page, reporting how often each clip was played and how much of it was heard.
"""

import html
import threading
import time

import anywidget
import ipywidgets
import traitlets

from musiclab.listening import statistics
from musiclab.listening.designs import MOS_SCALE, MUSHRA_SCALE, Session
from widgets._base import error_html, figure_png

CLIP_CLASS = "musiclab-clip-"  # the audio elements BrowserSession listens to
BUCKET_SECONDS = 0.25  # heard share: quarter-second pieces of a clip that played
MIN_SECONDS = 0.5  # clicks sooner after an item appears are the previous click's echo

BROWSER_SESSION_ESM = """
const BUCKET = __BUCKET__;
function render({ model, el }) {
  el.style.display = "none";
  const key = model.get("key");
  let stored = "";
  try { stored = window.localStorage.getItem(key) || ""; } catch (error) {}
  model.set("token", stored);
  model.set("ready", true);
  model.save_changes();
  model.on("change:token", () => {
    const token = model.get("token");
    try { if (token) window.localStorage.setItem(key, token); } catch (error) {}
  });
  let state = {};
  model.on("change:reset", () => { state = {}; });
  const report = () => {
    const out = {};
    for (const [name, clip] of Object.entries(state)) {
      out[name] = { plays: clip.plays, heard: clip.buckets.size * BUCKET,
                    duration: clip.duration };
    }
    model.set("listening", out);
    model.save_changes();
  };
  const seen = new WeakSet();
  const attach = () => {
    for (const audio of document.querySelectorAll("audio[class*='__PREFIX__']")) {
      if (seen.has(audio)) continue;
      seen.add(audio);
      const name = () => [...audio.classList].find((c) => c.startsWith("__PREFIX__"));
      const clip = () => (state[name()] ||= { plays: 0, buckets: new Set(), duration: 0 });
      let last = null;
      const advance = () => {  // mark the quarter-seconds played since the last event
        const entry = clip(), now = audio.currentTime;
        entry.duration = audio.duration || entry.duration;
        if (last !== null && now > last && now - last < 2) {
          for (let t = Math.floor(last / BUCKET); t < Math.ceil(now / BUCKET); t++) {
            entry.buckets.add(t);
          }
        }
        last = now;
      };
      audio.addEventListener("play", () => { clip().plays += 1; last = audio.currentTime;
                                             advance(); report(); });
      audio.addEventListener("seeked", () => { last = audio.currentTime; });
      audio.addEventListener("timeupdate", () => { if (!audio.paused) advance(); });
      audio.addEventListener("pause", () => { advance(); last = null; report(); });
      audio.addEventListener("ended", () => { advance(); last = null; report(); });
    }
  };
  new MutationObserver(attach).observe(document.body, { childList: true, subtree: true });
  attach();
}
export default { render };
""".replace("__BUCKET__", str(BUCKET_SECONDS)).replace("__PREFIX__", CLIP_CLASS)


class BrowserSession(anywidget.AnyWidget):
    """Browser-side memory and ears of a listening test (invisible).

    Attributes:
        key: the local-storage key the rater id is kept under.
        token: the rater id (the browser's stored one once ``ready``; set it to store one).
        ready: the browser has reported (its stored token may be empty).
        listening: ``{clip class: {"plays", "heard" (seconds), "duration"}}`` since ``reset``.
        reset: increase to start counting afresh (a new item).
    """

    _esm = BROWSER_SESSION_ESM
    key = traitlets.Unicode("musiclab-rater").tag(sync=True)
    token = traitlets.Unicode("").tag(sync=True)
    ready = traitlets.Bool(False).tag(sync=True)
    listening = traitlets.Dict({}).tag(sync=True)
    reset = traitlets.Int(0).tag(sync=True)


class ListeningTest(ipywidgets.VBox):
    """Take a listening test: a training page, then one item at a time, every answer stored
    the moment it is given.

    Args:
        store: a ``ResultsStore``; test: the test's id or name.
        rater: an existing rater id to resume (``None``: see ``remember``).
        remember: keep the rater id in the browser and wait for it before starting, so a
            reload resumes (the served page); otherwise a new anonymous rater starts at once.
        min_seconds: answers sooner than this after an item appears are ignored (the second
            click of a double click, landing on the next item's button, would otherwise answer
            it unheard). Each item has its own buttons, so a click that reaches the kernel
            from an earlier item's button, however late, is ignored too.

    Attributes:
        session (``Session`` once started), page (HTML), clips (list of Audio), buttons
        (``{label: Button}`` of the page shown), ratings (MOS ToggleButtons or MUSHRA
        IntSliders), submit (the current MOS or MUSHRA item's Button, also in ``buttons``),
        progress (IntProgress), status (HTML).
    """

    def __init__(self, store, test, *, rater=None, remember=False, min_seconds=MIN_SECONDS):
        self.store, self.test_name, self.min_seconds = store, test, min_seconds
        store.test_id(test)  # a clear error now for a test that does not exist
        self.browser = BrowserSession(key=f"musiclab-rater:{store.path.resolve()}:{test}")
        self.session, self.item, self.shown, self._started = None, None, None, 0.0
        self.title = ipywidgets.HTML()
        self.progress = ipywidgets.IntProgress(min=0, max=1, value=0,
                                               layout={"width": "320px"})
        self.page = ipywidgets.HTML()
        self.body = ipywidgets.VBox()
        self.status = ipywidgets.HTML()
        self.clips, self.buttons, self.ratings, self._players = [], {}, [], {}
        self.submit = None
        self._lock = threading.Lock()
        super().__init__([self.title, self.progress, self.page, self.body, self.status,
                          self.browser])
        if remember and rater is None:
            self.page.value = "<i>Loading the test...</i>"
            self.browser.observe(self._browser_ready, "ready")
        else:
            self.start(rater)

    def _browser_ready(self, change):
        if change["new"] and self.session is None:
            token = self.browser.token
            known = token and self.store.has_rater(self.store.test_id(self.test_name), token)
            self.start(token if known else None)
            self.browser.token = self.session.rater

    def start(self, rater=None):
        """Begin (or resume) as ``rater``; a new rater sees the training page first."""
        try:
            self.session = Session(self.store, self.test_name, rater)
        except ValueError as error:
            self.status.value = error_html("Cannot start", error)
            raise
        design = self.session.design
        self.title.value = f"<h3>{html.escape(design['name'])}</h3>"
        self.progress.max = self.session.total
        if self.session.done == 0:
            self._training()
        else:
            self.next_item()

    def _audio(self, stimulus, position):
        """The player of clip slot ``position``, now holding ``stimulus``. Players are kept
        from item to item (the page swaps sounds, not elements)."""
        audio = self._players.get(position)
        if audio is None:
            audio = self._players[position] = ipywidgets.Audio(format="wav", autoplay=False,
                                                               loop=False)
            audio.add_class(f"{CLIP_CLASS}{position}")
        audio.value = self.store.audio(stimulus) or b""
        return audio

    def _training(self):
        design = self.session.design
        first = design["items"][0]
        practice = self._audio(first.get("reference", first["clips"][0]), 0)
        start = ipywidgets.Button(description="Start the test", button_style="primary")
        start.on_click(lambda button: self.next_item())
        self.page.value = (f"<p>{html.escape(design['training'])}</p>"
                           "<p><b>Practice clip</b> (not rated):</p>")
        self.buttons = {"Start": start}
        self.body.children = [practice, start]

    def next_item(self):
        """Show the first unanswered item of this rater's order (or the thank-you page)."""
        # the page's text changes before the new buttons are drawn: the old ones go grey first,
        # so nobody clicks a button of the item just answered while the next one loads
        for button in self.buttons.values():
            button.disabled = True
        self.progress.value = self.session.done
        current = self.session.current()
        self.status.value = ""
        if current is None:
            self.item = None
            self.page.value = (f"<p><b>Thank you!</b> All {self.session.total} answers are "
                               "stored. You can close this page.</p>")
            self.body.children = []
            return
        self.item, self.shown = current
        design = self.session.design
        self.browser.listening = {}  # counted afresh for this item, here and in the browser
        self.browser.reset += 1
        self._started = time.monotonic()
        text = self.item.get("instruction") or design["question"]
        self.page.value = (f"<p>Item {self.session.done + 1} of {self.session.total}: "
                           f"<b>{html.escape(text)}</b></p>")
        self.clips = [self._audio(stimulus, position)
                      for position, stimulus in enumerate(self.shown)]
        kind = design["kind"]
        if kind == "ab":
            self.buttons = {label: self._button(label, self._answers({"choice": choice,
                                                                      "order": self.shown}))
                            for label, choice in (("A", "A"), ("B", "B"),
                                                  ("No difference", "same"))}
            labelled = [ipywidgets.HBox([ipywidgets.HTML(f"<b>{name}</b>&nbsp;"), clip])
                        for name, clip in zip("AB", self.clips)]
            self.body.children = [*labelled, ipywidgets.HBox(list(self.buttons.values()))]
        elif kind == "turing":
            self.buttons = {label: self._button(label, self._answers({"human": human}))
                            for label, human in (("Human", True), ("Machine", False))}
            self.body.children = [*self.clips, ipywidgets.HBox(list(self.buttons.values()))]
        elif kind == "mos":
            self.ratings = [ipywidgets.ToggleButtons(
                options=list(range(MOS_SCALE[0], MOS_SCALE[1] + 1)), value=None,
                description=criterion, style={"button_width": "40px",
                                              "description_width": "110px"})
                for criterion in design["criteria"]]
            self.submit = self._button("Submit", self._submit, primary=True, disabled=True)
            self.buttons = {"Submit": self.submit}
            for rating in self.ratings:
                rating.observe(self._mos_changed, "value")
            self.body.children = [*self.clips, *self.ratings, self.submit]
        else:
            reference = self._audio(self.item["reference"], "reference")
            self.ratings = [ipywidgets.IntSlider(value=50, min=MUSHRA_SCALE[0],
                                                 max=MUSHRA_SCALE[1],
                                                 description=f"version {index + 1}")
                            for index in range(len(self.clips))]
            self.submit = self._button("Submit", self._submit, primary=True)
            self.buttons = {"Submit": self.submit}
            rows = [ipywidgets.HBox([rating, clip])
                    for rating, clip in zip(self.ratings, self.clips)]
            self.body.children = [ipywidgets.HBox([ipywidgets.HTML("<b>Reference</b>&nbsp;"),
                                                   reference]), *rows, self.submit]

    def _button(self, label, respond, *, primary=False, disabled=False):
        """A button of the current item: clicked, it calls ``respond(item id)`` with this
        item's id, so its answer goes to this item only."""
        item = self.item["id"]
        button = ipywidgets.Button(description=label, disabled=disabled,
                                   button_style="primary" if primary else "")
        button.on_click(lambda _: respond(item))
        return button

    def _answers(self, answer):
        return lambda item: self.answer(answer, item=item)

    def _unrated(self):
        return any(rating.value is None for rating in self.ratings)

    def _mos_changed(self, change=None):
        self.submit.disabled = self._unrated()

    def _submit(self, item):
        if self._unrated():
            return  # a MOS item with a criterion unrated (its Submit is disabled)
        if self.session.design["kind"] == "mos":
            self.answer({rating.description: int(rating.value) for rating in self.ratings},
                        item=item)
        else:
            self.answer({"scores": {str(stimulus): int(rating.value)
                                    for stimulus, rating in zip(self.shown, self.ratings)}},
                        item=item)

    def answer(self, answer, *, item=None):
        """Store ``answer`` to the current item with its timing and listening, then move on.

        Args:
            answer: the answer (validated by the session).
            item: the id of the item the answer was given to; an answer meant for another item
                (a late click from an earlier item's button) is ignored. ``None``: the current
                item.
        """
        with self._lock:  # one answer per click, even when clicks arrive together
            if self.item is None or time.monotonic() - self._started < self.min_seconds:
                return
            if item is not None and item != self.item["id"]:
                return
            heard = self.browser.listening
            clips = [heard.get(f"{CLIP_CLASS}{position}") for position in range(len(self.shown))]
            plays = sum(clip["plays"] for clip in clips if clip) if any(clips) else None
            share = None
            if all(clip and clip.get("duration") for clip in clips):
                share = min(1.0, sum(clip["heard"] for clip in clips)
                            / sum(clip["duration"] for clip in clips))
            try:
                self.session.answer(self.item["id"], answer,
                                    seconds=round(time.monotonic() - self._started, 3),
                                    plays=plays, heard=share)
            except ValueError as error:
                self.status.value = error_html("Not stored", error)
                return
            self.next_item()


class ListeningResults(ipywidgets.VBox):
    """The teacher's live view: raters, answers, the headline table and its plot.

    Args:
        store: a ``ResultsStore``; test: the test's id or name.
        refresh: seconds between automatic updates (0: only on *Refresh*).
    """

    def __init__(self, store, test, *, refresh=5.0):
        self.store, self.test = store, test
        self.counts = ipywidgets.HTML()
        self.table = ipywidgets.HTML()
        self.plot = ipywidgets.Image(format="png", layout={"max_width": "100%"})
        self.refresh_button = ipywidgets.Button(description="Refresh")
        self.refresh_button.on_click(lambda button: self.update())
        super().__init__([ipywidgets.HBox([self.refresh_button, self.counts]), self.table,
                          self.plot])
        self.update()
        self._stop = threading.Event()
        if refresh > 0:
            threading.Thread(target=self._loop, args=(refresh,), daemon=True).start()

    def _loop(self, every):
        while not self._stop.wait(every):
            self.update()

    def close(self):
        self._stop.set()
        super().close()

    def update(self):
        """Read the database again and redraw."""
        try:
            analysis = statistics.analyse(self.store, self.test)
            self.counts.value = (f"&nbsp;{analysis.raters} raters, {len(analysis.answers)} "
                                 f"ratings kept, {len(analysis.excluded)} raters excluded "
                                 "(attention checks)")
            if analysis.answers.empty:
                self.table.value = "<i>No answers yet.</i>"
                return
            self.table.value = statistics.summary(analysis).round(3).to_html(index=False)
            self.plot.value = figure_png(lambda ax: statistics.plot_results(analysis, ax),
                                         width=7, height=3.2)
        except Exception as error:  # a live view reports, it never stops the notebook
            self.counts.value = error_html("Could not read the results", error)
