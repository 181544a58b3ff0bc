"""Every notebook runs top to bottom in smoke mode (papermill), and the cells marked
``# NBVAL_CHECK_OUTPUT`` give the same output when run again (nbval, lax mode)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TIMEOUT = 600  # seconds per cell; papermill has no limit by default


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_runs_in_smoke_mode_and_is_deterministic(path, tmp_path, monkeypatch):
    import papermill

    monkeypatch.setenv("MUSICLAB_SMOKE", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    executed = tmp_path / path.name
    papermill.execute_notebook(
        str(path), str(executed), parameters={"SMOKE": True, "OUTPUT_DIR": str(tmp_path / "out")},
        kernel_name="python3", cwd=str(tmp_path), execution_timeout=TIMEOUT, progress_bar=False,
    )
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    errors = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    assert not errors
    checked = [cell for cell in notebook.cells if "NBVAL_CHECK_OUTPUT" in cell.source]
    assert checked and all(cell.outputs for cell in checked)
    env = {**os.environ, "MUSICLAB_SMOKE": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q",
         "--nbval-cell-timeout", str(TIMEOUT), str(executed)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_a_lesson_exports_as_html_and_slides_for_class(tmp_path):
    """The course map's export commands work: HTML keeps the maths and headings, slides are
    reveal.js pages."""
    import nbformat
    from nbconvert import HTMLExporter, SlidesExporter

    notebook = nbformat.read(ROOT / "notebooks" / "09_interview.ipynb", as_version=4)
    html, _ = HTMLExporter().from_notebook_node(notebook)
    assert "How does a GAN generate music?" in html and "What the overview gets wrong" in html
    assert r"1 + \sum_l (k_l - 1) d_l" in html  # LaTeX is kept for MathJax
    slides, _ = SlidesExporter().from_notebook_node(notebook)
    assert "reveal" in slides.lower() and "Q4." in slides
