"""`countersign`: the operator CLI (migrate, keys, secrets, emails, audit, outbox, dlq, infra, run)."""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys

from services.audit_cli import add_audit_commands
from services.cli_output import fail
from services.dlq_cli import add_dlq_commands
from services.emails_cli import add_email_commands
from services.gateway import credentials
from services.gateway.scopes import parse_scopes
from services.outbox_cli import add_outbox_commands
from services.secrets_cli import add_secrets_commands
from shared.migrate import apply_migrations, ensure_database
from shared.settings import get_settings


async def _with_conn(fn):  # type: ignore[no-untyped-def]
    import asyncpg

    url = get_settings().database_url
    # Keys need the schema: bring a fresh database up to date first (idempotent, cheap).
    await ensure_database(url)
    await apply_migrations(url)
    conn = await asyncpg.connect(url)
    try:
        return await fn(conn)
    finally:
        await conn.close()


def cmd_migrate(_: argparse.Namespace) -> int:
    url = get_settings().database_url
    asyncio.run(ensure_database(url))
    applied = asyncio.run(apply_migrations(url))
    print("\n".join(f"applied {name}" for name in applied) or "database is up to date")
    return 0


def _plausible_email(value: str) -> bool:
    local, at, domain = value.strip().partition("@")
    return bool(at and local and "." in domain and len(value) <= 254 and not any(c.isspace() for c in value.strip()))


def cmd_keys_create(args: argparse.Namespace) -> int:
    args.org = args.org.strip()
    if not 1 <= len(args.org) <= 200:
        return fail("--org must be 1 to 200 characters", 2)
    if args.member_name is not None and args.member_email is None:
        return fail("--member-name needs --member-email", 2)
    if args.wpsigner:
        if args.rate_limit is not None:
            return fail(
                "--rate-limit applies to inSigner keys; WPsigner credentials have WPSIGNER_RATE_LIMIT_PER_HOUR", 2
            )
        if args.scopes != "*":
            return fail("--scopes applies to inSigner keys; WPsigner credentials use --read-only", 2)
        if args.member_email is not None and not _plausible_email(args.member_email):
            return fail("--member-email must be an email address", 2)
        created = asyncio.run(
            _with_conn(
                lambda c: credentials.create_wpsigner_key(
                    c, args.org, args.name, args.read_only, args.member_email, args.member_name
                )
            )
        )
    else:
        if args.member_email is not None or args.member_name is not None:
            return fail("--member-email/--member-name apply to --wpsigner credentials", 2)
        if args.read_only:
            return fail("--read-only applies to --wpsigner credentials; use --scopes for inSigner keys", 2)
        try:
            scopes = parse_scopes(args.scopes)
        except ValueError as exc:
            return fail(str(exc), 2)
        created = asyncio.run(
            _with_conn(lambda c: credentials.create_insigner_key(c, args.org, scopes, args.name, args.rate_limit))
        )
    if args.json:
        out = {"orgId": created.org_id, "keyId": created.key_id, "apiKey": created.api_key}
        if created.api_secret:
            out["apiSecret"] = created.api_secret
        if created.member_id:
            out["memberId"] = created.member_id
        if args.rate_limit is not None:
            out["rateLimitPerMinute"] = args.rate_limit
        print(json.dumps(out))
    else:
        print(f"organisation: {created.org_id}\nkey id:       {created.key_id}\napi key:      {created.api_key}")
        if created.api_secret:
            print(f"api secret:   {created.api_secret}")
        if created.member_id:
            print(f"member:       {created.member_id} ({args.member_email.strip().lower()})")
        if args.rate_limit is not None:
            print(f"rate limit:   {_limit_text(args.rate_limit)}")
        print("Store it now: it is shown only once.")
    return 0


def _limit_text(per_minute: int | None) -> str:
    if per_minute is None:
        return "default"
    return "no limit" if per_minute == 0 else f"{per_minute}/min"


