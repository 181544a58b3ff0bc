"""The package's shape, read from its imports (ast): no cycles, families depend downward,
the core never imports Keras, imports sit at the top of modules, one copy of shared code."""

import ast
import re
from pathlib import Path

import pytest

from musiclab.cli import FAMILIES

ROOT = Path(__file__).resolve().parent.parent
TOOLKIT = "nn"
# family -> the families it may use (the natural arrows only)
FAMILY_USES = {"style": {"vae"}, "evaluation": {"style", "vae"},  # evaluation judges others
               "timbre": {"wavenet"}}  # the raw-audio WaveNet is the WaveNet family's
NEURAL = ("keras", "tensorflow", "jax")
# third-party modules a function may import late: slow to import, or the running backend's own
LAZY_OK = ("music21", "verovio", "matplotlib", "pretty_midi", "midirenderer", "IPython",
           "miditok", "symusic", "pyloudnorm", "scipy", "statsmodels", "librosa", "soundfile",
           "tensorflow", "jax")


def module_imports(root, package):
    """``{module: [(imported module, line, at top level), ...]}`` for every module under root."""
    graph = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join((package,) + parts)
        if name.endswith(".__init__"):
            name = name[: -len(".__init__")]
        tree = ast.parse(path.read_text(), str(path))
        top = {id(node) for node in tree.body}
        edges = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                edges += [(alias.name, node.lineno, id(node) in top) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:  # "from p import m" imports p.m when m is a module
                    candidate = f"{node.module}.{alias.name}"
                    as_module = (root.joinpath(*candidate.split(".")[1:]).with_suffix(".py")
                                 .exists() or root.joinpath(*candidate.split(".")[1:]).is_dir())
                    target = candidate if candidate.startswith(package) and as_module \
                        else node.module
                    edges.append((target, node.lineno, id(node) in top))
        graph[name] = edges
    return graph


def layer_of(module, package):
    """``("core", None)``, ``("nn", None)``, ``("family", name)`` or ``("root", None)``."""
    parts = module.split(".")
    if module in (f"{package}.cli", f"{package}.__main__"):
        return "root", None
    if len(parts) > 1 and parts[1] == TOOLKIT:
        return "nn", None
    if len(parts) > 1 and parts[1] in FAMILIES:
        return "family", parts[1]
    return "core", None


def violations(root, package="musiclab"):
    """Every broken rule, as one line each."""
    graph = module_imports(root, package)
    found = []
    for module, edges in graph.items():
        layer, family = layer_of(module, package)
        for target, line, at_top in edges:
            where = f"{module}:{line}"
            first = target.split(".")[0]
            if not at_top and not (first in LAZY_OK or (module.endswith(".cli")
                                                        and first == package)):
                found.append(f"{where}: imports {target} inside a function")
            if first in NEURAL and layer == "core":
                found.append(f"{where}: the core imports {first}")
            if first == "ipywidgets":
                found.append(f"{where}: musiclab imports ipywidgets")
            if first != package:
                continue
            target_layer, target_family = layer_of(target, package)
            if layer in ("core", "nn") and target_layer in ("family", "root"):
                found.append(f"{where}: {layer} imports upward into {target}")
            if layer == "core" and target_layer == "nn":
                found.append(f"{where}: core imports upward into {target}")
            if layer == "family" and target_layer == "family" and target_family != family \
                    and target_family not in FAMILY_USES.get(family, ()):
                found.append(f"{where}: family {family} imports family {target_family}")
            if target_layer == "root" and layer != "root":
                found.append(f"{where}: imports the root command line")
    found += [f"import cycle: {' -> '.join(cycle)}" for cycle in cycles(graph, package)]
    return found


def cycles(graph, package):
    """Import cycles among the package's own modules (each reported once)."""
    edges = {module: sorted({target for target, _, _ in targets if target in graph
                             and target != module})
             for module, targets in graph.items()}
    # a module imports its parent packages too: that edge is Python's, not the code's
    found, seen, stack, on_stack = [], set(), [], set()

    def visit(module):
        seen.add(module)
        stack.append(module)
        on_stack.add(module)
        for target in edges[module]:
            if target in on_stack:
                found.append(stack[stack.index(target):] + [target])
            elif target not in seen:
                visit(target)
        stack.pop()
        on_stack.discard(module)

    for module in sorted(edges):
        if module not in seen:
            visit(module)
    return found


def test_musiclab_keeps_its_import_rules():
    assert violations(ROOT / "musiclab") == []


def test_the_rules_catch_a_cycle_an_upward_import_and_keras_in_the_core(tmp_path):
    package = tmp_path / "musiclab"
    for folder in ("", "data", "nn", "vae", "style"):
        (package / folder).mkdir(parents=True, exist_ok=True)
        (package / folder / "__init__.py").write_text("")
    (package / "data" / "a.py").write_text("from musiclab.data import b\n")
    (package / "data" / "b.py").write_text("from musiclab.data.a import x\n")
    (package / "metrics.py").write_text("import keras\nfrom musiclab.vae import model\n")
    (package / "nn" / "loop.py").write_text("from musiclab.vae.model import build\n")
    (package / "vae" / "model.py").write_text("from musiclab.style import judge\n"
                                              "def f():\n    from musiclab.data import a\n")
    (package / "style" / "judge.py").write_text("from musiclab.vae import model\n")
    found = "\n".join(violations(package))
    assert "import cycle: musiclab.data.a -> musiclab.data.b -> musiclab.data.a" in found
    assert "musiclab.metrics:1: the core imports keras" in found
    assert "musiclab.metrics:2: core imports upward into musiclab.vae.model" in found
    assert "musiclab.nn.loop:1: nn imports upward into musiclab.vae.model" in found
    assert "musiclab.vae.model:1: family vae imports family style" in found
    assert "musiclab.vae.model:3: imports musiclab.data.a inside a function" in found
    assert not any(line.startswith("musiclab.style.judge") for line in found.splitlines()
                   if "family" in line)  # style may use vae


def test_widgets_import_no_cycle_and_musiclab_never_imports_widgets():
    graph = module_imports(ROOT / "widgets", "widgets")
    assert cycles(graph, "widgets") == []
    for path in (ROOT / "musiclab").rglob("*.py"):
        assert not re.search(r"^\s*(from|import) widgets", path.read_text(), re.M), path


@pytest.mark.parametrize("pattern", [
    r"^(NOTE_OFF|HOLD|FIRST_PITCH_TOKEN|LOWEST_PITCH|HIGHEST_PITCH|KEYS|VOCABULARY_SIZE"
    r"|START_TOKEN|VOICES|LOWEST_KEY) = ",
    r"^class \w*(Shift|PreviousStep)\w*\(",
    r"np\.exp\(\w+ - \w+\.max\(axis=-1",                  # a softmax
    r"np\.log\(np\.exp\(\w+\)\.sum\(axis=-1",              # a log-softmax
    r"log1p\(\w*\.?exp\(-\w*\.?abs",                       # the Bernoulli likelihood
    r"cumulative < uniform|rng\.choice\(len\(row",            # a categorical draw
    r"\.random\(logits\.shape\)",                           # a Bernoulli draw
])
def test_one_copy_of_the_vocabulary_the_shift_and_the_sampling_maths(pattern):
    homes = {"musiclab/vocab.py", "musiclab/nn/layers.py", "musiclab/nn/sampling.py"}
    places = [str(path.relative_to(ROOT)) for path in (ROOT / "musiclab").rglob("*.py")
              if re.search(pattern, path.read_text(), re.M)]
    assert len(places) <= 1 and set(places) <= homes, places


def test_a_new_family_needs_one_line_in_the_root_command_line():
    text = (ROOT / "musiclab" / "cli.py").read_text()
    assert len(re.findall(r"^FAMILIES = \(.*\)$", text, re.M)) == 1  # one line names them all
    folders = {path.parent.name for path in (ROOT / "musiclab").glob("*/cli.py")}
    assert set(FAMILIES) == folders
    for family in FAMILIES:
        cli = (ROOT / "musiclab" / family / "cli.py").read_text()
        assert "def register(commands, train):" in cli, family


def test_settings_after_the_data_are_keyword_only():
    """A public function with more than three settings takes them by keyword only (a swap
    of two positional settings would run silently)."""
    found = []
    paths = sorted((ROOT / "musiclab").rglob("*.py")) + sorted((ROOT / "widgets").rglob("*.py"))
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") \
                    and len(node.args.defaults) > 3:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert found == []
