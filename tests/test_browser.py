"""Every notebook as a teacher sees it: JupyterLab in Chromium, driven by Playwright.

Each lesson runs top to bottom in smoke mode in the page; no cell may show an error or
anything on stderr (backend start-up noise included); then one control of every widget
with a player is moved and new, non-silent audio must arrive in the page (decoded there).
A failing notebook leaves a full-page screenshot in ``browser-failures/``.

Marked ``browser``: ``pytest -m "not browser"`` leaves them out of a quick run; the README's
command and CI run them. They need the system's Chromium (``.ci/run`` installs Debian's
``chromium`` when it is missing); Playwright downloads nothing.
"""

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FAILURES = ROOT / "browser-failures"
RUN_TIMEOUT = 900  # seconds for a whole notebook in smoke mode on 2 CPU cores

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    from widgets.browser import Lab

    folder = tmp_path_factory.mktemp("lab")
    for path in NOTEBOOKS:  # copies: the page must never touch the committed notebooks
        shutil.copy(path, folder / path.name)
    scratch = tmp_path_factory.mktemp("scratch")  # the notebooks' OUTPUT_DIRs: fresh each run
    environment = {"MUSICLAB_SMOKE": "1", "MPLBACKEND": "Agg", "TMPDIR": str(scratch)}
    with Lab(folder, environment=environment) as running:
        yield running


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_runs_cleanly_in_the_browser_and_its_widgets_play(lab, path):
    page = lab.open(path.name)
    try:
        page.run_all(timeout=RUN_TIMEOUT)
        assert page.problems() == []
        areas = page.widget_outputs()
        for number, area in enumerate(areas, 1):
            area.scroll_into_view_if_needed()
            moved, result = page.try_controls(area)
            assert result is not None, f"widget {number} of {len(areas)}: no control made audio"
            milliseconds, sound = result
            assert sound["seconds"] > 0.5 and sound["rms"] > 0.01, (moved, sound)
            assert milliseconds < 10_000, (moved, milliseconds)
    except BaseException:
        FAILURES.mkdir(exist_ok=True)
        page.screenshot(FAILURES / f"{path.stem}.png")
        raise
    finally:
        page.page.close()


def open_cells(lab, name, sources):
    """Write a notebook of code cells into the lab's folder and open it."""
    import nbformat

    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in sources],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}})
    nbformat.write(notebook, lab.folder / name)
    return lab.open(name)


def test_the_page_reports_errors_and_stderr(lab, tmp_path):
    """The checks above can fail: a notebook with an error and a stderr line is caught."""
    page = open_cells(lab, "broken.ipynb", ["import sys\nprint('device noise', file=sys.stderr)",
                                            "1 / 0", "never = 'reached'"])
    try:
        page.run_all(timeout=120)
        problems = page.problems()
        assert any("(stderr): device noise" in line for line in problems), problems
        assert any("ZeroDivisionError" in line for line in problems), problems
    finally:
        page.page.close()


def test_the_quiz_reveals_its_answer_in_the_browser(lab):
    """The flash cards of notebook 09 work by mouse: the answer appears only on Reveal."""
    page = open_cells(lab, "quiz.ipynb", ["from widgets import Quiz\n\nQuiz.interview()"])
    try:
        page.run_all(timeout=120)
        assert page.problems() == []
        area = page.page.locator(".jp-Cell-outputArea").first
        area.locator("text=think of your answer").wait_for(timeout=30_000)
        assert area.locator("text=Generation (melody, harmony, rhythm)").count() == 0
        area.locator("button", has_text="Reveal").click()
        area.locator("text=Generation (melody, harmony, rhythm)").wait_for(timeout=10_000)
        area.locator("button", has_text="Next").click()
        area.locator("text=How does a GAN generate music").wait_for(timeout=10_000)
        assert area.locator("text=think of your answer").count() == 1
    finally:
        page.page.close()
