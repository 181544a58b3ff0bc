"""The ``musiclab`` command line: the root parser, the corpus and render commands, and
one ``register`` line per model family.

    musiclab corpus list
    musiclab corpus build PATH_OR_NAME [--workers N] [--cache-dir DIR]
    musiclab render INPUT --out FILE.wav [--instrument NAME] [--tempo BPM]
    musiclab train MODEL --steps N --out DIR [--minutes M] [--batch-size B] [--backend jax]
    musiclab sample --model DIR --out DIR [--length N] [--primer FILE] [--style NAME] ...
    musiclab generate | interpolate ...               (see each family's cli module)
    musiclab listen create | serve | report ...       (listening tests: musiclab.evaluation.cli)

Every family's ``cli`` module has ``register(commands, train)``: it adds its subcommands
(``train MODEL`` under ``train``, others under ``commands``), each with a handler set
by ``set_defaults(run=...)``. Bad arguments and unusable files give one line on
stderr and a non-zero exit.
"""

import importlib
import importlib.util
import json
import sys
from pathlib import Path

from musiclab import __version__
from musiclab.commands import (
    Parser,
    UsageError,
    add_backend_option,
    add_playback_options,
    audio_bytes_per_step,
    check_at_least_one,
    check_memory,
    check_playback,
    choose_backend,
    finite,
    load_input,
    nonempty_path,
)
from musiclab.data import COLLECTIONS, build_corpus, collection_counts, load_corpus
from musiclab.data.bundled import BUNDLED_CORPUS, BUNDLED_DIR, write_bundle
from musiclab.errors import MusiclabError
from musiclab.export import export_wav
from musiclab.files import atomic_write_text
from musiclab.sound.instruments import instrument_program

# One line per model family: its package's cli module registers its commands.
FAMILIES = ("vae", "wavenet", "gan", "style", "harmony", "transformer", "evaluation", "timbre")


