"""The project's packaging stays consistent."""

import re
import tomllib

from conftest import REPO


def names(requirements):
    return {re.split(r"[<>=!~ ]", r, maxsplit=1)[0].lower().replace("_", "-")
            for r in requirements}  # fmt: skip


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    text = (REPO / "environment.yml").read_text()
    pip_lines = re.findall(r"^\s+- (?!-e)([A-Za-z][^\s#]*)\s*$", text.split("- pip:")[1], re.M)
    assert names(pip_lines) == names(wanted)
    for requirement in wanted:  # the same ranges, not only the same names
        assert requirement in pip_lines


def test_the_tested_torch_is_allowed_by_the_declared_range():
    constraints = (REPO / "constraints.txt").read_text()
    assert "torch==2.14.1" in constraints and "torchvision==0.29.1" in constraints


def test_ci_runs_the_readme_test_command():
    assert "make test" in (REPO / ".ci" / "run").read_text()
    assert "make test" in (REPO / "README.md").read_text()
