"""Every model answer passes its check; every wrong answer fails it with a useful hint."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from musiclab.exercises import EXERCISES, check, exercises

SOLUTIONS = Path(__file__).resolve().parent.parent / "notebooks" / "solutions"


def load(name):
    spec = importlib.util.spec_from_file_location(name, SOLUTIONS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WRONG = load("wrong_answers")


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_the_model_answer_passes(name):
    answers = load(f"lesson_{EXERCISES[name].lesson}")
    result = check(name, getattr(answers, name))
    assert result.passed, result.message
    assert repr(result).startswith("correct")


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_a_wrong_answer_fails_with_its_hint(name):
    result = check(name, WRONG.WRONG[name])
    assert not result.passed
    assert WRONG.EXPECTED[name] in result.message, result.message


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_every_known_mistake_is_named(name):
    for hint, wrong in EXERCISES[name].mistakes.items():
        result = check(name, wrong)
        assert not result.passed and result.message == hint


def test_every_lesson_has_three_to_five_exercises_and_every_answer_file_covers_them():
    for lesson in ("01", "02", "03", "04", "05", "06", "07", "08"):
        names = [item.name for item in exercises(lesson)]
        assert 3 <= len(names) <= 5, lesson
        answers = load(f"lesson_{lesson}")
        assert all(callable(getattr(answers, name)) for name in names)
    assert set(WRONG.WRONG) == set(EXERCISES) == set(WRONG.EXPECTED)


def test_unanswered_and_crashing_answers_are_reported_not_raised():
    def unanswered(z_mean, z_log_var, epsilon):
        raise NotImplementedError

    result = check("reparameterize", unanswered)
    assert not result and "not answered yet" in result.message
    result = check("reparameterize", lambda z_mean, z_log_var: z_mean)
    assert not result and "TypeError" in result.message
    with pytest.raises(ValueError, match="no exercise"):
        check("nonexistent", print)


def test_memorised_outputs_fail_the_gradient_check():
    """An answer that returns the right numbers for the checked inputs only, and ignores its
    inputs otherwise, is caught by the gradient comparison."""
    reference = EXERCISES["reparameterize"].reference
    cases = EXERCISES["reparameterize"].cases(np.random.default_rng(0))
    table = {case[0].tobytes(): reference(*case) for case in cases}

    def memorised(z_mean, z_log_var, epsilon):
        key = np.asarray(z_mean).tobytes()
        return table.get(key, np.zeros_like(z_mean))

    result = check("reparameterize", memorised)
    assert not result and "gradient" in result.message


def test_every_lesson_notebook_poses_its_exercises_and_shows_maths():
    import nbformat

    notebooks = Path(__file__).resolve().parent.parent / "notebooks"
    for lesson in ("01", "02", "03", "04", "05", "06", "07", "08"):
        (path,) = notebooks.glob(f"{lesson}_*.ipynb")
        cells = nbformat.read(path, as_version=4).cells
        code = "\n".join(cell.source for cell in cells if cell.cell_type == "code")
        markdown = "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")
        for item in exercises(lesson):
            assert f'check("{item.name}", {item.name})' in code, (path.name, item.name)
        assert markdown.count("$") >= 10, path.name  # LaTeX beside the code
        assert "## Exercises" in markdown and f"solutions/lesson_{lesson}.py" in markdown
