"""Sound: rendering music to audio, the NumPy SoundFont player, General MIDI instruments.

    from musiclab import sound
    sound.render(tune, instrument="koto")        # plays inline in Jupyter

Files: ``audio`` (render, WAV and MIDI bytes, backends), ``soundfont`` (the SoundFont 2
sample player), ``instruments`` (GM programs, an instrument per style).
"""

from musiclab.sound.audio import read_wav, render, synthesize, to_midi_bytes
from musiclab.sound.instruments import GM_PROGRAMS, instrument_program, style_instrument

__all__ = ["GM_PROGRAMS", "instrument_program", "read_wav", "render", "style_instrument",
           "synthesize", "to_midi_bytes"]
