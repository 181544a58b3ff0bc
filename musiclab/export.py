"""Write music to files in a folder the caller names (MIDI, MusicXML, WAV)."""

from musiclab.files import atomic_write_bytes, atomic_write_text, output_path
from musiclab.notation import to_musicxml
from musiclab.sound.audio import render, to_midi_bytes


def export_midi(music, folder, name, instrument="piano", tempo=None, steps_per_quarter=4):
    """Write ``folder/name.mid``.

    Args:
        music: a music21 stream, melody tokens, a piano roll or an SATB grid.
        folder: the folder to write into (created if needed).
        name: the file name (its suffix is replaced by ``.mid``).
        instrument: GM name or program, or one per voice.
        tempo: quarter notes per minute.
        steps_per_quarter: resolution of array inputs.

    Returns:
        The path written.
    """

    data = to_midi_bytes(music, instrument=instrument, tempo=tempo,
                         steps_per_quarter=steps_per_quarter)
    return atomic_write_bytes(output_path(folder, name, ".mid"), data)


def export_musicxml(music, folder, name, steps_per_quarter=4):
    """Write ``folder/name.musicxml`` (arguments as for ``export_midi``). Returns the path."""

    return atomic_write_text(output_path(folder, name, ".musicxml"),
                             to_musicxml(music, steps_per_quarter))


def export_wav(music, folder, name, **render_options):
    """Render and write ``folder/name.wav`` (options as for ``musiclab.sound.audio.render``)."""

    audio = render(music, **render_options)
    return atomic_write_bytes(output_path(folder, name, ".wav"), audio.to_wav_bytes())
