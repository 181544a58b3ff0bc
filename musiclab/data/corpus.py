"""The collections that ship inside the music21 wheel, and user folders.

A *tune* is the unit of data: one chorale file, or one ``X:`` entry of an ABC
file that holds many. Each tune gets a stable id such as
``essen/han1.abc#12`` that splits, caches and reports refer to.

Catalogues are read from file headers (ABC ``T:``, ``K:``, ``M:``, ``O:``,
``R:`` fields), which takes well under a second; nothing here parses music.
"""

import dataclasses
import functools
import re
from pathlib import Path

MUSIC_SUFFIXES = (".mid", ".midi", ".xml", ".mxl", ".musicxml", ".abc", ".krn")


@dataclasses.dataclass(frozen=True)
class Collection:
    """A named collection of the bundled corpus.

    Attributes:
        name: short name used on the command line (``bach``, ``essen``...).
        title: a readable title.
        source: where the music comes from.
        description: one sentence on what is in it.
    """

    name: str
    title: str
    source: str
    description: str


COLLECTIONS = {
    "bach": Collection(
        "bach",
        "Bach chorales",
        "J. S. Bach, 371 four-part chorales (Riemenschneider numbering), music21 corpus",
        "Four-voice (SATB) harmonisations of Lutheran hymn tunes.",
    ),
    "essen": Collection(
        "essen",
        "Essen folk songs",
        "Essen Associative Code collection (Schaffrath), music21 corpus essenFolksong/",
        "Folk songs, mostly German and Central European, plus about 1,200 Chinese Han songs.",
    ),
    "oneill": Collection(
        "oneill",
        "O'Neill's 1850 Irish tunes",
        "Francis O'Neill, The Music of Ireland (1903), ABC by Norbert Paap, music21 corpus",
        "Irish airs and dance tunes.",
    ),
    "ryan": Collection(
        "ryan",
        "Ryan's Mammoth fiddle tunes",
        "Ryan's Mammoth Collection (1883), music21 corpus ryansMammoth/",
        "Fiddle dance tunes: reels, jigs, hornpipes, strathspeys, waltzes...",
    ),
}

