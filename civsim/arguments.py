"""The command line's arguments: the parser, each command's examples, the shared options.

:mod:`civsim.cli` builds the commands from these parts: a parser that
suggests the nearest subcommand for a mistyped one, the examples every
``--help`` ends with, the options of commands that run replications, the
repeatable ``--set PATH=VALUE``, the explorer server's options, and the check
of ``--out`` before any work.
"""

from __future__ import annotations

import argparse
import difflib
import re
import typing
from collections.abc import Callable, Sequence

if typing.TYPE_CHECKING:
    from civsim.calibrate import Settings
    from civsim.scenario import Scenario

__all__ = [
    "EXAMPLES",
    "Parser",
    "calibration_options",
    "calibration_settings",
    "check_out",
    "command",
    "compare_options",
    "executor_options",
    "json_option",
    "load_with_sets",
    "name_list",
    "port_number",
    "positive",
    "replication_options",
    "report_options",
    "seed_number",
    "server_options",
    "set_option",
    "whole_number",
    "workbook_language",
]


#: The highest TCP port.
MAX_PORT = 65535


class Parser(argparse.ArgumentParser):
    """argparse's parser, which also suggests the nearest choice for a mistyped one."""

    def error(self, message: str) -> typing.NoReturn:
        """Exit with ``message`` on stderr, adding "did you mean" for a near miss."""
        # argparse words it "invalid choice: 'rnu' (choose from 'run', 'validate', ...)"
        wrong = re.search(r"invalid choice: '?([^' ]*)'? \(choose from (.*)\)", message)
        if wrong:
            choices = re.findall(r"'([^']*)'", wrong.group(2)) or wrong.group(2).split(", ")
            near = difflib.get_close_matches(wrong.group(1), choices, n=1)
            if near:
                message = f"{message}; did you mean {near[0]!r}?"
        super().error(message)


#: Examples shown at the end of each command's help.
EXAMPLES = {
    "validate": ["civsim validate scenarios/baseline.yaml scenarios/county_nominee.yaml"],
    "chain": ["civsim chain scenarios/baseline.yaml --png chain.png"],
    "run": [
        "civsim run scenarios/baseline.yaml --out runs/baseline --reps 20",
        "civsim run scenarios/baseline.yaml --out runs/fast --set simulation.dynamics."
        "upkeep_rate=0.09",
    ],
    "compare": [
        "civsim compare scenarios/baseline.yaml scenarios/campaign_mode.yaml --out cmp",
        "civsim compare scenarios/baseline.yaml scenarios/county_nominee.yaml --out cmp "
        "--allow-different-cities",
    ],
    "report": [
        "civsim report out/demo --out out/demo_again",
        "civsim report runs/baseline runs/fast --out cmp",
        "civsim report out/demo out/county_upkeep --out out/with_exploration --lang en",
    ],
    "explore": [
        "civsim explore scenarios/experiments/county_upkeep.yaml --out out/county_upkeep",
        "civsim explore scenarios/experiments/county_upkeep.yaml --out out/county_upkeep "
        "--discover as_is:joint",
        "civsim explore scenarios/experiments/county_upkeep.yaml --out out/county_upkeep "
        "--executor dask --scheduler tcp://10.0.0.5:8786",
    ],
    "calibrate": [
        "civsim calibrate scenarios/county_nominee.yaml scenarios/targets/county_documented.yaml "
        "--params simulation.dynamics.upkeep_rate=0.02:0.12 "
        "simulation.rectification.coordination_delay_days=7:60 --out out/county_calibrated",
        "civsim calibrate scenarios/county_nominee.yaml scenarios/targets/county_synthetic.yaml "
        "--params simulation.dynamics.upkeep_rate=0.02:0.12 simulation.survey.base_satisfaction "
        "--out out/county_synthetic --samples 32 --waves 3",
    ],
    "check": [
        "civsim check scenarios/*.yaml --out checks",
        "civsim check scenarios/*.yaml --out checks --resume   # after a stop: the rest",
        "civsim check scenarios/baseline.yaml --only no_fund half_grid_workers --reps 20",
    ],
    "budget": [
        "civsim budget scenarios/baseline.yaml --out budget",
        "civsim budget scenarios/baseline.yaml --policy performance --results results.csv "
        "--out budget",
    ],
    "fund": ["civsim fund scenarios/baseline.yaml --out fund --reps 20"],
    "tasks": [
        "civsim tasks scenarios/baseline.yaml --out tasks",
        "civsim tasks scenarios/baseline.yaml --out tasks --responsibilities duty.xlsx#Sheet1",
    ],
    "generate": ["civsim generate --grids 16000 --out cities/jinan_like"],
    "app": ["civsim app --open", "civsim app --scenarios my_scenarios --port 8800"],
}


