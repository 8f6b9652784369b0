"""`python -m sandbox serve --port N`: run the emulated cloud for a demo until Ctrl-C."""

from __future__ import annotations

import argparse
import time

from sandbox.server import running_cloud


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve an emulated cloud on 127.0.0.1")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--portal", default="demo", help="name of the portal to create")
    serve.add_argument("--client-id", default="local.sandbox.demo")
    serve.add_argument("--client-secret", default="demo-secret")
    serve.add_argument("--scopes", default="crm,user,department,telephony,im,task,placement,disk")
    serve.add_argument("--seed", type=int, default=None,
                       help="fill the portal with sandbox.seed.seed_company(seed=N)")
    serve.add_argument("--no-rate-limit", action="store_true")
    args = parser.parse_args(argv)
    with running_cloud(port=args.port) as cloud:
        cloud.register_app(args.client_id, args.client_secret, args.scopes.split(","))
        portal = cloud.add_portal(args.portal, rate_limit=not args.no_rate_limit)
        if args.seed is not None:
            from sandbox.seed import seed_company  # written with the CRM modules
            seed_company(portal, seed=args.seed)
        print(f"sandbox cloud on {cloud.url}\n  B24_OAUTH_URL={cloud.url}\n"
              f"  B24_JS_URL={cloud.url}/bx24/api/v1/\n"
              f"  client_id={args.client_id} client_secret={args.client_secret}\n"
              f"  portal {portal.name}: client_endpoint={portal.client_endpoint}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
