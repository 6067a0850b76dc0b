"""The ``civsim`` command.

Every subcommand calls the same public functions the notebooks use. A user's
mistake (a :class:`~civsim.errors.CivsimError`) is printed as one line on
stderr with exit code 2, never a traceback, and nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from civsim.errors import CivsimError

__all__ = ["main"]


def _cmd_validate(args: argparse.Namespace) -> int:
    from civsim.chain import build_chain
    from civsim.scenario import load_scenario

    for path in args.files:
        scenario = load_scenario(path)
        G = build_chain(scenario)
        grids = sum(1 for _, k in G.nodes(data="kind") if k == "grid")
        print(f"ok  {path}: {scenario.name}, {G.number_of_nodes():,} bodies, {grids:,} grids")
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
        save_figure(ax.figure, Path(args.png))
    print(f"{scenario.name}: responsibility chain, by level")
    with pd.option_context("display.width", 120, "display.float_format", "{:,.1f}".format):
        print(table.to_string())
    if args.png:
        print(f"chart of the top three levels: {args.png}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    import importlib.metadata as md
    import platform

    from civsim.experiments import replicate, summarise
    from civsim.scenario import load_scenario, scenario_hash

    scenario = load_scenario(args.file)
    seed = scenario.seed if args.seed is None else args.seed
    result = replicate(scenario, args.reps, seed=seed, executor=args.executor, workers=args.workers)
    packages = ("civsim", "numpy", "pandas", "networkx", "simpy", "scipy", "pydantic")
    metadata = {
        "scenario": scenario.name,
        "scenario_file": str(args.file),
        "scenario_hash": scenario_hash(scenario),
        "seed": seed,
        "replications": args.reps,
        "executor": args.executor,
        "python": platform.python_version(),
        "versions": {p: md.version(p) for p in packages},
    }
    out = result.save(args.out, metadata)
    row = summarise(result.cycle).iloc[0]
    print(f"{scenario.name}: {args.reps} replications, seed {seed}")
    print(
        f"cycle score      {row['mean']:.2f}  (90% interval {row['low']:.2f} .. {row['high']:.2f})"
    )
    print(f"title chance     {row['title_probability']:.0%}")
    print(f"disqualified     {row['disqualified']:.0%}")
    print(f"tables written   {out}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="civsim",
        description="Plan and simulate a city's civilized-city campaign.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="validate scenario files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(run=_cmd_validate)

    p = sub.add_parser("chain", help="summarise the responsibility chain per level")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--png", metavar="PATH", help="draw the top three levels to a PNG file")
    p.set_defaults(run=_cmd_chain)

    p = sub.add_parser("run", help="simulate the cycle: replications, Parquet tables, summary")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--reps", type=_positive, default=10, help="replications (default 10)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the tables")
    p.add_argument("--seed", type=int, help="master seed (default: the scenario's)")
    p.add_argument("--executor", choices=["serial", "process"], default="process")
    p.add_argument("--workers", type=_positive, help="processes (default: all cores)")
    p.set_defaults(run=_cmd_run)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``civsim`` command; return its exit code."""
    args = _parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except CivsimError as exc:
        print(f"civsim: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
