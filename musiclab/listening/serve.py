"""The served page for a class: Voila runs the listening-test page notebook, one kernel per
browser, on the local network.

Voila turns a notebook into a web page without its code, and it runs the same widgets
(``widgets.ListeningTest``) the notebook uses, so the page a class sees is the widget a
teacher tried in JupyterLab. Each browser gets its own kernel and its own anonymous rater; the
rater id is kept in the browser, so a reload resumes. Every answer goes straight into the
SQLite file (WAL mode), which the teacher's notebook reads live. The page is Voila's lab page
through the ``musiclab`` template (``widgets/served``), which drops the lab page's two links
to a CDN: the page needs nothing from the internet.
"""

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

from musiclab.listening.store import ResultsStore

PAGE = "listen_page.ipynb"
TEMPLATE = "musiclab"  # widgets/served/voila/templates/musiclab: Voila's lab page, nothing fetched
DATABASE_VARIABLE, TEST_VARIABLE = "MUSICLAB_LISTEN_DB", "MUSICLAB_LISTEN_TEST"
DEFAULT_PORT = 8866


def page_path():
    """The page notebook that ships with the ``widgets`` package (found without importing it)."""
    spec = importlib.util.find_spec("widgets")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("widgets: the musiclab widgets package is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / PAGE


def choose_test(database, test=None):
    """The test to serve: the one named, or the database's only test.

    Raises:
        ValueError: naming the database when the test is missing or ambiguous.
    """
    store = ResultsStore(database)
    tests = store.tests()
    if test is not None:
        return store.design(store.test_id(int(test) if str(test).isdigit() else test))["name"]
    if len(tests) != 1:
        names = ", ".join(repr(name) for name in tests["name"]) or "none"
        raise ValueError(f"--test: {database} holds {len(tests)} tests ({names}); name one")
    return str(tests["name"][0])


def voila_command(database, test=None, *, port=DEFAULT_PORT, host="0.0.0.0"):
    """The command and environment that serve a test.

    Args:
        database: the results database (it must hold the test).
        test: the test's name or id (default: the only one).
        port: the port; host: the address to listen on ("0.0.0.0": the whole local network).

    Returns:
        ``(argv list, environment dict)``.
    """
    if not 0 < int(port) < 65536:
        raise ValueError(f"--port: between 1 and 65535, got {port}")
    database = Path(database).resolve()
    if not database.is_file():
        raise ValueError(f"{database}: no such results database (create a test first: "
                         "musiclab listen create DESIGN.yaml --db FILE)")
    name = choose_test(database, test)
    page = page_path()
    argv = [sys.executable, "-m", "voila", str(page), f"--port={int(port)}",
            f"--Voila.ip={host}", "--no-browser", "--theme=light", "--strip_sources=True",
            f"--template={TEMPLATE}", "--VoilaConfiguration.show_tracebacks=False"]
    jupyter_path = [str(page.parent / "served"), os.environ.get("JUPYTER_PATH", "")]
    environment = {**os.environ, DATABASE_VARIABLE: str(database), TEST_VARIABLE: name,
                   "MUSICLAB_SMOKE": os.environ.get("MUSICLAB_SMOKE", "0"),
                   "JUPYTER_PATH": os.pathsep.join(filter(None, jupyter_path))}
    return argv, environment


def addresses(port):
    """The links to give a class: this machine's names on the local network."""
    names = {"localhost"}
    try:
        names.add(socket.gethostbyname(socket.gethostname()))
    except OSError:
        pass
    return [f"http://{name}:{port}/" for name in sorted(names)]


def serve(database, test=None, *, port=DEFAULT_PORT, host="0.0.0.0"):
    """Serve a test until interrupted (Ctrl-C). Returns Voila's exit status."""
    argv, environment = voila_command(database, test, port=port, host=host)
    print(f"Serving {environment[TEST_VARIABLE]!r} from {environment[DATABASE_VARIABLE]}; "
          "give the class one of: " + ", ".join(addresses(port)), flush=True)
    return subprocess.call(argv, env=environment)
