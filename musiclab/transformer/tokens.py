"""What a Transformer reads: melody tokens, SATB grids voice by voice, and REMI events.

* ``melody_data``: the project's melody tokens (90: note-off, hold, 88 pitches) of whole
  tunes, in the one split every family uses, so held-out NLLs compare with the VAE's
  and the WaveNet's; the tune's region is its style.
* ``satb_data`` / ``jsb_data``: four-voice chorales at 16th notes serialised step by step,
  soprano, alto, tenor, bass (Music Transformer's JSB Chorales setting): a token is the
  sounding pitch of one voice (1..88, 0 = silent); a held note repeats its pitch.
* ``remi_data``: polyphonic events of the chorales or the user's own MIDI files through
  miditok's REMI (Huang & Yang 2020): ``Bar``, ``Position``, ``Pitch``, ``Duration``,
  all parts merged onto one stream. REMI rather than MIDI-like note-on / note-off
  events because its bar and beat-position tokens give the model the metre explicitly;
  velocities are left out (the chorales have none to learn).

Every token sequence of a piece is preceded by a prefix token (``TransformerConfig``):
the piece's style, or the start token.
"""

import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np

from musiclab.data.splits import corpus_pieces, load_splits
from musiclab.errors import MusiclabError
from musiclab.files import atomic_write_bytes
from musiclab.vocab import FIRST_PITCH_TOKEN, HOLD, KEYS, LOWEST_PITCH, NOTE_OFF, VOCABULARY_SIZE
from musiclab.vocab import VOICES as VOICE_NAMES

VOICE_COUNT = len(VOICE_NAMES)
SATB_SIZE = KEYS + 1  # silence and the 88 keys
REST = 0  # SATB token of a silent voice; pitch p is p - LOWEST_PITCH + 1


@dataclasses.dataclass
class TokenData:
    """Token sequences of whole pieces, split by piece.

    Attributes:
        kind: ``"melody"``, ``"satb"`` or ``"remi"`` (a ``TransformerConfig.data``).
        pieces: ``{"train" | "valid" | "test": [int array (steps,), ...]}``.
        content_size: tokens of the data (the vocabulary without prefix tokens).
        styles: style names (empty: unconditioned).
        labels: ``{split: int32 array (pieces,)}`` of style indices, or ``None``.
        dances: dance-type names (empty: no dance prefix).
        dance_labels: ``{split: int32 array (pieces,)}`` of dance indices (-1: none), or
            ``None``.
        steps_per_quarter: time steps per quarter note (melody and SATB).
        tokenizer: the miditok tokenizer's parameters (JSON), for REMI.
        skipped: files that could not be used, with the reason (REMI of a folder).
    """

    kind: str
    pieces: dict
    content_size: int
    styles: tuple = ()
    labels: dict = None
    dances: tuple = ()
    dance_labels: dict = None
    steps_per_quarter: int = 4
    tokenizer: str = ""
    skipped: list = dataclasses.field(default_factory=list)

    def config_fields(self):
        """The ``TransformerConfig`` fields this data fixes."""
        return {"data": self.kind, "content_size": self.content_size, "styles": self.styles,
                "dances": self.dances, "steps_per_quarter": self.steps_per_quarter,
                "tokenizer": self.tokenizer}

    def prefix(self, config, split, index):
        """The prefix tokens of piece ``index`` of a split, for a model of ``config``."""
        style = None if self.labels is None else int(self.labels[split][index])
        dance = None if self.dance_labels is None else int(self.dance_labels[split][index])
        return config.prefix(style, dance)

    def tokens(self, split):
        """Content tokens of a split in all."""
        return sum(len(piece) for piece in self.pieces[split])


