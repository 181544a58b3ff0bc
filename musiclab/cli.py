"""The ``musiclab`` command line.

    musiclab corpus list
    musiclab corpus build PATH_OR_NAME [--workers N] [--cache-dir DIR]
    musiclab render INPUT --out FILE.wav [--instrument NAME] [--tempo BPM]
    musiclab train vae --corpus NAME --bars 2 --steps N --out DIR [--styles] [--minutes 30]
    musiclab train wavenet [--corpus NAME | --data FILE.json] --steps N --out DIR
    musiclab train gan [--corpus bach] [--tracks 4] --steps N --out DIR [--minutes 30]
    musiclab train classifier --steps N --out DIR [--minutes 8]
    musiclab train harmony --steps N --out DIR [--minutes 5]
    musiclab generate --out DIR [--count 4] [--temperature 0.5] [--seed 0]
    musiclab interpolate A B --out DIR [--count 7]
    musiclab sample --model DIR --out DIR [--length 128] [--temperature 1] [--primer TUNE]

Bad arguments and unusable files give one line on stderr and a non-zero exit.
"""

import argparse
import sys
from pathlib import Path

from musiclab.cli_style import (
    add_style_commands,
    check_training_arguments,
    train_classifier,
    train_harmony_model,
)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _UsageError(f"{self.prog}: {message} (see --help)")


class _UsageError(Exception):
    pass


