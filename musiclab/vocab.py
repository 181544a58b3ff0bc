"""The token vocabulary every encoding and model shares, defined once.

Melody tokens, one per time step (16th notes by default), MusicVAE style:

* ``NOTE_OFF`` (0): the sounding note stops here; a rest starts.
* ``HOLD`` (1): nothing new: the note or rest continues.
* ``FIRST_PITCH_TOKEN + pitch - LOWEST_PITCH`` (2..89): a new note of MIDI ``pitch``
  21..108, the 88 piano keys.

Models that read the step before (teacher forcing, causal shifts) see ``START_TOKEN``
(90, one past the vocabulary) before the first step. Piano rolls have ``KEYS`` columns,
key ``k`` being MIDI pitch ``LOWEST_PITCH + k``. Chorale grids have one column per voice
of ``VOICES``.
"""

NOTE_OFF = 0
HOLD = 1
FIRST_PITCH_TOKEN = 2
LOWEST_PITCH = 21
HIGHEST_PITCH = 108
KEYS = HIGHEST_PITCH - LOWEST_PITCH + 1  # 88
VOCABULARY_SIZE = FIRST_PITCH_TOKEN + KEYS  # 90
START_TOKEN = VOCABULARY_SIZE
DEFAULT_STEPS_PER_QUARTER = 4
VOICES = ("soprano", "alto", "tenor", "bass")
