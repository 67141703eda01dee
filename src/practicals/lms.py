"""Collect submissions from an LMS zip export into nbgrader's ``submitted/`` layout.

Moodle's "Download all submissions" is the first case. Its entries are named
``<Full Name>_<participant id>_assignsubmission_file_/<file>`` (one folder per student), or
``<Full Name>_<participant id>_assignsubmission_file_<file>`` (older, flat). The participant id
becomes the student id. The collection time is the entry's time in the zip, which Moodle sets
to the file's submission time in the server's local time, with no zone: it is read in the
course's time zone (course.toml) and written to ``timestamp.txt`` in UTC.

nbgrader's ``zip_collect`` expects one regular expression over file names and stops at what
it cannot match; an importer of our own reports each bad entry (wrong name, not a notebook,
two notebooks, an oversized or over-compressed file) and collects the rest.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

MOODLE = re.compile(
    r"^(?P<name>[^/_]+)_(?P<id>\d+)_assign(?:submission|feedback)_[a-z]+_/?(?P<file>.+)$"
)
MAX_FILE = 64 << 20  # no real notebook of the course is larger
MAX_RATIO = 200  # compression ratio beyond which an entry is treated as a zip bomb


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"collected {len(self.imported)} submissions"]
        out += [f"  problem: {p}" for p in self.problems]
        return out


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """The entry's bytes, or None when it would inflate past MAX_FILE, whatever its header says."""
    with archive.open(info) as f:
        data = f.read(MAX_FILE + 1)
    return None if len(data) > MAX_FILE else data


def import_zip(
    zip_path: Path, root: Path, assignment: str, zone: ZoneInfo, notebook: str | None = None
) -> ImportReport:
    """Write ``submitted/<id>/<assignment>/<notebook>.ipynb`` and ``timestamp.txt`` per student;
    ``zone`` is the course's time zone, in which the zip's entry times are written."""
    if notebook is None:
        names = sorted(p.stem for p in (root / "source" / assignment).glob("*.ipynb"))
        if len(names) != 1:
            raise ValueError(f"{assignment} has {len(names)} notebooks: say which with --notebook")
        notebook = names[0]
    report = ImportReport()
    try:
        archive = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as err:
        raise ValueError(f"{zip_path} is not a readable zip file ({err})") from None
    per_student: dict[str, list[tuple[zipfile.ZipInfo, str]]] = {}
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            match = MOODLE.match(info.filename)
            if not match:
                report.problems.append(f"{info.filename}: not a Moodle submission entry, skipped")
                continue
            if not match["file"].endswith(".ipynb"):
                report.problems.append(f"{info.filename}: not a notebook, skipped")
                continue
            if info.file_size > MAX_FILE or info.file_size > MAX_RATIO * max(info.compress_size, 1):
                report.problems.append(f"{info.filename}: too large or over-compressed, skipped")
                continue
            per_student.setdefault(match["id"], []).append((info, Path(match["file"]).name))
        for student, entries in sorted(per_student.items()):
            chosen = _choose(entries, notebook, student, report)
            if chosen is None:
                continue
            data = _read_capped(archive, chosen)
            if data is None:
                report.problems.append(f"{chosen.filename}: inflates past the size limit, skipped")
                continue
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{notebook}.ipynb").write_bytes(data)
            when = datetime(*chosen.date_time, tzinfo=zone).astimezone(UTC)
            (folder / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
            report.imported.append(student)
    return report


def _choose(entries, notebook: str, student: str, report: ImportReport):
    """The one notebook to collect for a student, noting what was odd about the choice."""
    wanted = f"{notebook}.ipynb"
    exact = [info for info, name in entries if name == wanted]
    if len(exact) == 1:
        for info, _ in entries:
            if info is not exact[0]:
                report.problems.append(f"{info.filename}: a second notebook, not collected")
        return exact[0]
    if len(entries) == 1:
        info = entries[0][0]
        report.problems.append(f"{info.filename}: collected as {wanted} for student {student}")
        return info
    names = ", ".join(name for _, name in entries)
    report.problems.append(f"student {student}: several notebooks ({names}), none collected")
    return None