def melody_data(source="all", *, styles=True, dances=False):
    """Whole tunes as melody tokens, with their regions as styles and their dance types.

    Args:
        source: a collection name, ``"all"`` or a folder of the user's files.
        styles: condition on the tunes' regions.
        dances: also condition on the dance type (reel, jig, hornpipe...) of the tunes that
            have one (the others get the "any dance" token).

    Returns:
        A ``TokenData`` of kind ``"melody"``, 90 content tokens.
    """
    pieces, labels, names = corpus_pieces(source, "melody", styles)
    pieces = {name: [np.asarray(piece, np.int32) for piece in part]
              for name, part in pieces.items()}
    data = TokenData("melody", pieces, VOCABULARY_SIZE, tuple(names), labels)
    if dances:
        splits = load_splits(source)
        data.dances = tuple(sorted({str(dance) for part in splits.values()
                                    for dance in part.metadata["dance"] if str(dance)}))
        data.dance_labels = {name: np.array([data.dances.index(str(d)) if str(d) else -1
                                             for d in part.metadata["dance"]], np.int32)
                             for name, part in splits.items()}
    return data


def grid_to_satb_tokens(grid):
    """A ``(steps, 4)`` grid of melody tokens (as ``Corpus.tune_satb`` gives) to the
    serialised SATB tokens: each voice's sounding pitch at each step, voice by voice.

    Returns:
        int32 ``(steps * 4,)``.
    """
    grid = np.asarray(grid)
    sounding = np.zeros(grid.shape, np.int32)
    for voice in range(grid.shape[1]):
        current = REST
        for step, token in enumerate(grid[:, voice]):
            if token == NOTE_OFF:
                current = REST
            elif token != HOLD:
                current = int(token) - FIRST_PITCH_TOKEN + 1
            sounding[step, voice] = current
    return sounding.reshape(-1)


def satb_tokens_to_grid(tokens):
    """Serialised SATB tokens back to a ``(steps, 4)`` grid of melody tokens (a new note
    wherever a voice's pitch changes), for playback and notation."""
    tokens = np.asarray(tokens)
    steps = len(tokens) // VOICE_COUNT
    sounding = tokens[:steps * VOICE_COUNT].reshape(steps, VOICE_COUNT)
    grid = np.full(sounding.shape, HOLD, np.int16)
    for voice in range(VOICE_COUNT):
        previous = None
        for step, pitch in enumerate(sounding[:, voice]):
            if pitch != previous:
                grid[step, voice] = NOTE_OFF if pitch == REST else \
                    pitch - 1 + FIRST_PITCH_TOKEN
            previous = pitch
    return grid


def satb_data(source="bach"):
    """The corpus's chorales (four voices), serialised voice by voice at 16th notes.

    Returns:
        A ``TokenData`` of kind ``"satb"``: 89 content tokens (silence and 88 pitches).
    """
    splits = load_splits(source)
    pieces = {}
    for name, part in splits.items():
        grids = [part.tune_satb(index) for index in range(len(part))]
        pieces[name] = [grid_to_satb_tokens(grid) for grid in grids if grid is not None]
    if not pieces["train"]:
        raise MusiclabError(f"{source}: no four-voice pieces")
    return TokenData("satb", pieces, SATB_SIZE)


def jsb_data(path):
    """JSB Chorales from the benchmark file (``{"train": [...], ...}``, each piece a list
    of steps, each step its sounding MIDI pitches), serialised highest voice first at
    each step; steps with fewer than four pitches are padded with silence and any above
    four keep the highest four.

    Returns:
        A ``TokenData`` of kind ``"satb"`` in the file's own split.
    """
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
        pieces = {}
        for name in ("train", "valid", "test"):
            part = []
            for piece in raw[name]:
                steps = np.full((len(piece), VOICE_COUNT), REST, np.int32)
                for index, pitches in enumerate(piece):
                    chosen = sorted((int(p) for p in pitches), reverse=True)[:VOICE_COUNT]
                    steps[index, :len(chosen)] = [p - LOWEST_PITCH + 1 for p in chosen]
                part.append(steps.reshape(-1))
            pieces[name] = part
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise MusiclabError(f"{path}: not a chorale benchmark file ({error})"[:200]) from None
    return TokenData("satb", pieces, SATB_SIZE)


def remi_tokenizer(parameters=""):
    """miditok's REMI tokenizer, new (16th-note grid, no velocities, one ``PAD`` special
    token) or from saved parameters (JSON text)."""
    import miditok  # the tokenizer library and its native score reader load on first use

    if parameters:
        with tempfile.TemporaryDirectory() as scratch:
            saved = Path(scratch) / "tokenizer.json"
            saved.write_text(parameters)
            return miditok.REMI(params=saved)
    return miditok.REMI(miditok.TokenizerConfig(
        beat_res={(0, 4): 4, (4, 12): 2}, use_velocities=False, use_time_signatures=False,
        special_tokens=["PAD"]))