DANCE_TYPES = (
    "reel", "jig", "hornpipe", "strathspey", "waltz", "polka", "march", "clog",
    "schottische", "quickstep", "set dance", "slide", "fling", "air", "mazurka",
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class TuneInfo:
    """Where a tune lives and what its headers say.

    Attributes:
        id: stable id, ``collection/file#number`` (or the file path for user files).
        collection: collection name, or ``"user"``.
        path: the file that holds the tune.
        number: the ABC ``X:`` number inside a multi-tune file, or ``None``.
        title, key, meter: from the headers ("" when unknown).
        region: style/region label: ``chinese``, ``european``, ``irish``,
            ``bach``, ``fiddle`` or ``user``.
        dance: dance type for fiddle tunes (``reel``, ``jig``...), else "".
        source: the collection's source line, or the file name.

    Some Riemenschneider numbers share one chorale file; ``piece`` (file and
    tune number) is what train/valid/test splits group by, so such duplicates
    never straddle two splits.
    """

    id: str
    collection: str
    path: str
    number: int | None = None
    title: str = ""
    key: str = ""
    meter: str = ""
    region: str = ""
    dance: str = ""
    source: str = ""

    @property
    def piece(self):
        """The file and tune number: the unit that splits keep together."""
        suffix = "" if self.number is None else f"#{self.number}"
        return f"{Path(self.path).name}{suffix}"


def corpus_root():
    """The folder of music21's bundled corpus."""
    import music21.corpus

    return Path(music21.corpus.__file__).parent


def split_abc(text):
    """Split the text of an ABC file into tunes.

    Args:
        text: the whole file.

    Returns:
        A list of ``(number, tune_text)``, one per ``X:`` field, in file order, with
        distinct numbers: the ``X:`` value when it is a plain number not seen before in the
        file, else the next number above every one used so far (so an odd ``X:²``, a
        5,000-digit ``X:`` or a repeated number still gives its tune an id of its own, and
        such a tune's text carries its new number).
    """
    tunes, used = [], set()
    starts = [match.start() for match in re.finditer(r"(?m)^X:", text)]
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(text)
        chunk = text[start:end].strip() + "\n"
        first = chunk.split("\n", 1)[0][2:].strip()
        number = int(first) if re.fullmatch(r"[0-9]{1,9}", first) else None
        if number is None or number in used:
            number = max(used, default=0) + 1
            chunk = f"X:{number}\n" + chunk.split("\n", 1)[1]  # music21 reads the X: field too
        used.add(number)
        tunes.append((number, chunk))
    return tunes


def read_music_text(path):
    """A text music file's contents: UTF-8, else Latin-1 (every byte is a Latin-1 character,
    so no tune of an old file is lost to its encoding)."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def printable(name):
    """A file name as it can be printed and stored: bytes that are not UTF-8 (which Python
    keeps as lone surrogates) become ``\\xNN`` escapes."""
    return str(name).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def abc_headers(tune_text):
    """Read the header fields of one ABC tune.

    Returns:
        A dict of the first value of each single-letter field before the body
        (``T``, ``K``, ``M``, ``O``, ``R``...). ``K`` ends the header.
    """
    fields = {}
    for line in tune_text.splitlines():
        match = re.match(r"^([A-Za-z]):\s*(.*)$", line)
        if not match:
            continue
        letter, value = match.group(1), match.group(2).strip()
        fields.setdefault(letter, value)
        if letter == "K":
            break
    return fields


def _essen_region(origin, file_name):
    country = origin.lower()
    if "china" in country or file_name.startswith("han"):
        return "chinese"
    if country.startswith("irland"):
        return "irish"
    return "european"


def _dance_type(title, rhythm):
    text = f"{title} {rhythm}".lower()
    for dance in DANCE_TYPES:
        if dance in text:
            return dance
    return ""


def _abc_catalogue(collection, folder, region_of):
    tunes = []
    root = corpus_root()
    for path in sorted((root / folder).glob("*.abc")):
        if collection == "essen" and path.stem.startswith("test"):
            continue  # music21's parser test files, not part of the collection
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, chunk in split_abc(text):
            headers = abc_headers(chunk)
            title = headers.get("T", "")
            tunes.append(
                TuneInfo(
                    id=f"{collection}/{path.name}#{number}",
                    collection=collection,
                    path=str(path),
                    number=number,
                    title=title,
                    key=headers.get("K", ""),
                    meter=headers.get("M", ""),
                    region=region_of(headers, path.stem),
                    dance=_dance_type(title, headers.get("R", ""))
                    if collection == "ryan"
                    else "",
                    source=COLLECTIONS[collection].source,
                )
            )
    return tunes


def _bach_catalogue():
    from music21.corpus import chorales

    root = corpus_root()
    listing = chorales.ChoraleListRKBWV().byRiemenschneider
    tunes = []
    for number in sorted(listing):
        entry = listing[number]
        candidates = sorted(root.glob(f"bach/bwv{entry['bwv']}.*")) or sorted(
            root.glob(f"bach/bwv{entry['bwv']}*.mxl")
        )
        if not candidates:
            continue
        tunes.append(
            TuneInfo(
                id=f"bach/{candidates[0].name}#R{number}",
                collection="bach",
                path=str(candidates[0]),
                number=None,
                title=f"{entry['title']} (BWV {entry['bwv']}, R{number})",
                region="bach",
                source=COLLECTIONS["bach"].source,
            )
        )
    return tunes


@functools.cache
def _catalogue_cached(name):
    if name == "bach":
        return tuple(_bach_catalogue())
    if name == "essen":
        return tuple(
            _abc_catalogue(
                "essen", "essenFolksong", lambda h, stem: _essen_region(h.get("O", ""), stem)
            )
        )
    if name == "oneill":
        return tuple(_abc_catalogue("oneill", "oneills1850", lambda h, stem: "irish"))
    if name == "ryan":
        return tuple(_abc_catalogue("ryan", "ryansMammoth", lambda h, stem: "fiddle"))
    raise AssertionError(name)


def catalogue(name):
    """List the tunes of a bundled collection, or of a user folder.

    Args:
        name: a collection name (see ``COLLECTIONS``) or a folder path.

    Returns:
        A list of ``TuneInfo``.

    Raises:
        ValueError: the name is neither a collection nor an existing folder.
    """
    if name in COLLECTIONS:
        return list(_catalogue_cached(name))
    folder = Path(name).expanduser()
    if folder.is_dir() or folder.is_file():
        return folder_catalogue(folder)
    known = ", ".join(COLLECTIONS)
    raise ValueError(f"{name}: not a collection ({known}) nor an existing folder or file")


def folder_catalogue(folder):
    """List the tunes in a user's folder (or single file) of MIDI, MusicXML and ABC.

    Multi-tune ABC files yield one ``TuneInfo`` per tune; a file whose text
    cannot be read still yields one entry, so that the build reports it. Ids are
    printable (``printable``) whatever bytes a file name holds; ``path`` keeps the real
    name. Files with other suffixes are listed by ``ignored_files``.

    Args:
        folder: a folder (searched recursively) or one file.

    Returns:
        A list of ``TuneInfo`` with ``collection="user"``.
    """
    folder = Path(folder)
    paths = [folder] if folder.is_file() else sorted(folder.rglob("*"))
    tunes = []
    for path in paths:
        if not path.is_file() or path.suffix.lower() not in MUSIC_SUFFIXES:
            continue
        base = printable(path if folder.is_file() else path.relative_to(folder))
        tunes.extend(_user_tunes(path, base))
    return tunes


def ignored_files(source):
    """The files of a user's folder that a build passes over (no music suffix), printable."""
    folder = Path(source).expanduser()
    if source in COLLECTIONS or not folder.is_dir():
        return []
    return [printable(path.relative_to(folder)) for path in sorted(folder.rglob("*"))
            if path.is_file() and path.suffix.lower() not in MUSIC_SUFFIXES]


def _user_tunes(path, base):
    if path.suffix.lower() == ".abc":
        try:
            text = read_music_text(path)
        except OSError:
            text = ""
        pieces = split_abc(text)
        if len(pieces) > 1:
            return [
                _user_tune(path, f"{base}#{number}", number, abc_headers(chunk))
                for number, chunk in pieces
            ]
        if pieces:
            return [_user_tune(path, base, None, abc_headers(pieces[0][1]))]
    return [_user_tune(path, base, None, {})]


def _user_tune(path, tune_id, number, headers):
    return TuneInfo(
        id=tune_id,
        collection="user",
        path=str(path),
        number=number,
        title=headers.get("T", "") or path.stem,
        key=headers.get("K", ""),
        meter=headers.get("M", ""),
        region="user",
        source=path.name,
    )


def collection_counts():
    """Count the tunes of every bundled collection.

    Returns:
        A dict ``{name: {"tunes": n, "regions": {region: n}}}``.
    """
    counts = {}
    for name in COLLECTIONS:
        regions = {}
        tunes = catalogue(name)
        for tune in tunes:
            regions[tune.region] = regions.get(tune.region, 0) + 1
        counts[name] = {"tunes": len(tunes), "regions": regions}
    return counts
