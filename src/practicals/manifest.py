"""The course manifest (``course.toml``): each assignment's notebooks, due date, data and demo.

One entry per assignment is the only place its facts live; grading, the demo class, data prefetch
and ``make results`` read them here. Keys are ``assignment/notebook``, so two assignments may hold
notebooks of the same name. A missing fact is an error, never a default: an assignment without a
due date must say ``due = "none"``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FILE = "course.toml"
# What practicals.data can load (its LOADERS).
DATA_SETS = ("names", "shakespeare", "mnist", "cifar10")


class ManifestError(ValueError):
    """course.toml is missing, malformed, or disagrees with source/; the message says how."""


@dataclass(frozen=True)
class Headline:
    """A number ``make results`` reports from a full-mode run: an observation and its target."""

    observation: str
    label: str
    target: str
    reference: str


@dataclass(frozen=True)
class Notebook:
    assignment: str
    name: str
    data: tuple[str, ...]  # data sets the notebook loads (prefetched for offline kernels)
    headlines: tuple[Headline, ...]

    @property
    def key(self) -> str:
        return f"{self.assignment}/{self.name}"


@dataclass(frozen=True)
class DemoStudent:
    name: str
    expected: str  # what the demo table shows beside the score; the suite asserts it
    late: bool = False


@dataclass(frozen=True)
class Assignment:
    name: str
    due: datetime | None  # aware, in UTC; None when the manifest says "none"
    notebooks: dict[str, Notebook]
    demo: tuple[DemoStudent, ...]


@dataclass(frozen=True)
class Manifest:
    timezone: ZoneInfo
    assignments: dict[str, Assignment]

    def assignment(self, name: str) -> Assignment:
        if name not in self.assignments:
            raise ManifestError(
                f"{name} is not in {FILE}: add [assignments.{name}] with its due date "
                f'(or due = "none") and a [notebooks."{name}/<notebook>"] entry per notebook'
            )
        return self.assignments[name]

    def notebook(self, key: str) -> Notebook:
        assignment, _, name = key.partition("/")
        found = self.assignment(assignment).notebooks.get(name)
        if found is None:
            raise ManifestError(f'{FILE} has no [notebooks."{key}"] entry')
        return found

    def local(self, when: datetime) -> datetime:
        """A time in the course's zone; a naive one is taken to be in it already."""
        if when.tzinfo is None:
            return when.replace(tzinfo=self.timezone)
        return when.astimezone(self.timezone)


def _zone(value: object) -> ZoneInfo:
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ManifestError(
            f"timezone = {value!r} is not an IANA time zone (e.g. 'Europe/Paris')"
        ) from None


def _due(name: str, value: object, zone: ZoneInfo) -> datetime | None:
    if value == "none":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, datetime):
        raise ManifestError(
            f'[assignments.{name}] needs due = 2026-10-05T18:00:00 (course time) or "none"'
        )
    local = value if value.tzinfo else value.replace(tzinfo=zone)
    return local.astimezone(UTC)


def _headline(key: str, entry: object) -> Headline:
    fields = ("observation", "label", "target", "reference")
    if not isinstance(entry, dict) or set(entry) != set(fields):
        raise ManifestError(f'[notebooks."{key}"] headlines need exactly {", ".join(fields)}')
    return Headline(*(str(entry[f]) for f in fields))


def _demo(name: str, entry: object) -> DemoStudent:
    if not isinstance(entry, dict) or not {"student", "expected"} <= set(entry):
        raise ManifestError(f"[assignments.{name}] demo entries need student and expected")
    return DemoStudent(str(entry["student"]), str(entry["expected"]), bool(entry.get("late")))


def parse(text: str) -> Manifest:
    """The manifest in ``text``; every problem is a ManifestError naming the entry to fix."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ManifestError(f"{FILE} is not valid TOML: {err}") from None
    if "timezone" not in raw:
        raise ManifestError(f'{FILE} needs timezone = "..." (the course\'s IANA time zone)')
    zone = _zone(raw["timezone"])
    notebooks: dict[str, dict[str, Notebook]] = {}
    for key, entry in raw.get("notebooks", {}).items():
        assignment, _, name = key.partition("/")
        if not assignment or not name or "/" in name:
            raise ManifestError(f'[notebooks."{key}"]: keys are "assignment/notebook"')
        data = tuple(entry.get("data", ()))
        unknown = sorted(set(data) - set(DATA_SETS))
        if unknown:
            raise ManifestError(
                f'[notebooks."{key}"] data {unknown} unknown; known: {", ".join(DATA_SETS)}'
            )
        headlines = tuple(_headline(key, h) for h in entry.get("headlines", ()))
        notebooks.setdefault(assignment, {})[name] = Notebook(assignment, name, data, headlines)
    assignments = {}
    for name, entry in raw.get("assignments", {}).items():
        if "due" not in entry:
            raise ManifestError(f'[assignments.{name}] needs a due date, or due = "none"')
        if name not in notebooks:
            raise ManifestError(f'{name} has no [notebooks."{name}/<notebook>"] entry')
        demo = tuple(_demo(name, d) for d in entry.get("demo", ()))
        assignments[name] = Assignment(name, _due(name, entry["due"], zone), notebooks[name], demo)
    orphans = sorted(set(notebooks) - set(assignments))
    if orphans:
        raise ManifestError(f"notebooks listed for {orphans}, which have no [assignments.] entry")
    return Manifest(zone, assignments)


def load(root: Path) -> Manifest:
    path = Path(root) / FILE
    if not path.is_file():
        raise ManifestError(f"no {FILE} in {root}: the course manifest lists every assignment")
    return parse(path.read_text(encoding="utf-8"))


def check_sources(manifest: Manifest, root: Path, assignment: str) -> None:
    """The assignment's notebooks in source/ must be exactly those of its manifest entry."""
    entry = manifest.assignment(assignment)
    found = {p.stem for p in (Path(root) / "source" / assignment).glob("*.ipynb")}
    if found != set(entry.notebooks):
        raise ManifestError(
            f"source/{assignment} holds {sorted(found)} but {FILE} lists "
            f"{sorted(entry.notebooks)}: add or remove [notebooks.] entries to match"
        )


def undeclared_data(entry: Notebook, source_text: str) -> list[str]:
    """Data sets the notebook's code loads but its entry does not list (they would not be
    prefetched, and offline kernels would fail at the reference run)."""
    return [d for d in DATA_SETS if f"load_{d}(" in source_text and d not in entry.data]
