"""Run the stand-in alone for local development: ``python -m stripe_standin --port 12111``."""

from __future__ import annotations

import argparse
import threading

from .server import StripeStandin


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m stripe_standin", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111, help="0 picks a free port")
    parser.add_argument("--api-key", default="sk_test_standin")
    parser.add_argument("--webhook-url", help="post every event here, signed")
    parser.add_argument("--webhook-secret", default="whsec_standin")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)
    standin = StripeStandin(
        args.api_key,
        host=args.host,
        port=args.port,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        verbose=not args.quiet,
    )
    url = standin.start()
    print(f"Stripe stand-in listening on {url}", flush=True)
    print(f"  api key: {args.api_key}", flush=True)
    if args.webhook_url:
        print(f"  webhooks: {args.webhook_url} (secret {args.webhook_secret})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()


if __name__ == "__main__":
    main()
