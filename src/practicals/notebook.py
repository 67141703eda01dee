"""Reading notebooks the way nbgrader marks them: answer, test and read-only cells, and stars."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.reader import NotJSONError

STAR_PREFIX = "star_"


class NotebookError(ValueError):
    """A file that cannot be graded as a notebook; the message is meant for the report."""


def read(path: str | Path) -> NotebookNode:
    """Read a notebook, turning every way a file can be broken into one clear NotebookError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise NotebookError("the file is not UTF-8 text, so it cannot be a notebook") from None
    try:
        nb = nbformat.reads(text, as_version=4)
    except NotJSONError:
        raise NotebookError(
            "the file is not valid notebook JSON (truncated or not a notebook)"
        ) from None
    except Exception as err:  # nbformat raises several kinds for shapes it does not know
        raise NotebookError(f"the file is not a readable notebook ({err})") from None
    if not isinstance(nb.get("cells"), list):
        raise NotebookError("the notebook has no list of cells")
    return nb


def meta(cell: NotebookNode) -> dict:
    """A cell's nbgrader metadata, or {} for any other shape a submission can give it."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    value = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return value if isinstance(value, dict) else {}


def text(cell: NotebookNode) -> str:
    """A cell's source as one string, whatever shape a submission gives it."""
    value = cell.get("source", "") if isinstance(cell, dict) else ""
    return "".join(map(str, value)) if isinstance(value, list) else str(value)


def grade_id(cell: NotebookNode) -> str | None:
    value = meta(cell).get("grade_id")
    return value if isinstance(value, str) and value else None


def is_answer(cell: NotebookNode) -> bool:
    return cell.get("cell_type") == "code" and bool(meta(cell).get("solution"))


def is_test(cell: NotebookNode) -> bool:
    return cell.get("cell_type") == "code" and bool(meta(cell).get("grade"))


def is_star(gid: str) -> bool:
    """The one machine-readable star marker: a test cell whose grade_id starts with ``star_``."""
    return gid.startswith(STAR_PREFIX)


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float
    star: bool


def test_cells(nb: NotebookNode) -> list[TestCell]:
    """The graded cells of a source notebook, in order."""
    return [
        TestCell(grade_id(c), float(meta(c).get("points", 0)), is_star(grade_id(c)))
        for c in nb.cells
        if is_test(c)
    ]


class Kind(StrEnum):
    """What a cell is to the grader."""

    ANSWER = "answer"  # the student writes it (nbgrader: solution)
    TEST = "test"  # graded, always run as the source has it (nbgrader: grade)
    READONLY = "readonly"  # the source's own code, always run as the source has it
    ADDED = "added"  # a code cell the student added
    MARKDOWN = "markdown"  # text of the submission: shown, never run


def kind_of(cell: NotebookNode) -> Kind:
    """The kind of a source notebook's cell."""
    if cell.get("cell_type") != "code":
        return Kind.MARKDOWN
    if is_test(cell):
        return Kind.TEST
    if is_answer(cell):
        return Kind.ANSWER
    return Kind.READONLY


def _preprocessed(nb: NotebookNode, preprocessors) -> NotebookNode:
    copy = nbformat.from_dict(json.loads(json.dumps(nb)))
    for preprocessor in preprocessors:
        copy, _ = preprocessor.preprocess(copy, {"metadata": {}})
    return copy


def stubbed(nb: NotebookNode, student_package: str = "") -> NotebookNode:
    """The source as ``nbgrader generate_assignment`` records it in the gradebook: the install
    cell pointing at ``student_package`` when one is given (as ``make release`` does), solutions
    replaced by their stub, and each nbgrader cell's checksum computed (``compute_checksum``)."""
    from nbgrader.preprocessors import ClearSolutions, ComputeChecksums

    from .release import StudentPackage

    first = (StudentPackage(url=student_package),) if student_package else ()
    return _preprocessed(nb, (*first, ClearSolutions(), ComputeChecksums()))


def release_version(nb: NotebookNode, student_package: str = "") -> NotebookNode:
    """What students get: ``stubbed`` with its hidden tests cut, by nbgrader."""
    from nbgrader.preprocessors import ClearHiddenTests

    return _preprocessed(stubbed(nb, student_package), (ClearHiddenTests(),))


def release_cells(release: NotebookNode) -> dict[str, NotebookNode]:
    """Each nbgrader cell of a ``release_version``, by grade_id: what a student may see of it,
    with the checksum that tells an answer left as released."""
    return {grade_id(c): c for c in release.cells if grade_id(c)}


def unanswered(released: NotebookNode, text: str) -> bool:
    """True when an answer cell's text is still the release stub, by nbgrader's checksum."""
    from nbgrader.utils import compute_checksum

    cell = nbformat.from_dict(json.loads(json.dumps(released)))
    cell.source = text
    return compute_checksum(cell) == meta(released).get("checksum")