def build_parser():
    """The root parser with every family's subcommands registered."""
    parser = Parser(prog="musiclab", description="musiclab: AI music workbench")
    parser.add_argument("--version", action="version", version=f"musiclab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    corpus = commands.add_parser("corpus", help="the bundled collections and user folders")
    corpus_commands = corpus.add_subparsers(dest="action", required=True, parser_class=Parser)
    corpus_commands.add_parser("list", help="collections with tune counts").set_defaults(
        run=_corpus_list)
    build = corpus_commands.add_parser("build", help="encode a collection or folder; report")
    build.add_argument("source", help="collection name (bach, essen, oneill, ryan, all) or folder")
    build.add_argument("--steps-per-quarter", type=int, default=4)
    build.add_argument("--min-bars", type=int, default=2)
    build.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    build.add_argument("--cache-dir", default=None, help="where builds are cached")
    build.add_argument("--no-cache", action="store_true", help="rebuild and do not cache")
    build.add_argument("--verbose", action="store_true",
                       help="name every dropped, changed and ignored file (not only three)")
    build.add_argument("--report", type=nonempty_path, default=None,
                       help="also write the whole report to this .json file")
    build.add_argument("--out", type=nonempty_path, default=None,
                       help="also write the corpus to this .npz file")
    build.set_defaults(run=_corpus_build)
    bundle = corpus_commands.add_parser("bundle", help="rebuild the corpus shipped in the package")
    bundle.add_argument("--folder", default=None, help="write here instead of the package")
    bundle.set_defaults(run=_corpus_bundle)

    render = commands.add_parser("render", help="render a music file or corpus tune to WAV")
    render.add_argument("input", help="a MIDI/MusicXML/ABC file or a corpus tune id")
    render.add_argument("--out", type=nonempty_path, required=True, help="the .wav file to write")
    render.add_argument("--instrument", default="piano", help="GM instrument name or program")
    render.add_argument("--tempo", type=finite, default=None, help="quarter notes per minute")
    render.add_argument("--backend", default="auto",
                        choices=["auto", "sampler", "midirenderer", "fluidsynth", "numpy"],
                        help="sampler: fast, mono, no effects (auto's first choice); "
                             "midirenderer: stereo with chorus and reverb")
    render.set_defaults(run=_render)

    sample = commands.add_parser("sample", help="sample from any next-step sequence model "
                                                "(WaveNet, Transformer), or continue a tune")
    sample.add_argument("--model", required=True,
                        help="a run folder (its model.keras) or a .keras file")
    sample.add_argument("--out", type=nonempty_path, required=True,
                        help="folder for the MIDI and WAV files")
    sample.add_argument("--length", type=int, default=128, help="new steps (tokens) to generate")
    sample.add_argument("--count", type=int, default=1)
    sample.add_argument("--temperature", type=finite, default=1.0)
    sample.add_argument("--top-k", type=int, default=0, help="0 = off")
    sample.add_argument("--top-p", type=finite, default=1.0, help="1 = off (token models)")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--primer", default=None, help="a music file or corpus tune id to continue")
    sample.add_argument("--primer-steps", type=int, default=64,
                        help="steps (tokens) of the primer to keep before continuing")
    sample.add_argument("--style", default=None, help="style name, for a conditioned model")
    sample.add_argument("--dance", default=None,
                        help="dance type (reel, jig...), for a model conditioned on dances")
    add_playback_options(sample)
    add_backend_option(sample)
    sample.set_defaults(run=_sample)

    models = commands.add_parser("models", help="the trained models that ship with musiclab")
    model_commands = models.add_subparsers(dest="action", required=True, parser_class=Parser)
    model_commands.add_parser("list", help="every shipped model with its card's figures") \
        .set_defaults(run=_models_list)
    publish = model_commands.add_parser("publish", help="ship a training run in the package "
                                                        "(for maintainers)")
    publish.add_argument("run_folder", help="the folder `musiclab train ... --out` wrote")
    publish.add_argument("--name", required=True, help="the shipped model's name")
    publish.add_argument("--command", required=True, dest="train_command",
                         help="the exact command that trained it (recorded in the card)")
    publish.add_argument("--last", action="store_true",
                         help="ship the last checkpoint, not the best on validation")
    publish.set_defaults(run=_models_publish)

    train = commands.add_parser("train", help="train a model")
    train_commands = train.add_subparsers(dest="model", required=True, parser_class=Parser)
    for family in FAMILIES:
        importlib.import_module(f"musiclab.{family}.cli").register(commands, train_commands)
    return parser


def _corpus_list(arguments):
    counts = collection_counts()
    encoded = {}
    if BUNDLED_CORPUS.exists():
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
    for name in ("steps_per_quarter", "min_bars", "workers"):
        value = getattr(arguments, name)
        if value is not None and value < 1:
            option = "--" + name.replace("_", "-")
            raise UsageError(f"musiclab: {option} must be at least 1, got {value}")
    if arguments.report and Path(arguments.report).suffix != ".json":
        raise UsageError(f"musiclab: --report must end in .json, got {arguments.report}")
    try:
        corpus, report = build_corpus(
            arguments.source, steps_per_quarter=arguments.steps_per_quarter,
            min_bars=arguments.min_bars, cache_dir=arguments.cache_dir,
            workers=arguments.workers, use_cache=not arguments.no_cache, verbose=False)
    except MusiclabError as error:  # nothing kept: the report is the message
        print(str(error), file=sys.stderr)
        return 1
    print(report.summary(examples=None if arguments.verbose else 3))
    if arguments.report:
        path = Path(arguments.report)
        atomic_write_text(path, json.dumps(report.to_dict(), indent=1))
        print(f"wrote {path}")
    if arguments.out:
        path = Path(arguments.out)
        if path.suffix != ".npz":
            raise UsageError(f"musiclab: --out must end in .npz, got {path}")
        print(f"wrote {corpus.save(path)}")
    return 0


def _corpus_bundle(arguments):
    _, report = write_bundle(folder=arguments.folder or BUNDLED_DIR)
    print(report.summary())
    return 0


def _render(arguments):
    out = Path(arguments.out)
    if out.suffix.lower() != ".wav":
        raise UsageError(f"musiclab: --out must be a .wav file, got {out}")
    instrument_program(arguments.instrument)
    music = load_input(arguments.input)
    path = export_wav(music, out.parent if str(out.parent) else ".", out.name,
                      instrument=arguments.instrument, tempo=arguments.tempo,
                      backend=arguments.backend)
    print(f"wrote {path}")
    return 0


def _models_list(arguments):
    from musiclab.shipped import table

    rows = table()
    if not rows:
        print("no shipped models in this install")
        return 0
    header = ("name", "family", "parameters", "MB", "steps", "minutes", "held-out")
    lines = [header] + [(row["name"], row["family"],
                         f"{row['parameters']:,}" if row["parameters"] else "-",
                         f"{row['megabytes']:.1f}", f"{row['steps'] or 0:,}",
                         f"{row['minutes']:.1f}", row["held_out"]) for row in rows]
    widths = [max(len(str(line[k])) for line in lines) for k in range(len(header))]
    for line in lines:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip())
    total = sum(row["megabytes"] for row in rows)
    print(f"{len(rows)} models, {total:.1f} MB in all; cards: musiclab/_data/NAME/model_card.json")
    return 0


def _import_model_kinds():
    """Import every family's model module: each registers its kinds of model."""
    for family in FAMILIES:
        if importlib.util.find_spec(f"musiclab.{family}.model") is not None:
            importlib.import_module(f"musiclab.{family}.model")


