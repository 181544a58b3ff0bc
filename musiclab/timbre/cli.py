"""The timbre family's commands.

    musiclab convert INPUT.wav --to violin --out OUT.wav [--octaves N] [--loudness DB]
    musiclab train timbre --instrument violin --steps N --out DIR [--wav-folder DIR]
    musiclab train raw-wavenet --steps N --out DIR

Keras-backed modules are imported inside the handlers, after ``--backend`` is set.
"""

from pathlib import Path

from musiclab.commands import (
    UsageError,
    add_backend_option,
    add_training_options,
    check_at_least_one,
    choose_backend,
    finite,
    nonempty_path,
    training_options,
)
from musiclab.shipped import names

SHIPPED_PREFIX = "timbre_"  # a shipped timbre model's folder: timbre_violin


def register(commands, train):
    """Add ``convert``, ``train timbre`` and ``train raw-wavenet``."""
    convert = commands.add_parser("convert", help="play a recording with another instrument "
                                                  "(a learned timbre model)")
    convert.add_argument("input", help="an audio file (WAV, FLAC, OGG), any rate, mono or "
                                       "stereo")
    convert.add_argument("--to", required=True, dest="instrument",
                         help="a shipped instrument (violin) or a timbre model: a run folder "
                              "or a .keras file")
    convert.add_argument("--out", type=nonempty_path, required=True, help="the .wav to write")
    convert.add_argument("--octaves", type=int, default=0, help="move the pitch by octaves")
    convert.add_argument("--loudness", type=finite, default=0.0,
                         help="loudness adjustment in dB (after the automatic one)")
    convert.add_argument("--no-auto-loudness", action="store_true",
                         help="keep the recording's loudness instead of the instrument's")
    add_backend_option(convert)
    convert.set_defaults(run=_convert)

    timbre = train.add_parser("timbre", help="a timbre model (DDSP) of one instrument")
    timbre.add_argument("--instrument", default="violin",
                        help="the soundfont instrument to learn, or the name of the one "
                             "recorded in --wav-folder")
    timbre.add_argument("--wav-folder", default=None,
                        help="learn from these recordings of one instrument instead")
    timbre.add_argument("--tunes", type=int, default=120,
                        help="soundfont renders: training tunes (a fifth as many validate)")
    add_training_options(timbre, batch_size=8)
    timbre.set_defaults(run=_train_timbre)

    raw = train.add_parser("raw-wavenet", help="a WaveNet of raw audio (mu-law) notes")
    raw.add_argument("--instruments", default="violin,flute,trumpet",
                     help="soundfont instruments, comma separated")
    add_training_options(raw, batch_size=8)
    raw.set_defaults(run=_train_raw)


def instrument_names():
    """The instruments of the shipped timbre models."""
    return [name[len(SHIPPED_PREFIX):] for name in names() if name.startswith(SHIPPED_PREFIX)]


def load_target(text):
    """A shipped instrument's model, or a timbre model file or run folder."""
    from musiclab.nn.publish import load_shipped
    from musiclab.timbre.model import load_timbre

    if text in instrument_names():
        return load_shipped(SHIPPED_PREFIX + text)
    path = Path(text)
    if path.is_dir():
        path = path / "model.keras"
    if path.suffix != ".keras":
        raise UsageError(f"musiclab: --to {text}: no shipped instrument of that name "
                         f"(shipped: {', '.join(instrument_names()) or 'none'}) and not a "
                         ".keras model file or run folder")
    return load_timbre(path)


def _convert(arguments):
    out = Path(arguments.out)
    if out.suffix.lower() != ".wav":
        raise UsageError(f"musiclab: --out must be a .wav file, got {out}")
    from musiclab.files import atomic_write_bytes
    from musiclab.sound.features import read_audio

    choose_backend(arguments)  # before anything imports Keras: its start-up lines stay quiet
    from musiclab.timbre.convert import convert
    from musiclab.timbre.synth import SAMPLE_RATE

    try:
        samples = read_audio(arguments.input, SAMPLE_RATE)
    except ValueError as error:
        raise UsageError(f"musiclab: {error}") from None

    model = load_target(arguments.instrument)
    try:
        audio = convert(model, samples, octaves=arguments.octaves,
                        loudness_db=arguments.loudness,
                        auto_loudness=not arguments.no_auto_loudness, name=arguments.input)
    except ValueError as error:
        raise UsageError(f"musiclab: {error}") from None
    atomic_write_bytes(out, audio.to_wav_bytes())
    print(f"wrote {out} ({audio.duration:.1f} s, {audio.backend})")
    return 0


def _train_timbre(arguments):
    check_at_least_one(arguments, "tunes")
    options = training_options(arguments)
    from musiclab.timbre.data import folder_clips, soundfont_clips
    from musiclab.timbre.model import TimbreConfig, loudness_levels
    from musiclab.timbre.train import train_timbre

    if arguments.wav_folder:
        try:
            clips, skipped = folder_clips(arguments.wav_folder)
        except ValueError as error:
            raise UsageError(f"musiclab: --wav-folder {error}") from None
        for line in skipped:
            print(f"skipped {line}")
        if len(clips) < 2:
            raise UsageError(f"musiclab: --wav-folder {arguments.wav_folder}: at least two "
                             "usable recordings needed (one validates)")
        cut = max(1, len(clips) // 5)
        train_clips, valid_clips, source = clips[cut:], clips[:cut], "wav folder"
    else:
        from musiclab.sound.instruments import instrument_program

        try:
            instrument_program(arguments.instrument)
        except ValueError as error:
            raise UsageError(f"musiclab: --instrument: {error}") from None
        train_clips = soundfont_clips(arguments.instrument, tunes=arguments.tunes)
        valid_clips = soundfont_clips(arguments.instrument, split="valid",
                                      tunes=max(4, arguments.tunes // 5))
        source = "soundfont"
    base = TimbreConfig.smoke() if arguments.smoke else TimbreConfig()
    config = base.replace(instrument=arguments.instrument, source=source,
                          loudness_levels=loudness_levels(train_clips))
    seconds = sum(clip.frames for clip in train_clips) / 100
    print(f"{len(train_clips)} training recordings ({seconds / 60:.1f} minutes), "
          f"{len(valid_clips)} validation")
    _, state = train_timbre(config, train_clips, valid_clips, steps=arguments.steps,
                            folder=arguments.out, **options)
    last = state["history"][-1]
    print(f"step {last['step']} on {state['device']}: validation spectral loss "
          f"{last['valid_loss']:.3f} (best at step {state['best_step']}); model in "
          f"{arguments.out}")
    return 0


def _train_raw(arguments):
    options = training_options(arguments)
    from musiclab.timbre.raw_audio import train_raw_wavenet

    instruments = [name.strip() for name in arguments.instruments.split(",") if name.strip()]
    _, state = train_raw_wavenet(instruments, steps=arguments.steps, folder=arguments.out,
                                 smoke=arguments.smoke, **options)
    last = state["history"][-1]
    print(f"step {last['step']} on {state['device']}: validation {last['valid_loss']:.3f} nats "
          f"per sample; model in {arguments.out}")
    return 0
