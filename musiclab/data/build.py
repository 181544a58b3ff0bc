"""Building an encoded corpus from the bundled collections or a user folder.

``build_corpus`` parses every tune on all cores with a progress bar, encodes
it (melody tokens, plus the SATB grid for four-voice scores), drops what
cannot be used with a reason, and caches the result in a folder keyed by the
inputs' contents and the encoding settings, so a second build is a load.
"""

import contextlib
import dataclasses
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from musiclab.data import report as reasons
from musiclab.data.corpus import COLLECTIONS, catalogue, ignored_files
from musiclab.data.dataset import Corpus
from musiclab.data.melody import DEFAULT_STEPS_PER_QUARTER, encode_melody, top_voice
from musiclab.data.parsing import load_tune
from musiclab.data.report import BuildReport
from musiclab.data.satb import encode_satb
from musiclab.errors import MusicFileError, MusiclabError
from musiclab.files import atomic_write_text

ENCODING_VERSION = 2
DEFAULT_MIN_BARS = 2
TUNE_SECONDS = 10.0  # the longest one tune may take to read and encode in a build


@dataclasses.dataclass
class EncodedTune:
    """One tune after encoding (what a build worker returns).

    Attributes:
        tune: the ``TuneInfo`` (with key and meter filled in from the music).
        tokens: melody tokens, shape ``(steps,)``, or ``None`` when dropped.
        satb: SATB grid, shape ``(steps, 4)``, or ``None``.
        steps_per_bar: bar length in steps (0: no usable bars).
        downbeats: int array, the steps where full bars start.
        drop: ``(reason, detail)`` when the tune is left out, else ``None``.
        flags: ``[(reason, detail)]`` for changes made to a kept tune.
    """

    tune: object
    tokens: object = None
    satb: object = None
    steps_per_bar: int = 0
    downbeats: object = None
    drop: tuple | None = None
    flags: list = dataclasses.field(default_factory=list)


def _bar_structure(voice, steps_per_quarter):
    """Meter, bar length and downbeats of the melody's part.

    The meter is the one that covers the most music. Its downbeats are the
    starts of the bars that are full bars of that meter; short bars around
    repeats, pickups (also in mid-tune) and passages in other meters are
    left out, so windows cut at downbeats always hold whole bars.

    Returns:
        ``(meter, steps_per_bar, downbeats, problem)``: ``downbeats`` is an
        int array of steps; ``steps_per_bar`` is 0 and ``problem`` says why
        when the tune has no usable bars.
    """
    import music21

    measures = list(voice.getElementsByClass(music21.stream.Measure))
    covered, current, meters = {}, None, []
    for measure in measures:
        current = measure.timeSignature or current
        meters.append(current)
        if current is not None:
            name = current.ratioString
            covered[name] = covered.get(name, 0.0) + float(measure.duration.quarterLength)
    none = np.zeros(0, np.int32)
    if not covered:
        return "", 0, none, "no time signature (free meter)"
    main = max(covered, key=lambda name: (covered[name], name))
    bar = next(m for m in meters if m is not None and m.ratioString == main)
    bar_quarters = float(bar.barDuration.quarterLength)
    steps = bar_quarters * steps_per_quarter
    if abs(steps - round(steps)) > 1e-6 or steps < 1:
        return main, 0, none, f"{main} bars are off the step grid"
    downbeats = sorted({
        round(float(measure.offset) * steps_per_quarter)
        for measure, meter in zip(measures, meters)
        if meter is not None and meter.ratioString == main
        and abs(float(measure.duration.quarterLength) - bar_quarters) < 1e-6
    })
    if not downbeats:
        return main, 0, none, f"no full {main} bar"
    return main, int(round(steps)), np.array(downbeats, np.int32), None


def _key(stream, header_key):
    if header_key:
        return header_key.split()[0]
    import music21

    found = stream.recurse().getElementsByClass(music21.key.KeySignature).first()
    if found is None:
        return ""
    if isinstance(found, music21.key.Key):
        return f"{found.tonic.name} {found.mode}"
    return f"{found.sharps:+d} sharps"


class _OutOfTime(BaseException):
    """Raised by the alarm when a tune's time is up (a BaseException, so that no
    ``except Exception`` inside music21 can swallow it)."""


