"""What a user waits for: from a key press (or click) in Chromium to new playable audio in
the page, per widget, debounce included.

Builds one notebook with every widget over the shipped models, opens it in JupyterLab in
the system's Chromium (``widgets.browser``), runs it, then for each widget repeats one
action (a slider moved one step with the arrow key, a dropdown's next option, a button)
and times it in the page: the key press's time stamp to the moment the audio element
holds the new sound. Between actions it waits as a listener would (``--pause``), so each
action meets an idle kernel, the pictures of the previous one drawn.

    python benchmarks/browser_latency.py [--repeats 20] [--pause 1.0] [--out table.json]
        [--only "ListeningTest,SequenceSampler: More"]

Prints p50 / p95 per widget in milliseconds, and the kernel-side time of the same update
for comparison. Do not run it while training: two cores.
"""

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

SETUP = """\
import os
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import numpy as np
from musiclab.data import load_corpus
from musiclab.nn import config_of, load_shipped
from widgets import (AttentionExplorer, GANPlayer, InstrumentConverter, LatentExplorer,
                     SequenceSampler, StyleTransfer, TunePlayer)
corpus = load_corpus()
rng = np.random.default_rng(0)
mixed = corpus.subset(np.concatenate([
    rng.permutation(np.flatnonzero(corpus.metadata["region"] == region))[:60]
    for region in ("chinese", "irish", "european")]))
classifier = load_shipped("style_classifier")

import tempfile
from musiclab import sound
from musiclab.listening import Clip, Design, ResultsStore, create_test
from widgets import ListeningTest
windows = mixed.windows(bars=2).tokens
store = ResultsStore(os.path.join(tempfile.mkdtemp(), "latency.db"))
clips = [Clip(sound.render(tokens, tempo=110).inline()) for tokens in windows[:60]]
create_test(store, Design(name="latency", kind="turing", attention_checks=0,
                          systems={"real": clips[:30], "other": clips[30:]}))


def listening_test():
    widget = ListeningTest(store, "latency")
    widget.next_item()  # past the training page
    return widget


def reranking_sampler():
    sampler = SequenceSampler(load_shipped("melody_wavenet"), corpus=mixed, feedback=store,
                              judge=classifier)
    store.record_feedback(sampler.feedback_bar.source, 1, tokens=windows[0])  # a like and a
    store.record_feedback(sampler.feedback_bar.source, -1, tokens=windows[1])  # dislike
    return sampler
"""

# (label, widget construction, control kind, control description)
WIDGETS = [
    ("TunePlayer: tempo", "TunePlayer(corpus)", "slider", "Tempo"),
    ("TunePlayer: next tune", "TunePlayer(corpus)", "dropdown", "Tune"),
    ("LatentExplorer: A → B", "LatentExplorer(load_shipped('melody_vae_2bar'), mixed)",
     "slider", "A → B"),
    ("GANPlayer: A → B", "GANPlayer(load_shipped('chorale_gan'))", "slider", "A → B"),
    ("StyleTransfer: to style",
     "StyleTransfer(load_shipped('melody_vae_2bar'), mixed, classifier=classifier, "
     "regions=list(config_of(classifier).regions))", "dropdown", "to style"),
    ("SequenceSampler: Generate (WaveNet)",
     "SequenceSampler(load_shipped('melody_wavenet'), corpus=mixed)", "button", "Generate"),
    ("SequenceSampler: Generate (Transformer)",
     "SequenceSampler(load_shipped('melody_transformer'), corpus=mixed)", "button", "Generate"),
    ("AttentionExplorer: note", "AttentionExplorer(load_shipped('melody_transformer'))",
     "slider", "note"),
    ("ListeningTest: answer to the next clip", "listening_test()", "button", "Human"),
    ("SequenceSampler: More like this (best of 8, reranked)",
     "reranking_sampler()", "button", "More like this"),
    ("InstrumentConverter: loudness (8 s of piano to violin)",
     "InstrumentConverter(load_shipped('timbre_violin'))", "slider", "loudness (dB)"),
]


def build_notebook(folder):
    """Write ``latency.ipynb``: the set-up cell, then one cell per widget."""
    cells = [nbformat.v4.new_code_cell(SETUP)]
    cells += [nbformat.v4.new_code_cell(construction) for _, construction, _, _ in WIDGETS]
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(notebook, Path(folder) / "latency.ipynb")
    return "latency.ipynb"


def measure(repeats, pause):
    """Times in milliseconds per widget: ``{label: [ms, ...]}`` and the problems seen."""
    from widgets.browser import Lab

    folder = Path(tempfile.mkdtemp(prefix="musiclab-latency-"))
    name = build_notebook(folder)
    times, problems = {}, []
    with Lab(folder, environment={"MPLBACKEND": "Agg"}) as lab:
        page = lab.open(name)
        page.run_all(timeout=600)
        problems += page.problems()
        areas = page.page.locator(".jp-Cell-outputArea")
        for index, (label, _, kind, description) in enumerate(WIDGETS):
            area = areas.nth(index + 1)
            area.scroll_into_view_if_needed()
            control = page.control(area, description, kind)
            times[label] = []
            for repeat in range(repeats):
                key = "ArrowRight" if repeat % 4 < 2 else "ArrowLeft"  # to and fro
                if kind == "slider":
                    result = page.press(control, key, area=area)
                elif kind == "dropdown":
                    result = page.choose(control, area=area)
                else:
                    result = page.click(control, area=area)
                if result is None:
                    problems.append(f"{label}: no new audio after action {repeat + 1}")
                    continue
                milliseconds, sound = result
                if sound["rms"] < 0.01:
                    problems.append(f"{label}: silent audio after action {repeat + 1}")
                times[label].append(milliseconds)
                time.sleep(pause)
            print(f"{label}: {summary(times[label])}", flush=True)
        page.page.close()
    return times, problems


def summary(values):
    if not values:
        return "no measurement"
    return (f"p50 {statistics.median(values):.0f} ms, p95 {np.percentile(values, 95):.0f} ms "
            f"({len(values)} actions)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--pause", type=float, default=1.0,
                        help="seconds between actions (a listener's pause)")
    parser.add_argument("--out", default=None, help="also write the figures to this JSON file")
    parser.add_argument("--only", default=None,
                        help="measure only the widgets whose label starts with one of these "
                             "(comma-separated)")
    arguments = parser.parse_args()
    if arguments.only:
        prefixes = tuple(part.strip() for part in arguments.only.split(","))
        WIDGETS[:] = [entry for entry in WIDGETS if entry[0].startswith(prefixes)]
        if not WIDGETS:
            parser.error(f"--only: no widget label starts with {arguments.only!r}")
    times, problems = measure(arguments.repeats, arguments.pause)
    print("\n| widget: action | p50 (ms) | p95 (ms) | actions |\n| --- | --- | --- | --- |")
    for label, values in times.items():
        if values:
            print(f"| {label} | {statistics.median(values):.0f} | "
                  f"{np.percentile(values, 95):.0f} | {len(values)} |")
    for problem in problems:
        print("problem:", problem)
    if arguments.out:
        Path(arguments.out).write_text(json.dumps({"times_ms": times, "problems": problems},
                                                  indent=1))


if __name__ == "__main__":
    main()
