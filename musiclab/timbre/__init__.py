"""Instruments in audio: a DDSP-style timbre model that turns any recording into another
instrument, and WaveNet as it was first built, on raw audio samples.

Files: ``synth`` (the differentiable harmonic-plus-noise synthesiser and the spectral loss),
``model`` (the decoder from pitch and loudness to the synthesiser's controls), ``data``
(soundfont renders of the bundled melodies, the user's recordings), ``train``, ``convert``
(any audio in, the instrument out), ``raw_audio`` (a mu-law WaveNet of single notes),
``cli`` (``musiclab convert``, ``musiclab train timbre | raw-wavenet``).
"""