@contextlib.contextmanager
def _time_limit(seconds):
    """Interrupt the block after ``seconds`` with ``_OutOfTime`` (in a main thread, where
    signals arrive; elsewhere, and for ``None``, the block runs unbounded)."""
    if not seconds or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signal_number, frame):
        raise _OutOfTime()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def encode_tune(tune, steps_per_quarter=DEFAULT_STEPS_PER_QUARTER, min_bars=DEFAULT_MIN_BARS,
                seconds=TUNE_SECONDS):
    """Parse and encode one tune; never raises for bad music, and never runs for long.

    Args:
        tune: a ``TuneInfo``.
        steps_per_quarter: grid resolution.
        min_bars: tunes with fewer full bars are dropped as too short.
        seconds: a tune still being read after this long is dropped as too slow
            (``None``: no limit).

    Returns:
        An ``EncodedTune`` whose ``drop`` says why it was left out, if it was.
    """
    result = EncodedTune(tune=tune)
    try:
        with _time_limit(seconds):
            _encode_into(result, tune, steps_per_quarter, min_bars)
    except _OutOfTime:
        result.drop = (reasons.TOO_SLOW, f"still reading after {seconds:g} s")
    return result


def _encode_into(result, tune, steps_per_quarter, min_bars):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stream = load_tune(tune)
            voice, _ = top_voice(stream)
            meter, steps_per_bar, downbeats, problem = _bar_structure(voice, steps_per_quarter)
            result.tune = dataclasses.replace(
                tune, meter=meter or tune.meter, key=_key(stream, tune.key)
            )
            tokens, notes = encode_melody(stream, steps_per_quarter)
            if notes.out_of_range:
                pitches = ", ".join(map(str, notes.out_of_range))
                result.drop = (reasons.OUT_OF_RANGE, f"MIDI pitch {pitches} outside 21..108")
                return
            full_bars = len(downbeats) if steps_per_bar else len(tokens) // (4 * steps_per_quarter)
            if full_bars < min_bars:
                result.drop = (reasons.TOO_SHORT, f"{full_bars} full bars, need {min_bars}")
                return
            if problem:
                result.flags.append((reasons.UNSUPPORTED_METER,
                                     f"{problem}: kept whole, no bar-aligned windows"))
            if notes.polyphonic:
                result.flags.append((reasons.POLYPHONIC_REDUCED, "top voice kept"))
            if notes.off_grid:
                result.flags.append((reasons.OFF_GRID, f"{notes.off_grid} positions rounded"))
            if len(getattr(stream, "parts", [])) >= 4:
                try:
                    result.satb = encode_satb(stream, steps_per_quarter)[: len(tokens)]
                except ValueError:
                    result.satb = None
            result.tokens = tokens
            result.steps_per_bar = steps_per_bar
            result.downbeats = downbeats[downbeats < len(tokens)]
    except MusicFileError as error:
        result.drop = (error.kind, error.reason)
    except Exception as error:  # a bad tune must never stop the whole build
        result.drop = (reasons.UNPARSEABLE, f"{type(error).__name__}: {str(error)[:160]}")


def _encode_star(arguments):
    return encode_tune(*arguments)


def _start_method():
    """``fork`` (fast, works in scripts without a main guard) unless a deep-learning
    runtime with its own threads is loaded in this process, where ``spawn`` is safe."""
    threaded = any(name in sys.modules for name in ("tensorflow", "jax", "torch"))
    return "spawn" if threaded or "fork" not in multiprocessing.get_all_start_methods() else "fork"


def encode_tunes(tunes, *, steps_per_quarter=DEFAULT_STEPS_PER_QUARTER,
                 min_bars=DEFAULT_MIN_BARS, workers=None, progress=True, description="encoding"):
    """Encode many tunes in parallel, in input order, with a progress bar.

    Args:
        tunes: a list of ``TuneInfo``.
        steps_per_quarter: grid resolution.
        min_bars: minimum number of full bars.
        workers: processes to use (default: every core); 1 runs in this process.
        progress: show a tqdm progress bar.
        description: the progress bar's label.

    Returns:
        A list of ``EncodedTune``.
    """
    workers = (os.cpu_count() or 1) if workers is None else max(1, int(workers))
    jobs = [(tune, steps_per_quarter, min_bars) for tune in tunes]
    bar = tqdm(total=len(jobs), desc=description, unit="tune", disable=not progress)
    results = []
    if workers == 1 or len(jobs) < 32:
        for job in jobs:
            results.append(_encode_star(job))
            bar.update()
    else:
        context = multiprocessing.get_context(_start_method())
        with context.Pool(workers) as pool:
            for result in pool.imap(_encode_star, jobs, chunksize=8):
                results.append(result)
                bar.update()
    bar.close()
    return results


