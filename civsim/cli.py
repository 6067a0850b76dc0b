"""The ``civsim`` command.

Every subcommand calls the same public functions the notebooks use. A user's
mistake (a :class:`~civsim.errors.CivsimError`) is printed as one line on
stderr with exit code 2, never a traceback, and nothing is written.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from civsim.arguments import (
    Parser,
    calibration_options,
    calibration_settings,
    check_out,
    check_output_options,
    command,
    compare_options,
    executor_options,
    json_option,
    load_with_sets,
    name_list,
    replication_options,
    report_options,
    seed_number,
    server_options,
    set_option,
    workbook_language,
)
from civsim.console import (
    budget_summary,
    budget_text,
    check_failures,
    check_summary,
    check_text,
    compare_text,
    fund_text,
    generate_text,
    progress_lines,
    run_text,
    tasks_summary,
    tasks_text,
    to_json,
    warning_block,
)
from civsim.errors import CivsimError
from civsim.scenario import PolicyName

if typing.TYPE_CHECKING:
    from matplotlib.figure import Figure


__all__ = ["main"]


def _cmd_validate(args: argparse.Namespace) -> int:
    from civsim.readiness import check_ready
    from civsim.scenario import load_scenario

    # Everything run, tasks and budget need (civsim.readiness); the first problem exits 2.
    limit = round(args.memory_gb * 2**30)
    for path in args.files:
        scenario = load_scenario(path)
        ready = check_ready(scenario, memory_limit=limit)
        assert ready.city is not None  # check_ready(build=True) builds it
        G = ready.city.chain
        grids = sum(1 for _, k in G.nodes(data="kind") if k == "grid")
        print(
            f"ok  {path}: {scenario.name}, {G.number_of_nodes():,} bodies, {grids:,} grids, "
            f"{ready.city.checkpoints.n:,} checkpoints"
        )
    return 0


def _cmd_chain(args: argparse.Namespace) -> int:
    from civsim.chain import build_chain, chain_summary
    from civsim.scenario import load_scenario

    scenario = load_scenario(args.file)
    G = build_chain(scenario)
    table = chain_summary(G)
    if args.png:
        from civsim.plots import plot_chain, save_figure

        ax = plot_chain(G)
        # plot_chain drew on a new figure of its own (plt.subplots), not on a subfigure.
        save_figure(cast("Figure", ax.figure), Path(args.png))
    print(f"{scenario.name}: responsibility chain, by level")
    with pd.option_context("display.width", 120, "display.float_format", "{:,.1f}".format):
        print(table.to_string())
    if args.png:
        print(f"chart of the top three levels: {args.png}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from civsim.allocation import UNSPENT
    from civsim.archive import run_metadata, write_run
    from civsim.experiments import replicate, summarise
    from civsim.export import staged_folder
    from civsim.governance_progress import progress as levers_progress

    scenario = load_with_sets(args.file, args.set)
    seed = scenario.seed if args.seed is None else args.seed
    result = replicate(scenario, args.reps, seed=seed, executor=args.executor, workers=args.workers)
    metadata = run_metadata(scenario, seed, args.reps, args.executor, dict(args.set))
    metadata["scenario_file"] = str(args.file)
    out = Path(args.out)
    with staged_folder(out) as tmp:  # checked, locked, and moved in only when complete
        write_run(tmp, result, scenario, metadata)
    cycle = summarise(result.cycle)
    row = cycle.iloc[0]
    alloc = result.allocation
    unspent = None
    if len(alloc) and {"replication", "year", "line", "yuan"} <= set(alloc.columns):
        years = alloc[["replication", "year"]].drop_duplicates().shape[0]
        unspent = int(alloc.loc[alloc["line"] == UNSPENT, "yuan"].sum()) / max(years, 1)
    progress = levers_progress(result, [scenario])
    if args.json:
        head = {"scenario": scenario.name, "replications": args.reps, "seed": seed, "out": out}
        found = {"cycle": cycle.reset_index(), "fund_unspent_yuan_per_year": unspent}
        return _print(to_json(head | found | {"progress": progress}))
    lines = progress_lines(progress)
    return _print(run_text(scenario.name, args.reps, seed, row.to_dict(), unspent, lines, out))


def _cmd_compare(args: argparse.Namespace) -> int:
    from civsim.archive import report_facts, run_metadata, write_comparison
    from civsim.city import other_cities
    from civsim.experiments import TABLES_KEPT, compare
    from civsim.export import staged_folder
    from civsim.findings import warnings
    from civsim.report import write_report
    from civsim.sim import prepare

    # Every file is read and checked before any replication runs or anything is written.
    scenarios = [load_with_sets(path, args.set) for path in args.files]
    others = other_cities(scenarios)
    if others and not args.allow_different_cities:
        raise CivsimError(
            f"{', '.join(others)} {'is' if len(others) == 1 else 'are'} not the city of the "
            f"baseline {scenarios[0].name} (other districts or residents): a comparison would "
            "show how two places differ, not what an option is worth; pass "
            "--allow-different-cities to compare them anyway"
        )
    preps = [prepare(sc) for sc in scenarios]
    tables = TABLES_KEPT if args.tables is None else args.tables
    cmp = compare(
        preps, args.reps, args.seed, args.executor, args.workers, progress=None, tables=tables
    )
    seed = scenarios[0].seed if args.seed is None else args.seed
    metadata = run_metadata(scenarios[0], seed, args.reps, args.executor, dict(args.set))
    out = Path(args.out)
    with staged_folder(out) as tmp:  # the report and the runs it was built from, together
        write_comparison(tmp, cmp, scenarios, metadata)
        facts = report_facts(metadata, scenarios)
        # once: the report's, the console's, the JSON's
        found = warnings(cmp, others, scenarios, preps[0].city)
        write_report(cmp, scenarios, tmp, preps[0].city, others, facts, args.lang, found=found)
    report = out / "report.html"
    if args.json:  # the numbers of comparison_summary.csv, unrounded
        head = {"scenarios": [sc.name for sc in scenarios], "replications": args.reps}
        said = {"seed": seed, "summary": cmp.summary.reset_index(), "report": report}
        said["warnings"] = found  # the report summary's, as data
        return _print(to_json(head | said))
    print(compare_text(cmp, scenarios, others, seed, args.lang, report, found))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from civsim.archive import read_runs
    from civsim.city import other_cities
    from civsim.experiments import quota_score
    from civsim.exploration_report import exploration_section, is_exploration, read_exploration
    from civsim.report import write_report

    experiments = {f for f in args.folders if is_exploration(f)}
    explored = [read_exploration(f) for f in args.folders if f in experiments]
    saved = read_runs([f for f in args.folders if f not in experiments])
    baseline = saved.scenarios[0]
    away = [e.other_city(baseline) for e in explored]  # each experiment's city, once
    elsewhere = [f"experiment {e.experiment.name}" for e in itertools.compress(explored, away)]
    others = other_cities(saved.scenarios)
    if (named := [*others, *elsewhere]) and not args.allow_different_cities:
        raise CivsimError(
            f"{', '.join(named)} {'is' if len(named) == 1 else 'are'} not the city of the "
            f"baseline {baseline.name}; pass --allow-different-cities to report "
            "them anyway (the report says so)"
        )
    line = quota_score(baseline.simulation.evaluation)
    report = write_report(
        saved.comparison,
        saved.scenarios,
        args.out,
        other_cities=others,
        metadata=saved.metadata,
        lang=args.lang,
        sections=[
            exploration_section(e, args.lang, line, far)
            for e, far in zip(explored, away, strict=True)
        ],
    )
    names = ", ".join(saved.comparison.scenarios)
    print(f"{names}: {int(saved.comparison.summary['reps'].iloc[0])} replications each, read back")
    for e in explored:
        unknown = " (its folder does not say which city it explored)" if e.districts is None else ""
        print(f"experiment {e.experiment.name}: its section added{unknown}")
    for warned in warning_block(saved.comparison, saved.scenarios, others, args.lang):
        print(warned)
    print(f"report written   {report}")
    return 0


def _cmd_explore(args: argparse.Namespace) -> int:
    from civsim.experiment import load_experiment
    from civsim.explore import analyse, explore
    from civsim.store import publish

    experiment, scenario = load_experiment(args.file)
    discover = tuple(args.discover.split(":", 1)) if args.discover else None
    if discover is not None:
        known = {lever.name for lever in experiment.levers}
        unknown = [n for n in discover if n not in known] if len(discover) == 2 else ["?"]
        if unknown:
            raise CivsimError(
                f"--discover {args.discover}: expected LEVER:AGAINST, two of "
                f"{', '.join(sorted(known))}"
            )
    if args.scheduler and args.executor != "dask":
        raise CivsimError("--scheduler needs --executor dask")
    results = explore(
        experiment,
        scenario,
        args.out,
        executor=args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
    )
    tables = analyse(experiment, results, discover=discover)
    publish(args.out, tables)
    points = results["point"].nunique()
    print(
        f"{experiment.name}: {points} points x {len(experiment.levers)} levers x "
        f"{experiment.replications} replications of {scenario.name} ({experiment.sampler})"
    )
    with pd.option_context("display.width", 200, "display.max_columns", None):
        for name, table in tables.items():
            print(f"\n{name}")
            if name == "discovery" and table.empty:
                lever, against = discover or ("", "")
                print(f"{lever} scores below {against} at no point, or at every point: no box")
                continue
            print(table.to_string(index=False, float_format="{:.3f}".format))
    print(f"\ntables written   {Path(args.out)}")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from civsim.calibrate import calibrate, parse_parameters
    from civsim.calibration_outputs import summary, write_fit
    from civsim.scenario import load_scenario
    from civsim.targets import load_targets

    scenario = load_scenario(args.scenario)  # every check before anything is written
    targets = load_targets(args.targets, scenario)
    params = parse_parameters(scenario, args.params)
    settings = calibration_settings(args)
    where = (args.executor, args.workers, args.scheduler)
    fit = calibrate(scenario, targets, params, args.out, settings, *where)
    written = write_fit(fit, args.out, args.targets)
    print(summary(fit))
    print(f"\noverlay written  {written['overlay']}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from civsim.check_runs import STORED, check_scenarios
    from civsim.export import staged_folder, write_csv
    from civsim.reality import CHECKS
    from civsim.scenario import load_scenario

    unknown = [n for n in args.only or () if n not in CHECKS]
    if unknown:
        raise CivsimError(f"unknown checks {', '.join(unknown)}; known: {', '.join(CHECKS)}")
    # Every file is read and checked before any replication runs.
    scenarios = [load_scenario(path) for path in args.files]
    runs = check_scenarios(
        scenarios, args.reps, args.seed, args.only, args.executor, args.workers,
        args.out, args.resume,
    )  # fmt: skip
    tables = []
    for scenario, table, reused in runs:
        tables.append(table)
        if reused:
            where = Path(args.out) / STORED
            print(f"{scenario.name}: records reused from {where}", file=sys.stderr)
        if not args.json:  # with --json the records are printed at the end
            print(check_text(table))
    records = pd.concat(tables, ignore_index=True)
    if args.out:
        with staged_folder(Path(args.out)) as tmp:
            write_csv(records, tmp / "checks.csv")
    failed = records[~records["passed"].astype(bool)]
    if args.json:  # the failures are named on stderr as without --json
        _print(to_json(check_summary(records, args.out)))
    elif args.out:
        print(f"records written  {Path(args.out) / 'checks.csv'}")
    if failed.empty:
        return 0 if args.json else _print(f"all {len(records)} checks passed")
    print(check_failures(failed, len(records)), file=sys.stderr)
    return 1


def _print(text: str) -> int:
    print(text)  # a command's last words; with --json, its summary for scripts (civsim.console)
    return 0


def _cmd_budget(args: argparse.Namespace) -> int:
    from civsim.budget import allocate_cycle, budget_inputs, expected_gain, read_results, summarise
    from civsim.errors import BudgetError
    from civsim.export import staged_folder, write_csv, write_workbook
    from civsim.scenario import load_scenario
    from civsim.sheets import budget_workbook

    scenario = load_scenario(args.file)
    results = read_results(args.results) if args.results else None
    table = allocate_cycle(scenario, args.policy, results)
    summary = summarise(table)
    inputs = budget_inputs(scenario)
    # allocate_cycle's table has an int64 year column.
    gains = {cast(np.int64, y): expected_gain(t, inputs) for y, t in table.groupby("year")}
    # Everything is computed first; the files appear together or not at all.
    out = Path(args.out)
    sheets = budget_workbook(scenario, table, summary, args.lang)  # CSV: civsim's columns
    with staged_folder(out) as tmp:
        write_csv(table, tmp / "allocation.csv")
        write_csv(summary, tmp / "allocation_summary.csv")
        write_workbook(tmp / "allocation.xlsx", sheets)
    if scenario.budget is None:  # allocate_cycle has already refused such a scenario
        raise BudgetError(f"scenario {scenario.name} has no budget section")
    policy = args.policy or scenario.budget.policy
    files = [out / name for name in ("allocation.csv", "allocation_summary.csv", "allocation.xlsx")]
    done = budget_summary(scenario.name, policy, summary, gains, files, bool(results))
    return _print(to_json(done) if args.json else budget_text(done))


def _cmd_fund(args: argparse.Namespace) -> int:
    from civsim.export import staged_folder, write_csv
    from civsim.fund_value import fund_value

    scenario = load_with_sets(args.file, args.set)
    table = fund_value(
        scenario,
        args.reps,
        seed=args.seed,
        lines=args.lines,
        executor=args.executor,
        workers=args.workers,
    )
    out = Path(args.out)
    with staged_folder(out) as tmp:
        write_csv(table, tmp / "fund_value.csv")
    seed = scenario.seed if args.seed is None else args.seed
    if args.json:
        head = {"scenario": scenario.name, "replications": args.reps, "seed": seed, "out": out}
        return _print(to_json(head | {"variants": table}))
    return _print(fund_text(scenario.name, args.reps, seed, table, out / "fund_value.csv"))


def _cmd_tasks(args: argparse.Namespace) -> int:
    from civsim.city import build_city
    from civsim.export import staged_folder, write_csv, write_workbook
    from civsim.responsibility import import_responsibilities, responsibility_table
    from civsim.scenario import load_scenario
    from civsim.sheets import task_workbooks
    from civsim.staffing import grid_staffing
    from civsim.tasks import conflicts, coverage, raci, workload

    scenario = load_scenario(args.file)
    if args.responsibilities:
        scenario = import_responsibilities(scenario, args.responsibilities)
    city = build_city(scenario)
    tasks, places = city.tasks, city.places
    reports = {
        "coverage": coverage(scenario, tasks, city.territory),
        "conflicts": conflicts(scenario, places),
        "workload": workload(scenario, tasks),
        "grid_staffing": grid_staffing(scenario, tasks, city.territory),
        "raci": raci(scenario, tasks),
        "responsibilities": responsibility_table(scenario),
    }
    # The CSV files keep civsim's columns and ids for scripts; the workbooks are the office's.
    books = task_workbooks(scenario, tasks, city.territory, reports, args.lang)
    with staged_folder(Path(args.out)) as tmp:
        tasks.to_parquet(tmp / "tasks.parquet", index=False)
        write_csv(tasks, tmp / "tasks.csv")
        write_csv(places, tmp / "places.csv")
        for name, table in reports.items():
            write_csv(table, tmp / f"{name}.csv")
        for book, sheets in books.items():
            write_workbook(tmp / book, sheets)
    files = [Path(args.out) / name for name in (*books, "tasks.csv", "tasks.parquet")]
    done = tasks_summary(scenario.name, len(tasks), len(places), reports, files)
    return _print(to_json(done) if args.json else tasks_text(done, args.out))


def _cmd_generate(args: argparse.Namespace) -> int:
    from civsim.export import staged_folder
    from civsim.generate import city_files, write_city
    from civsim.scenario import load_scenario

    base = load_scenario(args.base)
    seed = base.seed if args.seed is None else args.seed
    files = city_files(base, args.grids, seed)
    with staged_folder(Path(args.out)) as tmp:
        city = load_scenario(write_city(tmp, files))
    n, grids = len(city.territory.districts), city.territory.expected_grids()
    return _print(generate_text(city.name, n, grids, args.grids, Path(args.out) / "city.yaml"))


def _cmd_app(args: argparse.Namespace) -> int:
    from civsim.app.serve import serve

    return serve(args.scenarios, args.host, args.port, args.open, announce=_print)


def _parser() -> argparse.ArgumentParser:
    from civsim import __version__
    from civsim.store import model_hash

    parser = Parser(
        prog="civsim",
        description="Plan and simulate a city's civilized-city campaign.",
        epilog="examples:\n  civsim run scenarios/baseline.yaml --out runs/baseline\n"
        "  civsim compare scenarios/baseline.yaml scenarios/campaign_mode.yaml --out cmp\n"
        "Each command's --help shows its own examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    version = f"civsim {__version__} (model {model_hash()})"  # as the stores record it
    parser.add_argument("--version", action="version", version=version)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = command(
        sub,
        "validate",
        help="check that scenario files load, allocate, decompose and fit in memory",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--memory-gb",
        type=float,
        default=10.0,
        metavar="GB",
        help="memory (GiB) a city may need, at civsim.readiness.BYTES_PER_CHECKPOINT (default 10)",
    )
    p.set_defaults(run=_cmd_validate)

    p = command(sub, "chain", help="summarise the responsibility chain per level")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--png", metavar="PATH", help="draw the top three levels to a PNG file")
    p.set_defaults(run=_cmd_chain)

    p = command(sub, "run", help="simulate the cycle: replications, Parquet tables, summary")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the tables")
    replication_options(p, seed_default="the scenario's")
    set_option(p, "the scenario", "civsim run s.yaml --out runs/fast --set name=fast", "")
    json_option(p)
    p.set_defaults(run=_cmd_run)

    p = command(sub, "compare", help="compare scenarios on common random numbers; HTML report")
    compare_options(p)
    p.set_defaults(run=_cmd_compare)

    p = command(sub, "report", help="rebuild a comparison's report from saved runs")
    p.add_argument(
        "folders",
        nargs="+",
        metavar="RUN_DIR",
        help="folders written by compare or run, the baseline first, and by explore",
    )
    report_options(p, "report runs")
    p.set_defaults(run=_cmd_report)

    p = command(sub, "explore", help="run an experiment: levers x uncertainties, resumable")
    p.add_argument("file", metavar="EXPERIMENT", help="experiment file (YAML)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder of the run store")
    executor_options(p)
    p.add_argument(
        "--discover",
        metavar="LEVER:AGAINST",
        help="scenario discovery (PRIM): under which assumptions LEVER scores below AGAINST",
    )
    p.set_defaults(run=_cmd_explore)

    p = command(sub, "calibrate", help="fit parameters to a city's record (history matching)")
    calibration_options(p)
    p.set_defaults(run=_cmd_calibrate)

    p = command(
        sub, "check", help="reality checks: behavioural assertions on common random numbers"
    )
    p.add_argument("files", nargs="+", metavar="SCENARIO")
    p.add_argument("--only", nargs="+", metavar="NAME", help="run only these checks")
    check_output_options(p)
    replication_options(p, seed_default="each scenario's")
    json_option(p)
    p.set_defaults(run=_cmd_check)

    p = command(sub, "budget", help="allocate the special fund in exact yuan, year by year")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--policy",
        choices=typing.get_args(PolicyName),
        help="allocation policy (default: the scenario's budget.policy)",
    )
    p.add_argument(
        "--results",
        metavar="CSV",
        help="last years' results (columns year, district, score) for the performance policy",
    )
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the tables")
    workbook_language(p)
    json_option(p)
    p.set_defaults(run=_cmd_budget)

    p = command(
        sub,
        "fund",
        help="remove the fund, each line, double it: modelled vs simulated gain, paired",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for fund_value.csv")
    p.add_argument("--lines", type=name_list, metavar="A,B", help="lines to remove (default: all)")
    replication_options(p, seed_default="the scenario's")
    set_option(p, "the scenario", "civsim fund s.yaml --out fund", "")
    json_option(p)
    p.set_defaults(run=_cmd_fund)

    p = command(sub, "tasks", help="break the standards down to units, places and persons")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the tables")
    p.add_argument(
        "--responsibilities",
        metavar="SHEET",
        help="responsibility table (CSV, or XLSX[#sheet]; the 责任分解表 civsim writes, edited) "
        "overriding lead and cooperating units",
    )
    workbook_language(p)
    json_option(p)
    p.set_defaults(run=_cmd_tasks)

    p = command(sub, "generate", help="write a scenario folder of a city of about N grids")
    p.add_argument("--grids", type=int, required=True, metavar="N")
    p.add_argument("--out", metavar="DIR", required=True)
    p.add_argument("--seed", type=seed_number, help="the city's seed (default: the base's)")
    p.add_argument(
        "--base",
        default=str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"),
        help="scenario whose chain and framework the city copies (default: the baseline)",
    )
    p.set_defaults(run=_cmd_generate)

    p = command(sub, "app", help="serve the explorer (levers, runs, reproduce) on localhost")
    server_options(p)
    p.set_defaults(run=_cmd_app)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``civsim`` command; return its exit code."""
    args = _parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        check_out(args)
        return run(args)
    except CivsimError as exc:
        print(f"civsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # what finished is kept: `check --resume` and `explore` go on
        print("civsim: stopped; what finished is kept (check --resume, explore)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
