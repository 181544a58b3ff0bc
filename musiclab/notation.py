"""See music: scores as SVG engraved by verovio (no MuseScore or LilyPond)."""

import functools

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


@functools.lru_cache(maxsize=1)
def _toolkit():
    import verovio

    verovio.enableLog(verovio.LOG_OFF)
    toolkit = verovio.toolkit()
    toolkit.setOptions(SCORE_OPTIONS)
    return toolkit


def to_musicxml(music, steps_per_quarter=4):
    """MusicXML text of any accepted musical value (see ``musiclab.music``)."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    stream = as_stream(music, steps_per_quarter)
    return GeneralObjectExporter(stream).parse().decode("utf-8")


def score_svg(music, steps_per_quarter=4, width=None):
    """Engrave ``music`` as one SVG page.

    Args:
        music: a music21 stream, melody tokens, a piano roll or an SATB grid.
        steps_per_quarter: resolution of array inputs.
        width: page width in verovio units (default 2100).

    Returns:
        The SVG text.
    """
    toolkit = _toolkit()
    if width is not None:
        toolkit.setOptions({"pageWidth": int(width)})
    if not toolkit.loadData(to_musicxml(music, steps_per_quarter)):
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


def show_score(music, steps_per_quarter=4, width=None):
    """A ``Score`` to display inline (last expression of a cell, or ``display(...)``)."""
    return Score(score_svg(music, steps_per_quarter, width))
