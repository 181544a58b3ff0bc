"""The evaluation family's commands. ``musiclab listen``: create a listening test from a
design file, serve it to a class, report its statistics.

    musiclab listen create DESIGN.yaml --db TEST.db
    musiclab listen serve TEST.db [--test NAME] [--port 8866] [--host 0.0.0.0]
    musiclab listen report TEST.db [--test NAME] [--out FOLDER]
"""

import io
from pathlib import Path

from musiclab.commands import Parser, nonempty_path


def register(commands, train):
    """Add ``listen create | serve | report`` to the root command's subparsers."""
    listen = commands.add_parser("listen", help="listening tests: create, serve, report")
    actions = listen.add_subparsers(dest="action", required=True, parser_class=Parser)
    create = actions.add_parser("create", help="a test from a YAML design and its WAV clips")
    create.add_argument("design", help="the design's YAML file")
    create.add_argument("--db", type=nonempty_path, required=True,
                        help="the results database (created when missing)")
    create.set_defaults(run=_create)
    serve = actions.add_parser("serve", help="serve a test on the local network (Voila)")
    serve.add_argument("database", help="the results database")
    serve.add_argument("--test", default=None, help="the test's name (default: the only one)")
    serve.add_argument("--port", type=int, default=8866)
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on")
    serve.set_defaults(run=_serve)
    report = actions.add_parser("report", help="the statistics of a test's answers")
    report.add_argument("database", help="the results database")
    report.add_argument("--test", default=None, help="the test's name (default: the only one)")
    report.add_argument("--out", type=nonempty_path, default=None,
                        help="also write the answers (CSV), the table (CSV) and a plot (PNG)")
    report.set_defaults(run=_report)


def _create(arguments):
    from musiclab.listening.designs import Design, create_test
    from musiclab.listening.store import ResultsStore

    design = Design.from_yaml(arguments.design)
    store = ResultsStore(arguments.db)
    test = create_test(store, design)
    items = store.design(test)["items"]
    print(f"{arguments.db}: test {design.name!r} ({design.kind}), {len(items)} items, "
          f"{sum('check' in item for item in items)} attention checks")


def _serve(arguments):
    from musiclab.listening.serve import serve

    return serve(arguments.database, arguments.test, port=arguments.port, host=arguments.host)


def _report(arguments):
    from matplotlib.figure import Figure

    from musiclab.files import atomic_write_bytes, atomic_write_text, output_path
    from musiclab.listening import statistics
    from musiclab.listening.serve import choose_test
    from musiclab.listening.store import ResultsStore

    if not Path(arguments.database).is_file():
        raise ValueError(f"{arguments.database}: no such results database")
    name = choose_test(arguments.database, arguments.test)
    store = ResultsStore(arguments.database)
    analysis = statistics.analyse(store, name)
    print(f"{name!r} ({analysis.kind}): {analysis.raters} raters, {len(analysis.excluded)} "
          f"excluded for failed attention checks, {len(analysis.answers)} ratings kept")
    if analysis.answers.empty:
        print("no answers yet")
        return 0
    table = statistics.summary(analysis)
    print(table.round(3).to_string(index=False))
    print(f"Krippendorff's alpha: {statistics.agreement(analysis):.3f}")
    if arguments.out:
        store.export_csv(store.test_id(name), arguments.out, "responses")
        atomic_write_text(output_path(arguments.out, "summary", ".csv"),
                          table.to_csv(index=False))
        figure = Figure(figsize=(7, 3.2))
        statistics.plot_results(analysis, figure.add_subplot())
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=120)
        atomic_write_bytes(output_path(arguments.out, "summary", ".png"), buffer.getvalue())
        print(f"wrote responses.csv, summary.csv and summary.png in {arguments.out}")
    return 0