def command(sub: typing.Any, name: str, **kwargs: typing.Any) -> argparse.ArgumentParser:
    """A subcommand's parser, with its examples (:data:`EXAMPLES`) at the end of its help."""
    epilog = "examples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[name])
    parser: argparse.ArgumentParser = sub.add_parser(
        name, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs
    )
    return parser


def replication_options(
    p: argparse.ArgumentParser, seed_default: str, reps_default: int = 10
) -> None:
    """The options of commands that run replications: how many, which seed, where."""
    p.add_argument(
        "--reps",
        type=positive,
        default=reps_default,
        help=f"replications (default {reps_default})",
    )
    p.add_argument("--seed", type=seed_number, help=f"master seed (default: {seed_default})")
    p.add_argument("--executor", choices=["serial", "process"], default="process")
    p.add_argument("--workers", type=positive, help="processes (default: all cores)")


def server_options(p: argparse.ArgumentParser) -> None:
    """``civsim app``'s options: the folder of scenarios, where to listen, opening a browser."""
    from civsim.app.serve import DEFAULT_PORT

    p.add_argument("--scenarios", default="scenarios", metavar="DIR", help="folder of scenarios")
    p.add_argument("--host", default="localhost", help="address to listen on (default localhost)")
    p.add_argument(
        "--port", type=port_number, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    p.add_argument("--open", action="store_true", help="open it in the browser")


def check_output_options(p: argparse.ArgumentParser) -> None:
    """``--out`` and ``--resume`` of ``civsim check``: where records go, and reusing them."""
    p.add_argument(
        "--out", metavar="DIR", help="folder for checks.csv, and each scenario's records as it ends"
    )
    help_ = "reuse DIR's records of scenarios checked alike (content, reps, seed, checks)"
    p.add_argument("--resume", action="store_true", help=f"{help_}; check only the others")


def json_option(p: argparse.ArgumentParser) -> None:
    """``--json``: the command's summary printed as JSON for scripts (:mod:`civsim.console`)."""
    p.add_argument("--json", action="store_true", help="print the summary as JSON, not a table")


def workbook_language(p: argparse.ArgumentParser) -> None:
    """``--lang`` of the commands writing workbooks: their headers and names."""
    help_ = "XLSX headers and names: Chinese (default) or civsim's English columns and ids"
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help=help_)


def set_option(p: argparse.ArgumentParser, applies_to: str, example: str, note: str) -> None:
    """``--set PATH=VALUE``, repeatable: a parameter changed by its dotted path."""
    p.add_argument(
        "--set",
        action="append",
        default=[],
        type=_assignment,
        metavar="PATH=VALUE",
        help=(
            f"change a parameter, by its dotted path, in {applies_to}; validated as the file "
            "is (repeatable; VALUE is read as YAML; a table's row by index or id), e.g. "
            f"{example} --set simulation.dynamics.upkeep_rate=0.09 --set budget.total_yuan=24000000"
            f"{note}"
        ),
    )


def _assignment(text: str) -> tuple[str, str]:
    from civsim.scenario import parse_set

    try:
        return parse_set(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def load_with_sets(path: str, sets: Sequence[tuple[str, str]]) -> Scenario:
    """A scenario file, with the command's ``--set`` changes applied and validated."""
    from civsim.scenario import load_scenario, override

    scenario = load_scenario(path)
    return override(scenario, dict(sets)) if sets else scenario


def whole_number(
    low: int, high: int | None = None, what: str = "a whole number", name: str = "whole number"
) -> Callable[[str], int]:
    """An argument type: a whole number from ``low`` (to ``high``), refused with the range.

    ``what`` names it in the refusal of a number out of range, ``name`` in argparse's of a
    word that is no number ("invalid seed value: 'abc'").

    Examples
    --------
    >>> port = whole_number(1, 65535, "a port", "port")
    >>> port("8800")
    8800
    >>> port("99999")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a port from 1 to 65535, got 99999
    >>> whole_number(0)("-1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a whole number >= 0, got -1
    """
    expected = f"{what} >= {low}" if high is None else f"{what} from {low} to {high}"

    def convert(text: str) -> int:
        value = int(text)  # argparse reports a ValueError as "invalid <name> value"
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text}")
        return value

    convert.__name__ = name
    return convert


