"""The project's shape: layout, one source of dependencies, README = CI, clean notebooks."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_top_level_layout():
    for name in ("notebooks", "musiclab", "widgets", "tests", "benchmarks", "environment.yml",
                 "pyproject.toml", "README.md", ".ci/run"):
        assert (ROOT / name).exists(), name


def test_environment_yml_installs_the_project_and_nothing_else():
    text = (ROOT / "environment.yml").read_text()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dependencies = text.split("dependencies:", 1)[1]
    conda = re.findall(r"^  - (\S+)$", dependencies, flags=re.M)
    assert conda == ["python=3.11", "pip", "pip:"]
    assert project["requires-python"] == ">=3.11"
    pip_lines = re.findall(r"^      - (.+)$", text, flags=re.M)
    assert len(pip_lines) == 1
    match = re.fullmatch(r"--editable \.\[([a-z,]+)\]", pip_lines[0])
    assert match, pip_lines[0]
    assert set(match.group(1).split(",")) <= set(project["optional-dependencies"])


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci/run").read_text()
    command = ci.strip().splitlines()[-1]
    assert "pytest" in command
    assert f"\n{command}\n" in readme


def test_musiclab_never_imports_ipywidgets():
    for path in (ROOT / "musiclab").rglob("*.py"):
        assert "ipywidgets" not in path.read_text(), path
    code = ("import importlib, pkgutil, sys, musiclab\n"
            "names = [m.name for m in pkgutil.walk_packages(musiclab.__path__, 'musiclab.')\n"
            "         if m.name != 'musiclab.__main__']\n"
            "from musiclab.cli import FAMILIES as families\n"
            "def light(name):\n"
            "    parts = name.split('.')\n"
            "    return len(parts) == 2 or parts[1] not in families + ('nn',) \\\n"
            "        or parts[-1] == 'cli'\n"
            "for name in names:\n"
            "    importlib.import_module(name) if light(name) else None\n"
            "print('keras' in sys.modules)\n"
            "for name in names:\n"
            "    importlib.import_module(name)\n"
            "print('ipywidgets' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    # the core, the family packages and their command lines load without Keras (so --backend
    # can still choose it); nothing in musiclab loads ipywidgets
    assert result.stdout.split() == ["False", "False"], result.stderr[-2000:]


def test_notebooks_are_clean_numbered_and_parameterised():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert [p.name[:3] for p in notebooks][:2] == ["00_", "01_"]
    for path in notebooks:
        cells = json.loads(path.read_text())["cells"]
        code = [cell for cell in cells if cell["cell_type"] == "code"]
        assert all(not cell.get("outputs") and cell.get("execution_count") is None
                   for cell in code), f"{path.name} has outputs"
        first = code[0]
        assert "parameters" in first["metadata"].get("tags", []), path.name
        assert "SMOKE" in "".join(first["source"]), path.name
        assert not any("IPython.display.Audio" in "".join(c["source"]) for c in code)


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", str(ROOT)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
