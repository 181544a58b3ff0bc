"""Reading music files into music21 streams, with errors that name the file.

Every failure (missing, empty, binary garbage, truncated, unparseable, no
notes) is raised as ``MusicFileError`` whose message starts with the file.
music21's on-disk pickle cache is never used, so no user data is unpickled.
"""

import io
import warnings
import zipfile
from pathlib import Path

import mido  # reads MIDI events fast, without music21's measures

from musiclab.data.corpus import MUSIC_SUFFIXES, read_music_text, split_abc
from musiclab.errors import MusicFileError

MAX_FILE_BYTES = 20 * 1024 * 1024
# Bounds on the work one file may cause, checked before music21 parses it; raise one here
# (e.g. ``parsing.MAX_MIDI_SECONDS = 7200``) to read a larger file, at the cost of time.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # a .mxl's MusicXML, unzipped
MAX_ABC_TUNE_CHARS = 4000  # music21's ABC bar-line pass slows with the square of the length
MAX_MIDI_SECONDS = 3600  # music21 makes measures over the whole span, silence included
MAX_NOTES = 20_000
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
    if b"\x00" in path.read_bytes()[:4096]:
        raise MusicFileError(path, "binary data where text was expected (corrupt or wrong suffix?)")
    return read_music_text(path)


def _too_much(path, what, amount, limit, name):
    return MusicFileError(path, f"{what} ({amount:,}; the limit is {limit:,}, "
                                f"musiclab.data.parsing.{name})", kind="too large")


def _check_midi_size(path, data):
    """Refuse a MIDI file whose span or note count would take music21 too long."""
    try:
        midi = mido.MidiFile(file=io.BytesIO(data))
        notes = sum(message.type == "note_on" and message.velocity > 0
                    for track in midi.tracks for message in track)
        seconds = midi.length if midi.type != 2 else 0.0
    except Exception as error:  # mido raises many types for broken files
        raise MusicFileError(path, f"truncated or corrupt MIDI: {_first_line(error)}") from None
    if notes > MAX_NOTES:
        raise _too_much(path, "too many notes", notes, MAX_NOTES, "MAX_NOTES")
    if seconds > MAX_MIDI_SECONDS:
        raise _too_much(path, "too long in seconds", round(seconds), MAX_MIDI_SECONDS,
                        "MAX_MIDI_SECONDS")


def _check_unpacked_size(path):
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(item.file_size for item in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise _too_much(path, "unzips to too many bytes", unpacked, MAX_UNPACKED_BYTES,
                        "MAX_UNPACKED_BYTES")


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
        _check_midi_size(path, data)
        music_format = "midi"
    else:
        if not zipfile.is_zipfile(path):
            raise MusicFileError(path, "not a compressed MusicXML (.mxl) file (not a zip archive)")
        _check_unpacked_size(path)
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
            if len(chosen) > MAX_ABC_TUNE_CHARS:
                raise _too_much(label, "tune too long in characters", len(chosen),
                                MAX_ABC_TUNE_CHARS, "MAX_ABC_TUNE_CHARS")
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
