"""See music: scores as SVG engraved by verovio (no MuseScore or LilyPond)."""

import functools
import threading

from musiclab.files import atomic_write_text, output_path
from musiclab.music import as_stream

SCORE_OPTIONS = {
    "pageWidth": 2100,
    "pageHeight": 60000,
    "adjustPageHeight": True,
    "scale": 35,
    "footer": "none",
    "header": "auto",
    "breaks": "auto",
}


_ENGRAVING = threading.Lock()  # one verovio toolkit, used by one thread at a time


@functools.lru_cache(maxsize=1)
def _toolkit():
    import verovio

    verovio.enableLog(verovio.LOG_OFF)
    toolkit = verovio.toolkit()
    toolkit.setOptions(SCORE_OPTIONS)
    return toolkit


def to_musicxml(music, steps_per_quarter=4, *, title=None):
    """MusicXML text of any accepted musical value (see ``musiclab.music``).

    Args:
        music: a music21 stream, melody tokens, a piano roll or an SATB grid.
        steps_per_quarter: resolution of array inputs.
        title: the title to print; default: the stream's own, else none (never music21's
            placeholder "Music21 Fragment").
    """
    from music21 import metadata
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    stream = as_stream(music, steps_per_quarter)
    own = stream.metadata.title if stream.metadata is not None else None
    if title is not None or stream.metadata is None:
        stream = stream if stream is not music else stream.coreCopyAsDerivation("title")
        stream.metadata = metadata.Metadata()
        stream.metadata.title = title if title is not None else (own or "")
        if not stream.metadata.title:
            stream.metadata.movementName = ""
    return GeneralObjectExporter(stream).parse().decode("utf-8")


def score_svg(music, steps_per_quarter=4, width=None, *, title=None):
    """Engrave ``music`` as one SVG page.

    Args:
        music: a music21 stream, melody tokens, a piano roll or an SATB grid.
        steps_per_quarter: resolution of array inputs.
        width: page width in verovio units (default 2100).
        title: the title to print (default: the stream's own, else none).

    Returns:
        The SVG text.
    """
    xml = to_musicxml(music, steps_per_quarter, title=title)
    with _ENGRAVING:
        toolkit = _toolkit()
        if width is not None:
            toolkit.setOptions({"pageWidth": int(width)})
        if not toolkit.loadData(xml):
            raise ValueError("music: verovio could not read the MusicXML of this music")
        svg = toolkit.renderToSVG(1)
        if width is not None:
            toolkit.setOptions({"pageWidth": SCORE_OPTIONS["pageWidth"]})
    return svg


class Score:
    """An engraved score that shows itself inline in Jupyter.

    Attributes:
        svg: the SVG text.
    """

    def __init__(self, svg):
        self.svg = svg

    def _repr_svg_(self):
        return self.svg

    def save(self, folder, name="score"):
        """Write ``folder/name.svg`` atomically. Returns the path."""

        return atomic_write_text(output_path(folder, name, ".svg"), self.svg)


def show_score(music, steps_per_quarter=4, width=None, *, title=None):
    """A ``Score`` to display inline (last expression of a cell, or ``display(...)``)."""
    return Score(score_svg(music, steps_per_quarter, width, title=title))
