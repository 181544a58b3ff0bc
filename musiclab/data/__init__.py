"""Data: the bundled corpus and user files, encodings, splits and caching.

Typical use::

    from musiclab import data
    corpus = data.load_corpus()                  # bundled, pre-encoded: instant
    folk = corpus.select(collection="essen")
    splits = folk.split(valid=0.1, test=0.1)     # by piece, deterministic
    windows = splits["train"].windows(bars=2)    # (n, 32) melody tokens
"""

from musiclab.data.build import build_corpus, default_cache_dir, encode_tune
from musiclab.data.bundled import bundled_report, load_corpus
from musiclab.data.corpus import COLLECTIONS, TuneInfo, catalogue, collection_counts
from musiclab.data.dataset import Corpus, Windows, transpose_windows
from musiclab.data.melody import (
    HOLD,
    NOTE_OFF,
    VOCABULARY_SIZE,
    decode_melody,
    encode_melody,
    transpose_tokens,
)
from musiclab.data.parsing import load_file, load_tune
from musiclab.data.pianoroll import decode_pianoroll, encode_pianoroll
from musiclab.data.report import BuildReport
from musiclab.data.satb import decode_satb, encode_satb
from musiclab.data.splits import SPLIT, corpus_pieces, corpus_windows, load_splits

__all__ = [
    "COLLECTIONS", "HOLD", "NOTE_OFF", "SPLIT", "VOCABULARY_SIZE", "BuildReport", "Corpus",
    "TuneInfo", "Windows", "build_corpus", "bundled_report", "catalogue", "collection_counts",
    "corpus_pieces", "corpus_windows", "decode_melody", "decode_pianoroll", "decode_satb",
    "default_cache_dir", "encode_melody", "encode_pianoroll", "encode_satb", "encode_tune",
    "load_corpus", "load_file", "load_splits", "load_tune", "transpose_tokens",
    "transpose_windows",
]