def _models_publish(arguments):
    folder = Path(arguments.run_folder)
    if not (folder / "state.json").is_file():
        raise UsageError(f"musiclab: {folder}: not a training run (no state.json)")
    choose_backend(arguments)
    _import_model_kinds()
    from musiclab.nn.publish import publish_run

    card = publish_run(folder, arguments.name, command=arguments.train_command,
                       best=not arguments.last)
    print(f"shipped {card['name']} ({card['family']}, {card['size_bytes'] / 1e6:.1f} MB)")
    print(json.dumps(card["held_out"], indent=1)[:2000])
    return 0


def _sample(arguments):
    check_playback(arguments)
    check_at_least_one(arguments, "length", "count", "primer_steps")
    if arguments.top_k < 0 or not 0 < arguments.top_p <= 1:
        raise UsageError("musiclab: --top-k must be >= 0 and --top-p in (0, 1]")
    steps = arguments.length + arguments.primer_steps
    check_memory("--count and --length", arguments.count * steps * (
        88 * 4 + audio_bytes_per_step(arguments.tempo)))
    choose_backend(arguments)
    _import_model_kinds()
    from musiclab.nn.config import (  # Keras loads after --backend is set
        config_of,
        load_any,
        model_kind,
        registered_kinds,
    )
    from musiclab.nn.sampling import sampler_for

    path = Path(arguments.model)
    path = path / "model.keras" if path.is_dir() else path
    kind = model_kind(path)
    if kind is not None and kind not in registered_kinds():
        raise UsageError(f"musiclab: --model: a {kind} model samples no sequences step by step "
                         "(try its family's own command)")
    model = load_any(path)
    config = config_of(model)
    try:
        generate = sampler_for(model)
    except ValueError:
        raise UsageError(f"musiclab: --model: a {config.kind} model samples no sequences "
                         "step by step (try its family's own command)") from None
    style = None
    if arguments.style is not None:
        if arguments.style not in config.styles:
            known = ", ".join(config.styles) or "none: the model is not conditioned"
            raise UsageError(f"musiclab: --style: unknown style {arguments.style!r} "
                             f"(known: {known})")
        style = config.styles.index(arguments.style)
    elif config.styles:
        style = 0
    extra = {}
    if arguments.dance is not None:
        dances = getattr(config, "dances", ())
        if arguments.dance not in dances:
            known = ", ".join(dances) or "none: the model is not conditioned on dances"
            raise UsageError(f"musiclab: --dance: unknown dance {arguments.dance!r} "
                             f"(known: {known})")
        extra["dance"] = dances.index(arguments.dance)
    primer = None
    if arguments.primer:
        primer = _primer(arguments.primer, config)[:arguments.primer_steps]
    sequences = generate(model, length=arguments.length, temperature=arguments.temperature,
                         top_k=arguments.top_k, top_p=arguments.top_p, seed=arguments.seed,
                         primer=primer, style=style, count=arguments.count, **extra)
    name = config.kind
    for number, sequence in enumerate(sequences, start=1):
        path = _write_sample(sequence, config, arguments, f"{name}_{number}")
    print(f"wrote {len(sequences)} sequences of {sequences.shape[1]} steps to {arguments.out} "
          f"(last: {path.name}; temperature {arguments.temperature}, seed {arguments.seed})")
    return 0


def _primer(text, config):
    """A primer in the model's own tokens (melody, piano roll, SATB or REMI)."""
    from musiclab.data import encode_melody, encode_pianoroll
    from musiclab.data.satb import encode_satb

    if config.head == "remi":
        from musiclab.transformer.tokens import remi_encode, remi_tokenizer

        return remi_encode(remi_tokenizer(config.tokenizer), text)
    music = load_input(text)
    if config.head == "melody":
        return encode_melody(music)[0]
    if config.head == "satb":
        from musiclab.transformer.tokens import grid_to_satb_tokens

        return grid_to_satb_tokens(encode_satb(music, config.steps_per_quarter))
    return encode_pianoroll(music, config.steps_per_quarter)


def _write_sample(sequence, config, arguments, name):
    """Write one sample's MIDI and WAV files; returns the WAV's path."""
    from musiclab.export import export_midi

    options = {"instrument": arguments.instrument, "tempo": arguments.tempo,
               "steps_per_quarter": config.steps_per_quarter}
    if config.head == "remi":
        from musiclab.transformer.tokens import remi_decode, remi_tokenizer

        midi = remi_decode(remi_tokenizer(config.tokenizer), sequence, arguments.out, name)
        return export_wav(load_input(str(midi)), arguments.out, name,
                          instrument=arguments.instrument, tempo=arguments.tempo)
    if config.head == "satb":
        from musiclab.transformer.tokens import satb_tokens_to_grid

        sequence = satb_tokens_to_grid(sequence)
    export_midi(sequence, arguments.out, name, **options)
    return export_wav(sequence, arguments.out, name, **options)


def main(argv=None):
    """Run the command line; returns the exit status."""
    try:
        arguments = build_parser().parse_args(argv)
        return arguments.run(arguments)
    except UsageError as error:
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