def tokenizer_parameters(tokenizer):
    """A tokenizer's parameters as JSON text (what ``remi_tokenizer`` reads back)."""
    with tempfile.TemporaryDirectory() as scratch:
        saved = Path(scratch) / "tokenizer.json"
        tokenizer.save(saved)
        return saved.read_text()


def _one_stream(score):
    import symusic

    merged = symusic.Score(score.ticks_per_quarter)
    track = symusic.Track()
    for part in score.tracks:
        if not part.is_drum:
            track.notes.extend(part.notes)
    track.notes.sort(key=lambda note: (note.time, note.pitch))
    merged.tracks.append(track)
    return merged


def remi_encode(tokenizer, midi_path):
    """REMI token ids of a MIDI file, all its parts on one stream.

    Raises:
        MusiclabError: naming the file when it cannot be read or holds no notes.
    """
    import symusic

    try:
        score = symusic.Score(str(midi_path))
    except Exception as error:  # symusic raises its own errors for damaged files
        raise MusiclabError(f"{midi_path}: not a readable MIDI file ({error})"[:200]) from None
    merged = _one_stream(score)
    if not len(merged.tracks[0].notes):
        raise MusiclabError(f"{midi_path}: no notes")
    sequence = tokenizer.encode(merged)
    sequence = sequence[0] if isinstance(sequence, list) else sequence
    return np.asarray(sequence.ids, np.int32)


def remi_decode(tokenizer, ids, folder, name):
    """Write REMI ids as ``folder/name.mid``. Returns the path."""
    score = tokenizer.decode([list(map(int, ids))])
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        temporary = Path(scratch) / "out.mid"
        score.dump_midi(str(temporary))
        return atomic_write_bytes(folder / f"{name}.mid", temporary.read_bytes())


def remi_data(source="bach", *, valid_share=0.1, seed=0):
    """REMI events of the corpus's chorales or of a folder of the user's MIDI files.

    Args:
        source: ``"bach"`` (the chorales of the bundled corpus, in the project's split) or
            a folder of ``.mid`` / ``.midi`` files (split by file: ``valid_share`` to
            validation, as many to test).
        valid_share: share of a folder's files held out for validation (and for test);
            a folder of fewer than three files validates on its last training file.
        seed: seed of a folder's split.

    Returns:
        A ``TokenData`` of kind ``"remi"``; ``skipped`` names every file not used, and why.
    """
    tokenizer = remi_tokenizer()
    pieces, skipped = {"train": [], "valid": [], "test": []}, []
    with tempfile.TemporaryDirectory() as scratch:
        if source == "bach":
            for name, part in load_splits("bach").items():
                for index in range(len(part)):
                    if part.tune_satb(index) is None:
                        continue
                    path = Path(scratch) / f"{name}_{index}.mid"
                    part.satb_stream(index).write("midi", fp=str(path))
                    pieces[name].append(remi_encode(tokenizer, path))
        else:
            folder = Path(source)
            if not folder.is_dir():
                raise MusiclabError(f"{folder}: no such folder (or use 'bach')")
            files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".mid", ".midi"))
            if not files:
                raise MusiclabError(f"{folder}: no .mid files")
            order = np.random.default_rng(seed).permutation(len(files))
            held = max(1, round(valid_share * len(files))) if len(files) >= 3 else 0
            for rank, index in enumerate(order):
                split = "valid" if rank < held else "test" if rank < 2 * held else "train"
                try:
                    pieces[split].append(remi_encode(tokenizer, files[index]))
                except MusiclabError as error:
                    skipped.append(str(error))
    if not pieces["train"]:
        raise MusiclabError(f"{source}: no usable MIDI files ({len(skipped)} skipped)")
    if not pieces["valid"]:
        pieces["valid"] = pieces["train"][-1:]
    return TokenData("remi", pieces, tokenizer.vocab_size, tokenizer=tokenizer_parameters(
        tokenizer), skipped=skipped)
