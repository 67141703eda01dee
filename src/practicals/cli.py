"""The ``practicals`` command: one subcommand per instructor or student task."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import config


def _release(args) -> int:
    from .release import release

    course = config.load(args.course)
    for path in release(course, args.assignments):
        print(f"released {path.relative_to(course.root)}")
    return 0


def _grade(args) -> int:
    from .grade import grade_assignment

    course = config.load(args.course)
    grades = grade_assignment(course, args.assignment, workers=args.workers,
                              students=args.student or None)  # fmt: skip
    print(f"graded {len(grades)} students; wrote grades.csv and grades_long.csv")
    return 0


def _feedback(args) -> int:
    from .feedback import generate

    course = config.load(args.course)
    problems = generate(course, args.assignment, args.student or None)
    for student, problem in sorted(problems.items()):
        print(f"  {student}: {problem}", file=sys.stderr)
    print(f"wrote the feedback of {args.assignment} into feedback/, from the gradebook")
    return 1 if problems else 0


def _export(args) -> int:
    from .export import write

    for path in write(config.load(args.course)):
        print(f"wrote {path}")
    return 0


def _import_lms(args) -> int:
    from .lms import import_zip

    course = config.load(args.course)
    zone = course.manifest.timezone
    report = import_zip(Path(args.zip), course.root, args.assignment, zone, args.notebook)
    for line in report.lines():
        print(line)
    return 0 if report.imported else 1


def _student_package(args) -> int:
    from .student_package import build

    course = config.load(args.course)
    wheel = build(course.root, Path(args.out) if args.out else course.root / "dist")
    print(f"built {wheel}")
    print("publish it, then set c.StudentPackage.url in nbgrader_config.py to its URL")
    return 0


def _demo(args) -> int:
    from .demo import run_demo

    return run_demo(config.load(args.course), workers=args.workers)


def _check(args) -> int:
    from .selfcheck import check_notebook

    return check_notebook(Path(args.notebook), fast=not args.full)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="practicals", description=__doc__)
    parser.add_argument("--course", default=".", help="course root (default: .)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="generate release/ from source/ with nbgrader")
    p.add_argument("assignments", nargs="*", help="default: every assignment in source/")
    p.set_defaults(func=_release)

    p = sub.add_parser("grade", help="grade every submission of an assignment, safely, in parallel")
    p.add_argument("assignment")
    p.add_argument("--workers", type=int, default=None, help="parallel kernels (default: cores)")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.set_defaults(func=_grade)

    p = sub.add_parser("feedback", help="render the feedback again from the gradebook "
                       "(after overrides in formgrader)")  # fmt: skip
    p.add_argument("assignment")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.set_defaults(func=_feedback)

    p = sub.add_parser("export", help="write grades.csv and grades_long.csv from the gradebook")
    p.set_defaults(func=_export)

    p = sub.add_parser("import-lms", help="collect submissions from an LMS zip (Moodle)")
    p.add_argument("zip")
    p.add_argument("assignment")
    p.add_argument("--notebook", default=None, help="notebook name (default: the only one)")
    p.set_defaults(func=_import_lms)

    p = sub.add_parser("student-package", help="build the wheel students install (the helper "
                       "modules only: no solutions, tests or grader)")  # fmt: skip
    p.add_argument("--out", default=None, help="output folder (default: dist/)")
    p.set_defaults(func=_student_package)

    p = sub.add_parser("demo", help="build the synthetic demo class, grade it, print the table")
    p.add_argument("--workers", type=int, default=None)
    p.set_defaults(func=_demo)

    p = sub.add_parser("check", help="students: run a notebook and summarise its visible tests")
    p.add_argument("notebook")
    p.add_argument("--full", action="store_true", help="full mode, as in class (slower)")
    p.set_defaults(func=_check)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"practicals {args.command}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
