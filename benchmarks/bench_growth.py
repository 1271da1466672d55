"""Time and memory of the whole-market pipeline as the market grows (issue 16).

For each size, in its own child process (so ``ru_maxrss`` is that size's peak), runs what
the weekly run does (``runs.solve_market``, without the database): generate the market →
``build_instance_priced`` (market preparation, top-K start, column generation with the
certified whole-market bound) → ``solve`` with the engine, reusing pricing's LP. Records
generation, build, pricing (LPs + full passes) and solve time, peak memory, the objective,
the whole-market bound and the gap to it, and the 1-minute load before and after. The hard
market (:func:`benchmarks.generate.generate_hard`) is a solver instance already (its
candidates are its whole market), so there it is generate → solve and the bound is the
engine's (LP or Lagrangian).

Each size has an end-to-end budget (:data:`BUDGET_S`: build, pricing and solve share it;
generation is outside, it stands in for the snapshot): pricing may use ``PRICING_SHARE`` of
it, the solve what is left (at least ``MIN_SOLVE_S``). A watchdog kills a child whose
resident memory passes ``--max-rss-gb``. Results go to ``benchmarks/growth_results.json``
(one entry per market; a run replaces its market's entry) and the plot to
``benchmarks/growth.png``:

    python -m benchmarks.bench_growth [--market v2|hard] [--sizes 10k 100k 300k 1M]
    python -m benchmarks.bench_growth --plot-only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "growth_results.json"
PLOT = HERE / "growth.png"
QUIET = Path("/tmp/quiet")  # while it exists the lead is measuring: wait
# name: (campaigns, creators)
GROWTH_SIZES: dict[str, tuple[int, int]] = {
    "10k": (300, 10_000),
    "100k": (2_000, 100_000),
    "300k": (4_000, 300_000),
    "1M": (10_000, 1_000_000),
}
BUDGET_S = {"10k": 30.0, "100k": 60.0, "300k": 180.0, "1M": 600.0}
PRICING_SHARE = 0.6
MIN_SOLVE_S = 10.0
HARD_PAIRS = {"10k": 140, "100k": 200, "300k": 200, "1M": 200}


def run_size(
    market: str, size: str, seed: int, pricing_share: float = PRICING_SHARE
) -> dict[str, Any]:
    """One size, in this process: the pipeline's phases, timed."""
    from benchmarks.generate import HARD_MARKET, TODAY, generate_hard, generate_market
    from matching.runs import RunSettings
    from matching.solver import solve, validate

    settings = RunSettings()  # the weekly run's defaults: pricing rounds, workers, search

    n_campaigns, n_creators = GROWTH_SIZES[size]
    budget = BUDGET_S[size]
    out: dict[str, Any] = {
        "market": market,
        "size": size,
        "campaigns": n_campaigns,
        "creators": n_creators,
        "budget_s": budget,
        "pricing_share": pricing_share,
    }
    start = time.perf_counter()
    lp = None
    if market == HARD_MARKET:
        instance = generate_hard(n_campaigns, n_creators, seed, HARD_PAIRS[size])
        out["generate_s"] = round(time.perf_counter() - start, 2)
        out.update(build_s=0.0, pricing_lp_s=0.0, pricing_pass_s=0.0, pricing_rounds=0)
        market_bound = None
    else:
        from matching.market.pricing import build_instance_priced

        table, campaigns = generate_market(n_campaigns, n_creators, seed, market)
        out["generate_s"] = round(time.perf_counter() - start, 2)
        config = settings.pricing(pricing_share * budget)
        priced_start = time.perf_counter()
        instance, details = build_instance_priced(table, campaigns, settings.policy, TODAY, config)
        report = details.pricing
        assert report is not None
        full = [r for r in report.rounds if r.kind == "full"]
        lp_s = sum(r.lp_seconds for r in report.rounds)
        pass_s = sum(r.pass_seconds for r in report.rounds)  # full passes and cache rounds
        pass_s += (report.descent or {}).get("seconds", 0.0)  # cache steps and their pass
        priced_s = time.perf_counter() - priced_start
        out.update(
            eligible_pairs=details.eligible_pairs,
            build_s=round(priced_s - lp_s - pass_s, 2),
            pricing_lp_s=round(lp_s, 2),
            pricing_pass_s=round(pass_s, 2),
            pricing_rounds=len(report.rounds),
            full_passes=len(full),
            pricing_converged=report.converged,
            pruned_lp_bound=report.pruned_lp_bound,
            candidates_lp_bound=report.lp_bound,
            descent=report.descent,
            rounds=[
                {k: (None if v != v else v) for k, v in r.__dict__.items()}  # NaN: no bound
                for r in report.rounds
            ],
        )
        market_bound = report.market_bound
        lp = report.lp
        del table, campaigns, details
    out["candidate_pairs"] = instance.num_pairs
    out["rss_before_solve_gb"] = _rss_gb()
    limit = max(budget - (time.perf_counter() - start - out["generate_s"]), MIN_SOLVE_S)
    solve_start = time.perf_counter()
    result = solve(
        instance,
        time_limit_s=limit,
        workers=settings.workers,
        seed=settings.seed,
        max_rounds=settings.max_rounds,
        lp=lp,
    )
    out["solve_s"] = round(time.perf_counter() - solve_start, 2)
    out["solve_limit_s"] = round(limit, 1)
    problems = validate(instance, result)
    assert not problems, problems
    stats = result.to_dict()["stats"]
    bound = result.bound if market_bound is None else market_bound
    out.update(
        end_to_end_s=round(time.perf_counter() - start - out["generate_s"], 2),
        status=result.status,
        objective=result.objective,
        engine_bound=result.bound,
        engine_bound_source=stats.get("bound_source"),
        bound=bound,
        bound_source=(
            f"engine ({stats.get('bound_source')}) on the whole market"
            if market_bound is None
            else "whole-market pricing (weak duality at the last LP's prices)"
        ),
        gap=(bound - result.objective) / bound if bound > 0 else 0.0,
        cpu_s=round(time.process_time(), 1),
    )
    out["peak_rss_gb"] = _rss_gb()
    return out