def _parser():
    from musiclab import __version__

    parser = _Parser(prog="musiclab", description="musiclab: AI music workbench")
    parser.add_argument("--version", action="version", version=f"musiclab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    corpus = commands.add_parser("corpus", help="the bundled collections and user folders")
    corpus_commands = corpus.add_subparsers(dest="action", required=True, parser_class=_Parser)
    corpus_commands.add_parser("list", help="collections with tune counts")
    build = corpus_commands.add_parser("build", help="encode a collection or folder; report")
    build.add_argument("source", help="collection name (bach, essen, oneill, ryan, all) or folder")
    build.add_argument("--steps-per-quarter", type=int, default=4)
    build.add_argument("--min-bars", type=int, default=2)
    build.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    build.add_argument("--cache-dir", default=None, help="where builds are cached")
    build.add_argument("--no-cache", action="store_true", help="rebuild and do not cache")
    build.add_argument("--out", default=None, help="also write the corpus to this .npz file")
    bundle = corpus_commands.add_parser("bundle", help="rebuild the corpus shipped in the package")
    bundle.add_argument("--folder", default=None, help="write here instead of the package")

    train = commands.add_parser("train", help="train a model")
    train_commands = train.add_subparsers(dest="model", required=True, parser_class=_Parser)
    vae = train_commands.add_parser("vae", help="the melody VAE")
    vae.add_argument("--corpus", default="all",
                     help="collection (bach, essen, oneill, ryan, all) or folder of files")
    vae.add_argument("--bars", type=int, default=2)
    vae.add_argument("--steps", type=int, required=True, help="optimisation steps in all")
    vae.add_argument("--out", required=True, help="the run's folder (resumes if it has one)")
    vae.add_argument("--batch-size", type=int, default=64)
    vae.add_argument("--seed", type=int, default=0)
    vae.add_argument("--styles", action="store_true",
                     help="a conditional VAE: condition on the tunes' regions")
    vae.add_argument("--smoke", action="store_true", help="a tiny model, for a quick check")
    vae.add_argument("--minutes", type=float, default=None, help="stop after this much training")
    vae.add_argument("--backend", choices=["tensorflow", "jax"], default=None,
                     help="Keras backend (default: $KERAS_BACKEND, else tensorflow)")

    wavenet = train_commands.add_parser("wavenet", help="a WaveNet (melody or piano roll)")
    source = wavenet.add_mutually_exclusive_group()
    source.add_argument("--corpus", default=None,
                        help="collection (bach, essen, oneill, ryan, all) or folder of files "
                             "(default: all)")
    source.add_argument("--data", default=None,
                        help="a piano-roll benchmark JSON file (JSB_Chorales.json, ...)")
    wavenet.add_argument("--head", choices=["melody", "pianoroll"], default=None,
                         help="what the model predicts (default: pianoroll with --data, "
                              "else melody)")
    wavenet.add_argument("--steps", type=int, required=True, help="optimisation steps in all")
    wavenet.add_argument("--out", required=True, help="the run's folder (resumes if it has one)")
    wavenet.add_argument("--batch-size", type=int, default=16)
    wavenet.add_argument("--window", type=int, default=None, help="training crop length in steps")
    wavenet.add_argument("--channels", type=int, default=None)
    wavenet.add_argument("--dropout", type=float, default=None)
    wavenet.add_argument("--transpose", type=int, default=None,
                         help="random transposition of training crops, up to this many semitones")
    wavenet.add_argument("--styles", action="store_true",
                         help="condition on the tunes' regions (corpus only)")
    wavenet.add_argument("--seed", type=int, default=0)
    wavenet.add_argument("--smoke", action="store_true", help="a tiny model, for a quick check")
    wavenet.add_argument("--backend", choices=["tensorflow", "jax"], default=None,
                         help="Keras backend (default: $KERAS_BACKEND, else tensorflow)")

    add_style_commands(train_commands)

    gan = train_commands.add_parser("gan", help="the piano-roll GAN (chorale phrases)")
    gan.add_argument("--corpus", default="bach", help="collection or folder (default: bach)")
    gan.add_argument("--tracks", type=int, choices=[1, 4], default=4,
                     help="4: soprano, alto, tenor, bass; 1: the melody")
    gan.add_argument("--steps", type=int, required=True, help="generator updates in all")
    gan.add_argument("--out", required=True, help="the run's folder (resumes if it has one)")
    gan.add_argument("--batch-size", type=int, default=32)
    gan.add_argument("--minutes", type=float, default=None, help="stop after this much training")
    gan.add_argument("--seed", type=int, default=0)
    gan.add_argument("--smoke", action="store_true", help="a tiny model, for a quick check")
    gan.add_argument("--backend", choices=["tensorflow", "jax"], default=None,
                     help="Keras backend (default: $KERAS_BACKEND, else tensorflow)")

    generate = commands.add_parser("generate", help="sample melodies from the melody VAE")
    generate.add_argument("--out", required=True, help="folder for the MIDI and WAV files")
    generate.add_argument("--count", type=int, default=4)
    interpolate = commands.add_parser("interpolate",
                                      help="morph one melody into another with the melody VAE")
    interpolate.add_argument("a", help="a music file or corpus tune id")
    interpolate.add_argument("b", help="a music file or corpus tune id")
    interpolate.add_argument("--out", required=True, help="folder for the MIDI and WAV files")
    interpolate.add_argument("--count", type=int, default=7, help="melodies on the path")
    for command in (generate, interpolate):
        command.add_argument("--temperature", type=float, default=0.0 if command is interpolate
                             else 0.5)
        command.add_argument("--seed", type=int, default=0)
        command.add_argument("--model", default=None,
                             help="folder with model.keras (default: the shipped model)")
        command.add_argument("--instrument", default="piano")
        command.add_argument("--tempo", type=float, default=100.0)

    sample = commands.add_parser("sample",
                                 help="sample from a trained WaveNet (or continue a tune)")
    sample.add_argument("--model", required=True, help="a WaveNet run folder (model.keras)")
    sample.add_argument("--out", required=True, help="folder for the MIDI and WAV files")
    sample.add_argument("--length", type=int, default=128, help="new steps to generate")
    sample.add_argument("--count", type=int, default=1)
    sample.add_argument("--temperature", type=float, default=1.0)
    sample.add_argument("--top-k", type=int, default=0, help="0 = off")
    sample.add_argument("--top-p", type=float, default=1.0, help="1 = off (melody models)")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--primer", default=None, help="a music file or corpus tune id to continue")
    sample.add_argument("--primer-steps", type=int, default=64,
                        help="steps of the primer to keep before continuing")
    sample.add_argument("--style", default=None, help="style name, for a conditioned model")
    sample.add_argument("--instrument", default="piano")
    sample.add_argument("--tempo", type=float, default=100.0)

    render = commands.add_parser("render", help="render a music file or corpus tune to WAV")
    render.add_argument("input", help="a MIDI/MusicXML/ABC file or a corpus tune id")
    render.add_argument("--out", required=True, help="the .wav file to write")
    render.add_argument("--instrument", default="piano", help="GM instrument name or program")
    render.add_argument("--tempo", type=float, default=None, help="quarter notes per minute")
    render.add_argument("--backend", default="auto",
                        choices=["auto", "sampler", "midirenderer", "fluidsynth", "numpy"],
                        help="sampler: fast, mono, no effects (auto's first choice); "
                             "midirenderer: stereo with chorus and reverb")
    return parser


def _corpus_list():
    from musiclab.data import COLLECTIONS, collection_counts
    from musiclab.data.bundled import BUNDLED_CORPUS

    counts = collection_counts()
    encoded = {}
    if BUNDLED_CORPUS.exists():
        from musiclab.data import load_corpus

        encoded = {name: sum(regions.values()) for name, regions in load_corpus().summary().items()}
    print(f"{'name':8} {'tunes':>6} {'encoded':>8}  {'title':28} regions")
    for name, collection in COLLECTIONS.items():
        regions = ", ".join(f"{region} {n}"
                            for region, n in sorted(counts[name]["regions"].items()))
        print(f"{name:8} {counts[name]['tunes']:>6} {encoded.get(name, 0):>8}  "
              f"{collection.title:28} {regions}")
    total = sum(entry["tunes"] for entry in counts.values())
    print(f"{'all':8} {total:>6} {sum(encoded.values()):>8}")
    return 0


def _corpus_build(arguments):
    from musiclab.data import build_corpus

    for name in ("steps_per_quarter", "min_bars", "workers"):
        value = getattr(arguments, name)
        if value is not None and value < 1:
            option = "--" + name.replace("_", "-")
            raise _UsageError(f"musiclab: {option} must be at least 1, got {value}")
    corpus, report = build_corpus(arguments.source, steps_per_quarter=arguments.steps_per_quarter,
                                  min_bars=arguments.min_bars, cache_dir=arguments.cache_dir,
                                  workers=arguments.workers, use_cache=not arguments.no_cache)
    if arguments.out:
        path = Path(arguments.out)
        if path.suffix != ".npz":
            raise _UsageError(f"musiclab: --out must end in .npz, got {path}")
        print(f"wrote {corpus.save(path)}")
    return 0


def _corpus_bundle(arguments):
    from musiclab.data.bundled import BUNDLED_DIR, write_bundle

    _, report = write_bundle(folder=arguments.folder or BUNDLED_DIR)
    print(report.summary())
    return 0


def _load_input(text):
    """A music file, or else a tune id of the bundled corpus (``essen/han1.abc#12``)."""
    from musiclab.data import load_corpus, load_file

    path = Path(text).expanduser()
    if path.exists():
        return load_file(path)
    corpus = load_corpus()
    try:
        index = corpus.index_of(text)
    except KeyError:
        raise _UsageError(f"musiclab: {text}: no such file or corpus tune id") from None
    return corpus.satb_stream(index) if corpus.info(index)["has_satb"] else corpus.stream(index)


def _render(arguments):
    from musiclab.export import export_wav
    from musiclab.instruments import instrument_program

    out = Path(arguments.out)
    if out.suffix.lower() != ".wav":
        raise _UsageError(f"musiclab: --out must be a .wav file, got {out}")
    instrument_program(arguments.instrument)
    music = _load_input(arguments.input)
    path = export_wav(music, out.parent if str(out.parent) else ".", out.name,
                      instrument=arguments.instrument, tempo=arguments.tempo,
                      backend=arguments.backend)
    print(f"wrote {path}")
    return 0


def _train_vae(arguments):
    if arguments.bars < 1:
        raise _UsageError("musiclab: --bars must be at least 1")
    time_limit = check_training_arguments(arguments, _UsageError)
    from musiclab.models.melody_vae import MelodyVAEConfig
    from musiclab.training import corpus_windows, train_vae

    windows, styles, names = corpus_windows(arguments.corpus, bars=arguments.bars), None, ()
    if arguments.styles:
        from musiclab.data import load_corpus
        from musiclab.style import style_windows
        from musiclab.training import SPLIT

        splits = load_corpus(arguments.corpus).split(**SPLIT)
        names = tuple(sorted({str(region) for region in splits["train"].metadata["region"]}))
        labelled = {name: style_windows(part, names, bars=arguments.bars)
                    for name, part in splits.items()}
        windows = {name: tokens for name, (tokens, _) in labelled.items()}
        styles = {name: labels for name, (_, labels) in labelled.items()}
        print(f"conditioned on {len(names)} styles: {', '.join(names)}")
    if arguments.smoke:
        config = MelodyVAEConfig.smoke(bars=arguments.bars)
    else:  # a flat decoder for short melodies, a hierarchical one beyond 2 bars
        base = MelodyVAEConfig.default() if arguments.bars <= 2 else \
            MelodyVAEConfig.default_16_bars()
        config = type(base)(**{**base.__dict__, "bars": arguments.bars})
    config = type(config)(**{**config.__dict__, "styles": names})
    train, valid = windows["train"], windows["valid"]
    if not len(train) or not len(valid):
        raise _UsageError(f"musiclab: {arguments.corpus}: too few {arguments.bars}-bar windows "
                          "to train on")
    print(f"{len(train)} training and {len(valid)} validation windows of {arguments.bars} bars")
    _, state = train_vae(config, train, valid, steps=arguments.steps, folder=arguments.out,
                         batch_size=arguments.batch_size, seed=arguments.seed,
                         train_styles=None if styles is None else styles["train"],
                         valid_styles=None if styles is None else styles["valid"],
                         time_limit=time_limit)
    last = state["history"][-1]
    print(f"step {last['step']} on {state['device']}: validation accuracy "
          f"{last['valid_accuracy']:.3f} (teacher-forced), KL {last['kl_bits']:.1f} bits; "
          f"model in {arguments.out}")
    return 0


def _train_wavenet(arguments):
    import dataclasses
    import os

    for name in ("steps", "batch_size", "window", "channels"):
        value = getattr(arguments, name)
        if value is not None and value < 1:
            raise _UsageError(f"musiclab: --{name.replace('_', '-')} must be at least 1")
    if arguments.dropout is not None and not 0 <= arguments.dropout < 1:
        raise _UsageError("musiclab: --dropout must be in [0, 1)")
    if arguments.transpose is not None and not 0 <= arguments.transpose <= 12:
        raise _UsageError("musiclab: --transpose must be in 0..12")
    if arguments.data and arguments.styles:
        raise _UsageError("musiclab: --styles needs --corpus (benchmark files have no styles)")
    head = arguments.head or ("pianoroll" if arguments.data else "melody")
    if arguments.data and head != "pianoroll":
        raise _UsageError("musiclab: --data files are piano rolls; use --head pianoroll")
    if arguments.backend:
        os.environ["KERAS_BACKEND"] = arguments.backend
    from musiclab.models.wavenet import WaveNetConfig
    from musiclab.training import corpus_pieces, train_wavenet

    labels, styles, steps_per_quarter = None, (), 4
    if arguments.data:
        from musiclab.data.sequences import load_pianoroll_benchmark

        pieces, steps_per_quarter = load_pianoroll_benchmark(arguments.data), 1
    else:
        pieces, labels, styles = corpus_pieces(arguments.corpus or "all", head, arguments.styles)
    base = WaveNetConfig.smoke(head, styles) if arguments.smoke else \
        WaveNetConfig.default(head, styles)
    changes = {name: getattr(arguments, name) for name in ("window", "channels", "dropout",
                                                           "transpose")
               if getattr(arguments, name) is not None}
    config = dataclasses.replace(base, steps_per_quarter=steps_per_quarter, **changes)
    if not pieces["train"] or not pieces["valid"]:
        raise _UsageError(f"musiclab: {arguments.corpus}: too few tunes to train on")
    print(f"{len(pieces['train'])} training and {len(pieces['valid'])} validation pieces; "
          f"receptive field {config.receptive_field} steps")
    _, state = train_wavenet(config, pieces["train"], pieces["valid"], steps=arguments.steps,
                             folder=arguments.out, batch_size=arguments.batch_size,
                             train_labels=None if labels is None else labels["train"],
                             valid_labels=None if labels is None else labels["valid"],
                             seed=arguments.seed)
    last = state["history"][-1]
    print(f"step {last['step']} on {state['device']}: validation loss {last['valid_loss']:.3f} "
          f"nats per step (best at step {state['best_step']}); model in {arguments.out}")
    return 0


def _train_gan(arguments):
    time_limit = check_training_arguments(arguments, _UsageError)
    from musiclab import gan
    from musiclab.models.pianoroll_gan import GANConfig

    phrases = gan.chorale_phrases(arguments.corpus, tracks=arguments.tracks)
    if len(phrases["train"]) < 2 or len(phrases["valid"]) < 1:
        kind = "four-voice 4/4" if arguments.tracks == 4 else "4/4"
        raise _UsageError(f"musiclab: {arguments.corpus}: too few {kind} phrases to train on")
    config = (GANConfig.smoke if arguments.smoke else GANConfig.default)(arguments.tracks)
    print(f"{len(phrases['train'])} training and {len(phrases['valid'])} validation phrases")
    _, state = gan.train_gan(config, phrases["train"], phrases["valid"], steps=arguments.steps,
                             folder=arguments.out, batch_size=arguments.batch_size,
                             seed=arguments.seed, time_limit=time_limit)
    last = state["history"][-1]
    print(f"step {last['step']} on {state['device']}: generated vs validation phrases: "
          f"QN {last['QN_generated']:.2f} / {last['QN_real']:.2f}, UPC {last['UPC_generated']:.2f}"
          f" / {last['UPC_real']:.2f}, EB {last['EB_generated']:.2f} / {last['EB_real']:.2f}"
          f"{'; ' + last['collapse'] if last['collapse'] else ''}; model in {arguments.out}")
    return 0


def _vae(arguments):
    from musiclab.instruments import instrument_program

    instrument_program(arguments.instrument)
    if arguments.temperature < 0:
        raise _UsageError("musiclab: --temperature must be >= 0")
    if arguments.model:
        from musiclab.models.melody_vae import load_vae

        return load_vae(Path(arguments.model) / "model.keras")
    from musiclab.models.pretrained import pretrained_vae

    return pretrained_vae()


def _window(text, steps):
    """The first ``steps`` tokens of a file or corpus tune, from its first downbeat."""
    import numpy as np

    from musiclab.data import encode_melody
    from musiclab.data.melody import HOLD, NOTE_OFF

    music = _load_input(text)
    tokens, _ = encode_melody(music)
    tokens = tokens[: steps]
    if len(tokens) < steps:
        tokens = np.concatenate([tokens, np.full(steps - len(tokens), HOLD, tokens.dtype)])
    if tokens[0] == HOLD:
        tokens[0] = NOTE_OFF
    return tokens


def _write_melodies(melodies, arguments, stem):
    import numpy as np

    from musiclab.export import export_midi, export_wav

    options = {"instrument": arguments.instrument, "tempo": arguments.tempo}
    for number, melody in enumerate(melodies, start=1):
        export_midi(melody, arguments.out, f"{stem}_{number}", **options)
    joined = np.concatenate(list(melodies))
    export_midi(joined, arguments.out, stem, **options)
    path = export_wav(joined, arguments.out, stem, **options)
    print(f"wrote {len(melodies)} melodies to {arguments.out} ({path.name} plays them in turn)")
    return 0


def _generate(arguments):
    from musiclab import generation

    if arguments.count < 1:
        raise _UsageError("musiclab: --count must be at least 1")
    model = _vae(arguments)
    melodies = generation.sample(model, arguments.count, arguments.temperature, arguments.seed)
    return _write_melodies(melodies, arguments, "sample")


def _interpolate(arguments):
    from musiclab import generation

    if arguments.count < 2:
        raise _UsageError("musiclab: --count must be at least 2")
    model = _vae(arguments)
    steps = generation.melody_steps(model)
    a, b = _window(arguments.a, steps), _window(arguments.b, steps)
    path = generation.interpolate(model, a, b, arguments.count, arguments.temperature,
                                  arguments.seed)
    return _write_melodies(path, arguments, "interpolation")


def _sample(arguments):
    from musiclab.instruments import instrument_program

    instrument_program(arguments.instrument)
    for name in ("length", "count", "primer_steps"):
        if getattr(arguments, name) < 1:
            raise _UsageError(f"musiclab: --{name.replace('_', '-')} must be at least 1")
    if arguments.temperature < 0:
        raise _UsageError("musiclab: --temperature must be >= 0")
    if arguments.top_k < 0 or not 0 < arguments.top_p <= 1:
        raise _UsageError("musiclab: --top-k must be >= 0 and --top-p in (0, 1]")
    from musiclab import wavenet_sampling
    from musiclab.models.wavenet import WaveNetConfig, load_wavenet

    folder = Path(arguments.model)
    model = load_wavenet(folder / "model.keras")
    try:
        config = WaveNetConfig.from_json((folder / "config.json").read_text())
    except (OSError, ValueError, TypeError):
        raise _UsageError(f"musiclab: {folder / 'config.json'}: missing or unreadable") from None
    style = None
    if arguments.style is not None:
        if arguments.style not in config.styles:
            known = ", ".join(config.styles) or "none: the model is not conditioned"
            raise _UsageError(f"musiclab: --style: unknown style {arguments.style!r} "
                              f"(known: {known})")
        style = config.styles.index(arguments.style)
    elif config.styles:
        style = 0
    primer = None
    if arguments.primer:
        primer = _primer(arguments.primer, config, arguments.primer_steps)
    sequences = wavenet_sampling.generate(
        model, arguments.length, arguments.temperature, arguments.top_k, arguments.top_p,
        arguments.seed, primer, style, arguments.count)
    options = {"instrument": arguments.instrument, "tempo": arguments.tempo,
               "steps_per_quarter": config.steps_per_quarter}
    from musiclab.export import export_midi, export_wav

    for number, sequence in enumerate(sequences, start=1):
        export_midi(sequence, arguments.out, f"wavenet_{number}", **options)
        path = export_wav(sequence, arguments.out, f"wavenet_{number}", **options)
    print(f"wrote {len(sequences)} sequences of {sequences.shape[1]} steps to {arguments.out} "
          f"(last: {path.name}; temperature {arguments.temperature}, seed {arguments.seed})")
    return 0


def _primer(text, config, steps):
    """The first ``steps`` steps of a file or corpus tune, encoded for ``config``'s head."""
    from musiclab.data import encode_melody, encode_pianoroll

    music = _load_input(text)
    if config.head == "melody":
        return encode_melody(music)[0][:steps]
    return encode_pianoroll(music, config.steps_per_quarter)[:steps]


def main(argv=None):
    """Run the command line; returns the exit status."""
    from musiclab.errors import MusiclabError

    try:
        arguments = _parser().parse_args(argv)
        if arguments.command == "corpus":
            if arguments.action == "list":
                return _corpus_list()
            if arguments.action == "build":
                return _corpus_build(arguments)
            return _corpus_bundle(arguments)
        if arguments.command == "train":
            if arguments.model == "wavenet":
                return _train_wavenet(arguments)
            if arguments.model == "gan":
                return _train_gan(arguments)
            if arguments.model == "classifier":
                return train_classifier(arguments, _UsageError)
            if arguments.model == "harmony":
                return train_harmony_model(arguments, _UsageError)
            return _train_vae(arguments)
        if arguments.command == "generate":
            return _generate(arguments)
        if arguments.command == "interpolate":
            return _interpolate(arguments)
        if arguments.command == "sample":
            return _sample(arguments)
        return _render(arguments)
    except _UsageError as error:
        print(str(error), file=sys.stderr)
        return 2
    except (MusiclabError, ValueError, OSError, RuntimeError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"musiclab: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("musiclab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
