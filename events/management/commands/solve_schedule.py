"""Schedule the meetings of a problem file and write the solution file
(formats in DESIGN.md §4), for organisers' tools and benchmarks. No database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.engine.scheduling import ProblemError, Solution, problem_from_json, solution_to_json, solve

# The exit status for a problem file that cannot be used.
BAD_INPUT = 2


class Command(BaseCommand):
    # Lazy: the class is built at import, before the command's language is active.
    help = gettext_lazy(  # type: ignore[assignment]  # django-stubs wants str; argparse reads it as one
        "Schedule the meetings of a problem file (JSON: slots, tables, meetings, optional unavailable "
        "slots and home tables) and write the agenda, the meetings left out with their reasons, and "
        "statistics to a solution file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("problem", help=_("The problem file (JSON)."))
        parser.add_argument("solution", help=_("Where to write the solution (JSON)."))
        parser.add_argument(
            "--time-limit",
            type=float,
            default=10.0,
            metavar="S",
            help=_(
                "Seconds to search for a better schedule (default 10); stops earlier when proved optimal."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        time_limit: float = options["time_limit"]
        if not time_limit > 0:
            raise CommandError(_("--time-limit must be a positive number of seconds."), returncode=BAD_INPUT)
        path = Path(options["problem"])
        problem = self._read(path)
        solution = solve(problem, time_limit=time_limit)
        target = Path(options["solution"])
        try:
            with target.open("w", encoding="utf-8") as handle:
                json.dump(solution_to_json(solution), handle, ensure_ascii=False, indent=1)
                handle.write("\n")
        except OSError as error:
            raise CommandError(
                _("Cannot write %(file)s: %(error)s") % {"file": target, "error": error.strerror}
            ) from error
        self.stdout.write(self._summary(solution))

    def _read(self, path: Path) -> Any:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": error.strerror},
                returncode=BAD_INPUT,
            ) from error
        except UnicodeDecodeError as error:
            raise CommandError(
                _("%(file)s is not UTF-8 text (byte %(position)d).")
                % {"file": path, "position": error.start},
                returncode=BAD_INPUT,
            ) from error
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                _("%(file)s is not valid JSON: %(error)s at line %(line)d, column %(column)d.")
                % {"file": path, "error": error.msg, "line": error.lineno, "column": error.colno},
                returncode=BAD_INPUT,
            ) from error
        try:
            return problem_from_json(data)
        except ProblemError as error:
            raise CommandError(
                _("%(file)s: %(error)s") % {"file": path, "error": error}, returncode=BAD_INPUT
            ) from error

    def _summary(self, solution: Solution) -> str:
        stats = solution.stats
        return _(
            "%(scheduled)d of %(requested)d meetings scheduled (at most %(bound)d can be); "
            "%(slots)d slots used (lower bound %(slots_bound)d); "
            "%(idle)d idle periods (lower bound %(idle_bound)d); %(optimal)s; %(seconds).2f s."
        ) % {
            "scheduled": stats["scheduled"],
            "requested": stats["requested"],
            "bound": stats["schedulable_upper_bound"],
            "slots": stats["slots_used"],
            "slots_bound": stats["lower_bound_slots"],
            "idle": stats["idle_periods"],
            "idle_bound": stats["idle_lower_bound"],
            "optimal": _("proved optimal") if stats["proved_optimal"] else _("not proved optimal"),
            "seconds": stats["seconds"],
        }