def _rate_limit(value: str) -> int:
    """`--rate-limit N` / `keys limit KEY_ID N`: requests per minute, 0 = no limit."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of requests per minute (0 = no limit), got {value!r}"
        ) from None
    if not 0 <= number <= 1_000_000:
        raise argparse.ArgumentTypeError(f"must be between 0 (no limit) and 1000000, got {number}")
    return number


def _rate_limit_or_default(value: str) -> int | None:
    return None if value == "default" else _rate_limit(value)


def cmd_keys_list(args: argparse.Namespace) -> int:
    rows = asyncio.run(_with_conn(lambda c: credentials.list_keys(c, args.org)))
    for r in rows:
        state = f"revoked {r['revoked_at']:%Y-%m-%d}" if r["revoked_at"] else "active"
        access = ("read-only" if r["read_only"] else "full") if r["kind"] == "wpsigner" else ",".join(r["scopes"])
        limit = "per hour" if r["kind"] == "wpsigner" else _limit_text(r["rate_limit_per_minute"])
        print(f"{r['id']}  {r['prefix']}…  {r['kind']:<8}  {state:<18}  {access}  limit {limit}  {r['name']}")
    if not rows:
        print(f"no keys for organisation {args.org!r}")
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    revoked = asyncio.run(_with_conn(lambda c: credentials.revoke_key(c, args.key_id)))
    if revoked is None:
        return fail(f"no key {args.key_id}")
    print(f"revoked {args.key_id}")
    return 0


def cmd_keys_limit(args: argparse.Namespace) -> int:
    kind = asyncio.run(_with_conn(lambda c: credentials.set_rate_limit(c, args.key_id, args.per_minute)))
    if kind is None:
        return fail(f"no key {args.key_id}")
    if kind != "insigner":
        return fail(f"{args.key_id} is a WPsigner credential; its limit is WPSIGNER_RATE_LIMIT_PER_HOUR", 2)
    print(f"{args.key_id}: rate limit {_limit_text(args.per_minute)}")
    return 0


def cmd_infra(args: argparse.Namespace) -> int:
    from services.devstack.infra import ensure_infrastructure

    settings = get_settings()
    ensure_infrastructure(settings, start=args.start)
    if args.test_workers is not None:
        from services.devstack.suite_workers import suite_workers

        print(suite_workers(settings, args.test_workers))
        return 0
    if args.clean_test_namespaces:
        from services.devstack.namespace_cleanup import clean_test_namespaces, describe

        print(describe(asyncio.run(clean_test_namespaces(settings))))
    return 0


def cmd_run(_: argparse.Namespace) -> int:
    from services.devstack.supervisor import run

    return run(get_settings())


def cmd_seal_dev_pki(args: argparse.Namespace) -> int:
    from pathlib import Path

    from services.devstack.dev_pki import ensure_dev_pki

    pki = ensure_dev_pki(Path(args.directory))
    print(
        f"seal CA certificate: {pki.ca_cert}\nseal CA key:         {pki.ca_key}\n"
        f"TSA certificate:     {pki.tsa_cert}\nTSA key:             {pki.tsa_key}"
    )
    print("Development only: relying parties trust the CA certificate (docs/signed-pdf.md).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="countersign", description="Countersign operator CLI")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply all migrations (idempotent)").set_defaults(func=cmd_migrate)
    sub.add_parser("run", help="run the whole system in the foreground").set_defaults(func=cmd_run)
    infra = sub.add_parser("infra", help="check PostgreSQL and RabbitMQ are reachable")
    infra.add_argument("--start", action="store_true", help="start the local servers when they are down")
    infra.add_argument(
        "--clean-test-namespaces",
        action="store_true",
        help="delete the queues, exchanges and databases of test runs that are over (killed runs leave them)",
    )
    infra.add_argument(
        "--test-workers",
        type=int,
        metavar="N",
        help="print how many of N test workers PostgreSQL's max_connections allows (0: one process)",
    )
    infra.set_defaults(func=cmd_infra)

    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="create a key (and the organisation if missing)")
    create.add_argument("--org", required=True)
    create.add_argument("--scopes", default="*", help="comma list of scopes (default *)")
    create.add_argument("--name", default="CLI key")
    create.add_argument("--wpsigner", action="store_true", help="a WPsigner key + secret pair")
    create.add_argument("--read-only", action="store_true", help="WPsigner: GET requests only")
    create.add_argument(
        "--member-email",
        help="WPsigner: the key's member (created with role member if missing); "
        "such a key sees only the documents its member created. Default: the organisation's admin",
    )
    create.add_argument("--member-name", help="WPsigner: the name of a member --member-email creates")
    create.add_argument(
        "--rate-limit",
        type=_rate_limit,
        metavar="N",
        help="inSigner keys: requests per minute for this key (0 = no limit). Default: API_RATE_LIMIT_PER_MINUTE",
    )
    create.add_argument("--json", action="store_true")
    create.set_defaults(func=cmd_keys_create)
    listing = keys.add_parser("list", help="list an organisation's keys")
    listing.add_argument("--org", required=True)
    listing.set_defaults(func=cmd_keys_list)
    revoke = keys.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id")
    revoke.set_defaults(func=cmd_keys_revoke)
    limit = keys.add_parser("limit", help="set an inSigner key's rate limit (takes effect on its next request)")
    limit.add_argument("key_id")
    limit.add_argument(
        "per_minute",
        type=_rate_limit_or_default,
        metavar="N",
        help="requests per minute; 0 = no limit; `default` = API_RATE_LIMIT_PER_MINUTE",
    )
    limit.set_defaults(func=cmd_keys_limit)
    seal = sub.add_parser("seal", help="the document seal's PKI").add_subparsers(dest="seal_command", required=True)
    dev_pki = seal.add_parser(
        "dev-pki", help="make a development seal CA and TSA certificate in DIRECTORY (kept if they exist)"
    )
    dev_pki.add_argument("directory")
    dev_pki.set_defaults(func=cmd_seal_dev_pki)
    add_secrets_commands(sub)
    add_email_commands(sub)
    add_audit_commands(sub)
    add_outbox_commands(sub)
    add_dlq_commands(sub)
    return parser


def _database_problem(exc: BaseException) -> str:
    from services.devstack.infra import postgres_start_command, where

    location = where(get_settings().database_url, 5432)
    if isinstance(exc, OSError):
        return f"PostgreSQL is not reachable at {location} ({exc.strerror or exc}); start it with: {postgres_start_command()} (or set DATABASE_URL)"
    # Authentication, permissions, a missing role...: the server's own words say it best.
    return f"PostgreSQL at {location} refused: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def main(argv: list[str] | None = None) -> int:
    import asyncpg

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SystemExit as exc:
        if isinstance(exc.code, str):
            return fail(exc.code)
        raise
    except KeyboardInterrupt:
        return 130
    except (ConnectionError, TimeoutError, socket.gaierror, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        # An operator gets one line that says what is wrong and what to do, not a traceback.
        # (Every command that gets here failed talking to PostgreSQL: `run` and `infra` check
        # RabbitMQ themselves and say so.)
        return fail(_database_problem(exc))
    except OSError as exc:
        return fail(str(exc))


if __name__ == "__main__":
    sys.exit(main())
