"""One pricing pass over the whole market, with and without the candidate index.

Generates a market (benchmarks.generate), solves the top-K instance's LP once
(``build_instance_priced`` with no pricing round) for realistic campaign prices, then times
:func:`matching.market.pricing.price_market` at those prices scanning every creator of every
scoring group, and again scoring only the creators the :class:`CandidateIndex` keeps. Both
must certify the same bound (the index is exact). Reports wall and CPU seconds, the index's
build time and size, and the machine's load:

    python -m benchmarks.bench_pricing_pass [--campaigns 2000 --creators 100000] [--market hard]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

import numpy as np

from benchmarks.generate import DEFAULT_MARKET, MARKETS, TODAY, generate_market
from matching.market.build import Market
from matching.market.pricing import (
    CandidateIndex,
    PricingConfig,
    build_instance_priced,
    price_market,
)
from matching.market.records import MatchingPolicy


def _timed(fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=2_000)
    parser.add_argument("--creators", type=int, default=100_000)
    parser.add_argument("--market", default=DEFAULT_MARKET, choices=sorted(MARKETS))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    load_before = os.getloadavg()
    table, campaigns = generate_market(args.campaigns, args.creators, seed=1, market=args.market)
    policy = MatchingPolicy(top_k=200)
    config = PricingConfig(rounds=0, certify=False)
    _, details = build_instance_priced(table, campaigns, policy, TODAY, config)
    assert details.pricing is not None
    prices = details.pricing.prices
    lam = np.array([prices[c.id][0] for c in campaigns])
    sig = np.array([prices[c.id][1] for c in campaigns])
    market = Market.prepare(table, campaigns, policy, TODAY)
    index, index_wall, index_cpu = _timed(lambda: CandidateIndex.build(market))
    scanned = int(sum(g.creators.size for g in market.groups))
    rows = []
    for name, idx in (("every creator of each group", None), ("candidate index", index)):
        best = None
        for _ in range(args.repeat):
            out, wall, cpu = _timed(lambda idx=idx: price_market(market, lam, sig, 12, idx))
            if best is None or cpu < best[2]:
                best = (out, wall, cpu)
        assert best is not None
        rows.append(
            {
                "pass": name,
                "wall_s": round(best[1], 2),
                "cpu_s": round(best[2], 2),
                "market_bound": best[0].market_bound,
                "picks": int(best[0].pick_creators.size),
            }
        )
    same = abs(rows[0]["market_bound"] - rows[1]["market_bound"]) <= 1e-9 * abs(
        rows[0]["market_bound"]
    )
    report = {
        "campaigns": args.campaigns,
        "creators": args.creators,
        "market": args.market,
        "group_entries": scanned,
        "index_entries": index.size(),
        "index_build_wall_s": round(index_wall, 2),
        "index_build_cpu_s": round(index_cpu, 2),
        "passes": rows,
        "same_bound": same,
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
