"""General MIDI instruments by name."""

GM_PROGRAMS = {
    "piano": 0, "bright piano": 1, "electric piano": 4, "harpsichord": 6, "celesta": 8,
    "glockenspiel": 9, "music box": 10, "vibraphone": 11, "marimba": 12, "xylophone": 13,
    "organ": 19, "church organ": 19, "accordion": 21, "harmonica": 22,
    "guitar": 24, "nylon guitar": 24, "steel guitar": 25, "jazz guitar": 26,
    "electric guitar": 27, "acoustic bass": 32, "electric bass": 33,
    "violin": 40, "viola": 41, "cello": 42, "contrabass": 43, "pizzicato strings": 45,
    "harp": 46, "timpani": 47, "strings": 48, "choir": 52, "voice": 53,
    "trumpet": 56, "trombone": 57, "tuba": 58, "french horn": 60, "horn": 60, "brass": 61,
    "soprano sax": 64, "alto sax": 65, "tenor sax": 66, "baritone sax": 67,
    "oboe": 68, "english horn": 69, "bassoon": 70, "clarinet": 71,
    "piccolo": 72, "flute": 73, "recorder": 74, "pan flute": 75, "shakuhachi": 77,
    "whistle": 78, "ocarina": 79, "sitar": 104, "banjo": 105, "shamisen": 106,
    "koto": 107, "plucked string": 107, "pipa": 107, "guzheng": 107, "kalimba": 108,
    "bagpipe": 109, "fiddle": 110, "shanai": 111,
}  # fmt: skip


def instrument_program(instrument):
    """General MIDI program (0..127) of an instrument name or number.

    Args:
        instrument: a name from ``GM_PROGRAMS`` (case-insensitive) or an int 0..127.

    Raises:
        ValueError: naming the instrument, with the known names.
    """
    if isinstance(instrument, int) or (isinstance(instrument, str) and instrument.isdigit()):
        program = int(instrument)
        if not 0 <= program <= 127:
            raise ValueError(f"instrument: GM program must be 0..127, got {program}")
        return program
    name = str(instrument).strip().lower().replace("_", " ")
    if name not in GM_PROGRAMS:
        known = ", ".join(sorted(GM_PROGRAMS))
        raise ValueError(f"instrument: unknown {instrument!r}; use a GM program 0..127 or one of: "
                         f"{known}")
    return GM_PROGRAMS[name]


STYLE_INSTRUMENTS = {
    "bach": "church organ", "chinese": "pipa", "european": "flute", "irish": "fiddle",
    "fiddle": "violin", "reel": "fiddle", "jig": "whistle", "hornpipe": "fiddle",
    "strathspey": "bagpipe", "waltz": "accordion",
}


def style_instrument(style, default="piano"):
    """A GM instrument that suits a style: a plucked string (koto, GM's nearest to the
    pipa) for Chinese tunes, a fiddle for Irish ones, an organ for chorales...

    Args:
        style: a region or dance name.
        default: the instrument for styles without one.

    Returns:
        An instrument name ``instrument_program`` knows.
    """
    return STYLE_INSTRUMENTS.get(str(style).strip().lower(), default)
