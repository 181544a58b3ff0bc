"""The pre-encoded corpus that ships inside the package.

``load_corpus()`` reads it in well under a second, so nothing waits for
music21 to parse ~12,000 tunes. It is rebuilt by ``musiclab corpus bundle``
(see ``benchmarks/`` and the tests, which re-encode a sample from the
music21 sources and compare).
"""

import json
from pathlib import Path

from musiclab.data.build import DEFAULT_MIN_BARS, build_corpus
from musiclab.data.corpus import COLLECTIONS
from musiclab.data.dataset import Corpus
from musiclab.data.melody import DEFAULT_STEPS_PER_QUARTER
from musiclab.data.report import BuildReport
from musiclab.files import atomic_write_text

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "_data"
BUNDLED_CORPUS = BUNDLED_DIR / "corpus.npz"
BUNDLED_REPORT = BUNDLED_DIR / "corpus_report.json"


def load_corpus(source="all", steps_per_quarter=DEFAULT_STEPS_PER_QUARTER, **build_options):
    """Load an encoded corpus: the bundled one when it fits, else build (cached).

    Args:
        source: ``"all"``, a collection name or list of names (served from the
            bundled corpus), or a folder of the user's files (built and cached).
        steps_per_quarter: grid resolution; only the default (4) is bundled.
        **build_options: passed to ``build_corpus`` when a build is needed.

    Returns:
        A ``Corpus``.
    """
    names = list(COLLECTIONS) if source == "all" else source
    names = [names] if isinstance(names, str) else list(names)
    bundled = all(name in COLLECTIONS for name in names)
    if bundled and steps_per_quarter == DEFAULT_STEPS_PER_QUARTER and BUNDLED_CORPUS.exists() \
            and build_options.get("min_bars", DEFAULT_MIN_BARS) == DEFAULT_MIN_BARS:
        corpus = Corpus.load(BUNDLED_CORPUS)
        return corpus if source == "all" else corpus.select(collection=names)
    build_options.setdefault("verbose", False)
    corpus, _ = build_corpus(source, steps_per_quarter=steps_per_quarter, **build_options)
    return corpus


def bundled_report():
    """The ``BuildReport`` of the bundled corpus: what was dropped and why."""
    return BuildReport.from_dict(json.loads(BUNDLED_REPORT.read_text()))


def write_bundle(folder=BUNDLED_DIR, workers=None, progress=True):
    """Build every collection from the music21 sources and write the bundle.

    Args:
        folder: where to write ``corpus.npz`` and ``corpus_report.json``.
        workers: processes (default: every core).
        progress: show a progress bar.

    Returns:
        ``(corpus, report)``.
    """

    corpus, report = build_corpus("all", workers=workers, progress=progress, use_cache=False,
                                  verbose=False)
    folder = Path(folder)
    corpus.save(folder / "corpus.npz")
    atomic_write_text(folder / "corpus_report.json", json.dumps(report.to_dict(), indent=0))
    return corpus, report
