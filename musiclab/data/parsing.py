"""Reading music files into music21 streams, with errors that name the file.

Every failure (missing, empty, binary garbage, truncated, unparseable, no
notes) is raised as ``MusicFileError`` whose message starts with the file.
music21's on-disk pickle cache is never used, so no user data is unpickled.
"""

import warnings
import zipfile
from pathlib import Path

from musiclab.data.corpus import MUSIC_SUFFIXES, split_abc
from musiclab.errors import MusicFileError

MAX_FILE_BYTES = 20 * 1024 * 1024
TEXT_FORMATS = {".abc": "abc", ".xml": "musicxml", ".musicxml": "musicxml", ".krn": "humdrum"}


def _check_readable(path):
    if not path.exists():
        raise MusicFileError(path, "no such file")
    if not path.is_file():
        raise MusicFileError(path, "not a file")
    suffix = path.suffix.lower()
    if suffix not in MUSIC_SUFFIXES:
        known = " ".join(MUSIC_SUFFIXES)
        kind = suffix or "(none)"
        raise MusicFileError(path, f"unsupported file type {kind}; use one of {known}")
    size = path.stat().st_size
    if size == 0:
        raise MusicFileError(path, "file is empty", kind="empty")
    if size > MAX_FILE_BYTES:
        raise MusicFileError(path, f"file is too large ({size / 1e6:.0f} MB; the limit is 20 MB)")
    return suffix


def _read_text(path):
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise MusicFileError(path, "binary data where text was expected (corrupt or wrong suffix?)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _parse_data(path, text, music_format, number=None):
    import music21

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if number is not None:
                return music21.converter.parseData(text, format=music_format, number=number)
            return music21.converter.parseData(text, format=music_format)
    except MusicFileError:
        raise
    except Exception as error:  # music21 raises many exception types
        reason = f"could not be parsed as {music_format}: {_first_line(error)}"
        raise MusicFileError(path, reason) from None


def _first_line(error):
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]


def _check_midi_chunks(path, data):
    """Walk the chunks of a Standard MIDI File; raise if one is cut off or missing."""
    if len(data) < 14 or int.from_bytes(data[4:8], "big") < 6:
        raise MusicFileError(path, "truncated or corrupt MIDI: header is incomplete")
    tracks = int.from_bytes(data[10:12], "big")
    position = 8 + int.from_bytes(data[4:8], "big")
    for track in range(tracks):
        if position + 8 > len(data):
            raise MusicFileError(path, f"truncated or corrupt MIDI: track {track + 1} of {tracks} "
                                       "is missing")
        length = int.from_bytes(data[position + 4:position + 8], "big")
        available = len(data) - position - 8
        if length > available:
            raise MusicFileError(path, f"truncated or corrupt MIDI: track {track + 1} declares "
                                       f"{length} bytes, {available} present")
        position += 8 + length


def _parse_binary(path, suffix):
    import music21

    data = path.read_bytes()
    if suffix in (".mid", ".midi"):
        if not data.startswith(b"MThd"):
            raise MusicFileError(path, "not a MIDI file (no MThd header)")
        _check_midi_chunks(path, data)
        music_format = "midi"
    else:
        if not zipfile.is_zipfile(path):
            raise MusicFileError(path, "not a compressed MusicXML (.mxl) file (not a zip archive)")
        music_format = "musicxml"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return music21.converter.parseFile(
                str(path), format=music_format, forceSource=True, storePickle=False
            )
    except Exception as error:
        kind = "truncated or corrupt MIDI" if music_format == "midi" else "corrupt MusicXML"
        raise MusicFileError(path, f"{kind}: {_first_line(error)}") from None


def _check_has_notes(path, stream):
    import music21

    if isinstance(stream, music21.stream.Opus):
        scores = list(stream.scores)
        if not scores:
            raise MusicFileError(path, "contains no tunes", kind="empty")
        stream = scores[0]
    if not stream.recurse().notes.first():
        raise MusicFileError(path, "contains no notes", kind="empty")
    return stream


def load_file(path, number=None):
    """Parse one music file (MIDI, MusicXML, ABC, Humdrum).

    Args:
        path: the file.
        number: for an ABC file with several tunes, the ``X:`` number to load;
            the first tune when ``None``.

    Returns:
        A ``music21.stream.Score`` (or ``Part``) with at least one note.

    Raises:
        MusicFileError: naming the file, for any file that cannot be used.
    """
    path = Path(path).expanduser()
    label = path if number is None else f"{path}#{number}"
    suffix = _check_readable(path)
    if suffix in TEXT_FORMATS:
        text = _read_text(path)
        if not text.strip():
            raise MusicFileError(path, "file is empty", kind="empty")
        if suffix == ".abc":
            tunes = split_abc(text)
            if not tunes:
                raise MusicFileError(path, "no ABC tune (no X: field) in the file")
            chosen = dict(tunes).get(number) if number is not None else tunes[0][1]
            if chosen is None:
                raise MusicFileError(path, f"no tune X:{number} in the file")
            text = chosen
        stream = _parse_data(label, text, TEXT_FORMATS[suffix])
    else:
        stream = _parse_binary(path, suffix)
    return _check_has_notes(label, stream)


def load_tune(tune):
    """Parse a catalogued tune.

    Args:
        tune: a ``TuneInfo``.

    Returns:
        A ``music21.stream.Score`` whose metadata title is the tune's title.
    """
    stream = load_file(tune.path, number=tune.number)
    if tune.title and stream.metadata is not None and not stream.metadata.title:
        stream.metadata.title = tune.title
    return stream
