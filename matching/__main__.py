"""Command line: ``python -m matching solve INSTANCE.json [-o SOLUTION.json] [--time-limit S]
[--workers N] [--seed K] [--fair-exposure [--max-cost C] [--small-creators FILE]]`` (file
formats in DESIGN.md §4; fair exposure is off unless asked for, so the objective is the
plain maximum value)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence

import numpy as np

from matching.solver import FairExposure, Instance, InstanceError, solve


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[int]:
    """Send fd 1 to /dev/null (native solvers print there); yield a duplicate of the real one."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield saved
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m matching", description="Dandelion's creator-campaign matching core."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("solve", help="solve an instance file")
    run.add_argument("instance", help="instance JSON (DESIGN.md §4)")
    run.add_argument("-o", "--output", help="solution JSON (default: standard output)")
    run.add_argument("--time-limit", type=float, default=30.0, help="seconds (default 30)")
    run.add_argument("--workers", type=int, default=2, help="threads (default 2)")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument(
        "--fair-exposure",
        action="store_true",
        help="after the best value, spread offers over more creators at a bounded value cost",
    )
    run.add_argument(
        "--max-cost",
        type=float,
        default=0.01,
        help="with --fair-exposure: the share of value it may give up (default 0.01)",
    )
    run.add_argument(
        "--small-creators",
        metavar="FILE",
        help="with --fair-exposure: creator ids (one a line) that count as small creators",
    )
    return parser


def _small_flags(path: str, instance: Instance) -> np.ndarray:
    """One flag per instance creator: listed in the file (one id a line)."""
    with open(path, encoding="utf-8") as f:
        listed = {line.strip() for line in f if line.strip()}
    unknown = listed - set(instance.creator_ids)
    if unknown:
        raise InstanceError(f"--small-creators names unknown creators: {sorted(unknown)[:5]}")
    return np.array([k in listed for k in instance.creator_ids], dtype=bool)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.time_limit < 0 or args.workers < 1:
        print("error: --time-limit must be >= 0 and --workers >= 1", file=sys.stderr)
        return 2
    if not 0 <= args.max_cost <= 1:
        print("error: --max-cost must be within [0, 1]", file=sys.stderr)
        return 2
    try:
        with open(args.instance, encoding="utf-8") as f:
            data = json.load(f)
        instance = Instance.from_dict(data)
        fairness = None
        if args.fair_exposure:
            small = _small_flags(args.small_creators, instance) if args.small_creators else None
            fairness = FairExposure(small, args.max_cost)
    except OSError as exc:
        print(f"error: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"error: {args.instance} is not valid JSON: {exc}", file=sys.stderr)
        return 2
    except InstanceError as exc:
        print(f"error: invalid instance {args.instance}: {exc}", file=sys.stderr)
        return 2
    with _quiet_stdout() as real_stdout:
        result = solve(
            instance,
            time_limit_s=args.time_limit,
            workers=args.workers,
            seed=args.seed,
            fair_exposure=fairness,
        )
        text = json.dumps(result.to_dict(), indent=2)
        if args.output:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(text + "\n")
        else:
            os.write(real_stdout, (text + "\n").encode())
    print(
        f"{result.status}: objective {result.objective:.6g}, bound {result.bound:.6g}, "
        f"gap {result.gap:.4%}, {result.seconds:.2f} s, "
        f"{len(result.selected)} assignments",
        file=sys.stderr,
    )
    if "fair_exposure" in result.stats:
        fair = result.stats["fair_exposure"]
        print(
            f"fair exposure: cost {fair['cost']:.4%} (cap {args.max_cost:.2%}), "
            f"creators offered {fair.get('before', {}).get('offered_creators', 0)} -> "
            f"{fair.get('after', {}).get('offered_creators', 0)}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