def name_list(text: str) -> list[str]:
    """An argument type: names separated by commas, each once, at least one.

    Spaces around a name are dropped; an empty list or a name given twice is refused
    (a list that names nothing would run as if the option were not given).

    Examples
    --------
    >>> name_list("staff, smart_platform")
    ['staff', 'smart_platform']
    >>> name_list(",,")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected names separated by commas, got ',,'
    >>> name_list("a,b,a")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: 'a' is named twice in 'a,b,a'
    """
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected names separated by commas, got {text!r}")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise argparse.ArgumentTypeError(f"{twice[0]!r} is named twice in {text!r}")
    return names


name_list.__name__ = "name list"

#: Counts of things: replications, workers, samples.
positive = whole_number(1)
#: A master seed (numpy's seeds are >= 0).
seed_number = whole_number(0, name="seed")
#: A TCP port.
port_number = whole_number(1, MAX_PORT, "a port", "port")


def check_out(args: argparse.Namespace) -> None:
    """Refuse a command's ``--out`` that cannot be written, before any work is done.

    Every command with ``--out`` goes through it (a file, a folder under a file,
    a folder that cannot be written, ``/`` or the home folder are refused); the
    write itself checks again and locks the folder (:func:`civsim.export.staged_folder`).
    """
    if getattr(args, "out", None) is not None:
        from civsim.export import check_output

        check_output(args.out)


#: Options of ``civsim calibrate`` that set a field of :class:`civsim.calibrate.Settings`.
SETTINGS = ("samples", "replications", "waves", "cutoff", "seed")


def report_options(p: argparse.ArgumentParser, what: str) -> None:
    """``--out``, ``--allow-different-cities`` and ``--lang`` of the commands writing a report."""
    p.add_argument("--out", required=True, metavar="DIR", help="folder for report.html and CSVs")
    p.add_argument(
        "--allow-different-cities",
        action="store_true",
        help=f"{what} of other districts than the baseline's (the report says so)",
    )
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="report language (zh)")


def executor_options(p: argparse.ArgumentParser) -> None:
    """Where the runs of ``civsim explore`` and ``civsim calibrate`` go: here, a pool, dask."""
    p.add_argument("--executor", choices=["serial", "process", "dask"], default="process")
    p.add_argument("--workers", type=positive, help="processes (default: all cores)")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --executor dask: a running scheduler, tcp://HOST:PORT (default: local)",
    )


def compare_options(p: argparse.ArgumentParser) -> None:
    """The arguments of ``civsim compare``."""
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario files, the baseline first")
    report_options(p, "compare scenarios")
    replication_options(p, seed_default="the baseline's, for every scenario")
    p.add_argument(
        "--tables",
        type=positive,
        metavar="K",
        help="with more replications, keep the full tables (figures, runs/) of the first K "
        "only, and every replication's outcomes (default 10: memory stays flat)",
    )
    set_option(
        p,
        "every scenario, the baseline too",
        "civsim compare a.yaml b.yaml --out cmp",
        "; to compare a variant with its own file, write it as an extends: overlay",
    )
    json_option(p)


def calibration_options(p: argparse.ArgumentParser) -> None:
    """The arguments of ``civsim calibrate``."""
    p.add_argument("scenario", metavar="SCENARIO", help="the scenario file to calibrate")
    p.add_argument("targets", metavar="TARGETS", help="the targets file (YAML)")
    p.add_argument(
        "--params",
        nargs="+",
        required=True,
        metavar="PATH[=LOW:HIGH]",
        help="parameters to fit by dotted path, over their plausible range or the one given",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder of the runs and the fit")
    p.add_argument("--samples", type=positive, help="design points per wave (default 24)")
    p.add_argument("--replications", type=positive, help="replications per point (default 3)")
    p.add_argument("--waves", type=positive, help="waves of the history match (default 2)")
    p.add_argument("--cutoff", type=float, help="implausibility cut-off (default 3)")
    p.add_argument("--seed", type=seed_number, help="master seed (default: the scenario's)")
    executor_options(p)


def calibration_settings(args: argparse.Namespace) -> Settings:
    """The calibration's settings from its options (the defaults for those not given).

    Raises
    ------
    CivsimError
        If an option is out of its bounds (``--replications 1``: the noise needs two),
        or ``--scheduler`` is given without ``--executor dask``.
    """
    from pydantic import ValidationError

    from civsim.calibrate import Settings
    from civsim.errors import CivsimError

    if args.scheduler and args.executor != "dask":
        raise CivsimError("--scheduler needs --executor dask")
    given = {k: getattr(args, k) for k in SETTINGS if getattr(args, k) is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise CivsimError(
            f"--{err['loc'][0]} {given.get(str(err['loc'][0]))}: {err['msg']}"
        ) from None