def _fingerprint(tunes, settings):
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for path in sorted({tune.path for tune in tunes}):
        digest.update(os.fsencode(path))  # the name's own bytes, UTF-8 or not
        try:
            digest.update(hashlib.sha1(Path(path).read_bytes()).digest())
        except OSError:
            digest.update(b"unreadable")
    for tune in tunes:
        digest.update(tune.id.encode("utf-8", "backslashreplace"))
    return digest.hexdigest()[:20]


def default_cache_dir():
    """``$MUSICLAB_CACHE_DIR``, else ``$XDG_CACHE_HOME/musiclab``, else ``~/.cache/musiclab``."""
    if os.environ.get("MUSICLAB_CACHE_DIR"):
        return Path(os.environ["MUSICLAB_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "musiclab"


def build_corpus(source, *, steps_per_quarter=DEFAULT_STEPS_PER_QUARTER,
                 min_bars=DEFAULT_MIN_BARS, cache_dir=None, workers=None, progress=True,
                 use_cache=True, verbose=True):
    """Build (or load from cache) an encoded corpus, and report what was dropped.

    Args:
        source: a collection name (``bach``, ``essen``, ``oneill``, ``ryan``),
            ``"all"``, a list of those, or a folder/file of the user's music.
        steps_per_quarter: grid resolution (4 = 16th notes).
        min_bars: tunes shorter than this many full bars are dropped.
        cache_dir: folder for cached builds (default: ``default_cache_dir()``).
        workers: processes (default: every core).
        progress: show a progress bar.
        use_cache: read and write the cache.
        verbose: print the drop report.

    Returns:
        ``(corpus, report)``: a ``musiclab.data.dataset.Corpus`` and a ``BuildReport``.

    Raises:
        MusiclabError: when nothing could be kept (the message carries the report).
    """

    names = list(COLLECTIONS) if source == "all" else source
    names = names if isinstance(names, (list, tuple)) else [names]
    tunes = [tune for name in names for tune in catalogue(str(name))]
    label = ",".join(str(name) for name in names)
    ignored = [item for name in names for item in ignored_files(str(name))]
    settings = {"steps_per_quarter": int(steps_per_quarter), "min_bars": int(min_bars),
                "encoding_version": ENCODING_VERSION}
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    stem = None
    if use_cache:
        slug = "".join(c if c.isalnum() else "_" for c in label)[-40:]
        stem = cache_dir / f"{slug}-{_fingerprint(tunes, settings)}"
        if stem.with_suffix(".npz").exists() and stem.with_suffix(".json").exists():
            corpus = Corpus.load(stem.with_suffix(".npz"))
            report = BuildReport.from_dict(json.loads(stem.with_suffix(".json").read_text()))
            report.ignored = ignored
            if verbose:
                print(report.summary())
            return corpus, report
    encoded = encode_tunes(tunes, steps_per_quarter=steps_per_quarter, min_bars=min_bars,
                           workers=workers, progress=progress,
                           description=f"building {label}")
    report = BuildReport(source=label, total=len(tunes), ignored=ignored)
    kept = []
    for item in encoded:
        if item.drop:
            report.drop(item.drop[0], item.tune.id, item.drop[1])
            continue
        kept.append(item)
        for reason, detail in item.flags:
            report.flag(reason, item.tune.id, detail)
    report.kept = len(kept)
    if verbose:
        print(report.summary())
    if not kept:
        raise MusiclabError(f"{label}: no usable tunes.\n{report.summary()}")
    corpus = Corpus.from_encoded(kept, steps_per_quarter)
    if stem is not None:
        corpus.save(stem.with_suffix(".npz"))

        atomic_write_text(stem.with_suffix(".json"), json.dumps(report.to_dict()))
    return corpus, report