def _rss_gb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 3)  # kB -> GB


def _wait_quiet() -> None:
    while QUIET.exists():
        time.sleep(20)


def _child(
    market: str, size: str, seed: int, max_rss_gb: float, pricing_share: float
) -> dict[str, Any]:
    """``run_size`` in a child process, killed if its resident memory passes the cap."""
    _wait_quiet()
    load_before = os.getloadavg()
    cmd = [sys.executable, "-m", "benchmarks.bench_growth", "--child", market, size, str(seed)]
    cmd += ["--pricing-share", str(pricing_share)]
    proc = subprocess.Popen(
        cmd, cwd=HERE.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    watched_peak = 0.0
    killed = False
    while proc.poll() is None:
        rss = _proc_rss_gb(proc.pid)
        watched_peak = max(watched_peak, rss)
        if rss > max_rss_gb:
            proc.kill()
            killed = True
        time.sleep(0.5)
    stdout, stderr = proc.communicate()
    load_after = os.getloadavg()
    if proc.returncode != 0 or killed:
        out: dict[str, Any] = {
            "market": market,
            "size": size,
            "failed": "memory cap" if killed else f"exit {proc.returncode}",
            "stderr": stderr[-2000:],
        }
    else:
        out = json.loads(stdout.strip().splitlines()[-1])
    out["watched_peak_rss_gb"] = round(watched_peak, 3)
    out["load_before"] = [round(x, 2) for x in load_before]
    out["load_after"] = [round(x, 2) for x in load_after]
    return out


def _proc_rss_gb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1e6
    except OSError:
        pass
    return 0.0


def plot(results: dict[str, list[dict[str, Any]]], path: Path = PLOT) -> None:
    """Phase times and peak memory against creators, log-log, one line style per market."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(12, 5))
    styles = {"v2": "-", "hard": "--"}
    phases = (
        ("build_s", "build", "tab:blue"),
        ("pricing_s", "pricing (LPs + passes)", "tab:orange"),
        ("solve_s", "solve", "tab:green"),
        ("end_to_end_s", "end to end", "black"),
    )
    loads = []
    for market, rows in sorted(results.items()):
        done = [r for r in rows if "failed" not in r]
        if not done:
            continue
        x = [r["creators"] for r in done]
        ls = styles.get(market, ":")
        for key, label, colour in phases:
            y = [
                r["pricing_lp_s"] + r["pricing_pass_s"] if key == "pricing_s" else r[key]
                for r in done
            ]
            if not any(v > 0 for v in y):
                continue
            pts = [(a, b) for a, b in zip(x, y, strict=True) if b > 0]
            ax_t.plot(
                *zip(*pts, strict=True), ls, marker="o", color=colour, label=f"{label} ({market})"
            )
        ax_m.plot(
            x,
            [r["peak_rss_gb"] for r in done],
            ls,
            marker="o",
            color="tab:red",
            label=f"peak RSS ({market})",
        )
        for r in done:
            gap = 100 * r["gap"]
            ax_m.annotate(
                f"gap {gap:.2f} %" if gap < 1 else f"gap {gap:.1f} %",
                (r["creators"], r["peak_rss_gb"]),
                textcoords="offset points",
                xytext=(6, -12) if market == "hard" else (-60, 6),
                fontsize=8,
            )
        loads += [v for r in done for v in (r["load_before"][0], r["load_after"][0])]
    sizes = [n for _, n in GROWTH_SIZES.values()]
    ax_t.plot(sizes, list(BUDGET_S.values()), ":", color="grey", label="end-to-end budget")
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    some = FuncFormatter(lambda v, _: f"{v:g}" if f"{v:g}".lstrip("0.")[:1] in ("2", "5") else "")
    for ax in (ax_t, ax_m):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(sizes, [f"{name}\n× {c:,}" for name, (c, _) in GROWTH_SIZES.items()])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(some)
        ax.tick_params(axis="y", which="minor", labelsize=7)
        ax.set_xlabel("creators × campaigns")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    ax_t.set_ylabel("wall time (s)")
    ax_t.set_title("Wall time per phase (build, pricing and solve share the budget)")
    ax_m.axhline(8.0, color="grey", ls=":", lw=1)
    ax_m.text(1.1e4, 8.4, "8 GB target (1M)", fontsize=8, color="grey")
    ax_m.set_ylabel("peak resident memory (GB)")
    ax_m.set_title("Peak memory per size (own process)")
    load_text = f"2 cores, 1-min load {min(loads):.1f}–{max(loads):.1f}" if loads else ""
    fig.suptitle(f"Whole-market pipeline as the market grows — {load_text}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def table(results: dict[str, list[dict[str, Any]]]) -> str:
    """The results as Markdown rows for BENCHMARKS.md."""
    lines = [
        "| market | creators × campaigns | candidates | generate (s) | build (s) | pricing: LPs "
        "+ passes (s) | solve (s) | end to end (s) | peak RSS (GB) | objective | bound | gap "
        "| load (1-min) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for market, rows in sorted(results.items()):
        for r in rows:
            name = f"{r['creators']:,} × {GROWTH_SIZES[r['size']][0]:,}"
            load = f"{r['load_before'][0]:.1f}→{r['load_after'][0]:.1f}"
            if "failed" in r:
                lines.append(
                    f"| {market} | {name} | failed: {r['failed']} |" + " |" * 9 + f" {load} |"
                )
                continue
            pricing = f"{r['pricing_lp_s']:.1f} + {r['pricing_pass_s']:.1f}"
            if r["pricing_rounds"]:
                rounds = r["pricing_rounds"]
                pricing += f" ({rounds} round{'s' if rounds > 1 else ''})"
            lines.append(
                f"| {market} | {name} | {r['candidate_pairs']:,} | {r['generate_s']:.1f} | "
                f"{r['build_s']:.1f} | {pricing} | {r['solve_s']:.1f} | {r['end_to_end_s']:.1f} | "
                f"{r['peak_rss_gb']:.2f} | {r['objective']:,.1f} | {r['bound']:,.1f} | "
                f"{100 * r['gap']:.2f} % | {load} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--market", default="v2", choices=("v1", "v2", "hard"))
    parser.add_argument("--sizes", nargs="+", default=list(GROWTH_SIZES), choices=GROWTH_SIZES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-rss-gb", type=float, default=13.0)
    parser.add_argument("--plot-only", action="store_true")
    parser.add_argument(
        "--pricing-share", type=float, default=PRICING_SHARE, help="of each size's budget"
    )
    parser.add_argument(
        "--child", nargs=3, metavar=("MARKET", "SIZE", "SEED"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        market, size, seed = args.child
        print(json.dumps(run_size(market, size, int(seed), args.pricing_share)))
        return
    results: dict[str, list[dict[str, Any]]] = (
        json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    )
    if not args.plot_only:
        rows = []
        for size in args.sizes:
            row = _child(args.market, size, args.seed, args.max_rss_gb, args.pricing_share)
            print(json.dumps(row), flush=True)
            rows.append(row)
            results[args.market] = rows + [
                r for r in results.get(args.market, []) if r["size"] not in args.sizes
            ]
            results[args.market].sort(key=lambda r: GROWTH_SIZES[r["size"]][1])
            RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    plot(results)
    print(table(results))


if __name__ == "__main__":
    main()
