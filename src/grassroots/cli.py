"""The `grassroots` command: serve, demo data, import, export, audit verification, accounts."""

import argparse
import os
import sys


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.config.settings")
    import django

    django.setup()


def _user(username: str):
    from django.contrib.auth import get_user_model

    try:
        return get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist:
        raise SystemExit(f"no active user named {username!r}") from None


def cores() -> int:
    """The cores this process may run on (a container's or a CPU affinity's limit, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def gunicorn_argv(*, host: str, port: str, workers: int | None = None, environ=os.environ) -> list[str]:
    """The production server's command line: gunicorn, (2 × cores) + 1 worker processes unless told otherwise,
    the access log on standard output, workers recycled after a few thousand requests."""
    workers = workers or int(environ.get("GRASSROOTS_WORKERS") or 2 * cores() + 1)
    threads = int(environ.get("GRASSROOTS_THREADS") or 1)
    proxies = environ.get("GRASSROOTS_TRUSTED_PROXIES", "").strip() or "127.0.0.1"
    argv = [sys.executable, "-m", "gunicorn", "grassroots.config.wsgi:application"]
    argv += ["--bind", host if host.startswith("unix:") else f"{host}:{port}"]
    argv += ["--workers", str(workers), "--threads", str(threads)]
    argv += ["--timeout", environ.get("GRASSROOTS_REQUEST_TIMEOUT") or "120", "--graceful-timeout", "30"]
    argv += ["--max-requests", "2000", "--max-requests-jitter", "200", "--preload"]
    argv += ["--forwarded-allow-ips", proxies, "--access-logfile", "-", "--error-logfile", "-", "--no-control-socket"]
    if os.path.isdir("/dev/shm"):
        argv += ["--worker-tmp-dir", "/dev/shm"]  # the workers' heartbeat files off the disk
    return argv


def cmd_serve(args) -> int:
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    problems = sealed_data_problems()
    if problems:
        print("Grassroots cannot read the personal data it holds:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    if not settings.PRODUCTION:
        # Django's development server: for development only (one process, no hardening, reloads code on request).
        print("Django's development server, for development only (GRASSROOTS_PRODUCTION=1 serves with gunicorn)")
        sys.stdout.flush()
        call_command("runserver", f"{args.host}:{args.port}", use_reloader=args.reload)
        return 0
    # Static files with hashed names, each gzipped beside it, served by whitenoise with far-future cache headers.
    call_command("collectstatic", interactive=False, verbosity=0)
    argv = gunicorn_argv(host=args.host, port=args.port, workers=args.workers)
    print(
        f"Grassroots in production: gunicorn on {argv[argv.index('--bind') + 1]}, {argv[argv.index('--workers') + 1]} workers"
    )
    sys.stdout.flush()
    os.execv(argv[0], argv)  # the server takes this process's place (its id stays the one systemd watches)
    return 0


def sealed_data_problems() -> list[str]:
    from grassroots.core.sealed import check_stored

    return check_stored()


def cmd_rotate_keys(args) -> int:
    """Personal data sealed again under the first key of GRASSROOTS_FIELD_KEYS (and its digests recomputed)."""
    from grassroots.core import fieldcrypt
    from grassroots.core.sealed import check_stored, inventory, rotate

    problems = check_stored()
    if problems:
        print("cannot rotate: " + "; ".join(problems))
        return 2
    ring = fieldcrypt.keyring()
    if not args.check:
        print(f"sealing under key {ring.current!r} ({ring.cipher}; digests {ring.digest}), {args.batch} rows a batch")
        rotate(
            batch=args.batch,
            progress=lambda table, n: print(f"  {table}: {n['rows']} rows, {n['resealed']} sealed again"),
        )
    held = inventory()
    for table, counts in held.items():
        print(f"{table}: " + (", ".join(f"{n} under {k!r}" for k, n in sorted(counts.items())) or "nothing sealed"))
    old = sorted({k for counts in held.values() for k in counts} - {ring.current})
    if old:
        print(f"still needed: key(s) {', '.join(old)}")
        return 1 if args.check else 0
    print(
        f"every value is under {ring.current!r}: the other keys may leave GRASSROOTS_FIELD_KEYS (keep them where old "
        "audit entries or backups must still be read)"
    )
    return 0


def cmd_accounts(args) -> int:
    from grassroots.core.accounts import dormant_accounts_disable

    disabled = dormant_accounts_disable(days=args.days)
    for user in disabled:
        print(f"disabled {user.get_username()} (last signed in {user.last_login or 'never'})")
    print(f"{len(disabled)} account(s) disabled")
    return 0


def cmd_migrate(args) -> int:
    from django.core.management import call_command

    call_command("migrate", verbosity=args.verbosity)
    return 0


def cmd_demo(args) -> int:
    from django.core.exceptions import ValidationError

    from grassroots import demo

    if args.if_empty and not demo.database_is_empty():
        print("The database already holds data; demo data not loaded.")
        return 0
    from grassroots.core.progress import ProgressLines

    steps = ProgressLines(sys.stdout, total=demo.DEMO_STEPS)
    try:
        counts = demo.build_demo(scale=args.scale, seed=args.seed, stdout=steps, reset=args.reset)
    except ValidationError as exc:
        steps.close()
        print("; ".join(exc.messages), file=sys.stderr)
        return 1
    steps.close()
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))
    print(f"Demo accounts (password {demo.DEMO_PASSWORD!r}):")
    for account in demo.demo_accounts():
        print(f"  {account['username']:<10} {account['name']} · {account['role']} · {account['organization']}")
    return 0


def _report(report) -> int:
    """Print an import's summary, or every problem (row, column, message) and exit 1: nothing was imported."""
    if report.ok:
        print(report.summary())
        return 0
    for p in report.problems:
        print(f"row {p.row or '-'}\t{p.column or '-'}\t{p.message}", file=sys.stderr)
    print(f"{len(report.problems)} problem(s); nothing was imported.", file=sys.stderr)
    return 1


def cmd_import(args) -> int:
    from grassroots.core.context import acting
    from grassroots.core.progress import StageProgress
    from grassroots.organizations import importing

    actor = _user(args.as_user)
    stages = StageProgress(sys.stdout)
    with acting(actor):
        report = importing.import_path(actor=actor, kind=args.kind, path=args.file, progress=stages)
    stages.close()
    return _report(report)


def cmd_export(args) -> int:
    from grassroots.core.context import acting
    from grassroots.organizations import exports
    from grassroots.organizations.models import Organization

    actor = _user(args.as_user)
    org = Organization.objects.filter(code=args.org).first()
    if org is None:
        raise SystemExit(f"no organization with code {args.org!r}")
    with acting(actor):
        target = args.out or f"members-{org.code}.xlsx"
        rows, _name = exports.members_xlsx(user=actor, organization=org, target=target, unmasked=args.unmasked)
    print(f"{rows} members written to {target}")
    return 0


def cmd_audit(args) -> int:
    from django.conf import settings

    from grassroots.core.audit import DIGEST_NAMES, anchor_holds, digest_of, seal, verify

    if args.action == "seal":
        try:
            entries = seal()
        except ValueError as exc:
            print(exc)
            return 2
        for entry in entries:
            print(f"chain {entry.chain}: signed from entry #{entry.chain_seq} on with key {entry.key_id}")
        if not entries:
            print("every chain's newest entry is signed with the key already")
        return 0
    result = verify()
    for chain in result.broken:
        print(
            f"BROKEN chain {chain.chain} at entry #{chain.broken_seq}: {chain.problem} "
            f"({chain.count} entries of that chain verified before it)"
        )
    if not result.ok:
        held = len(result.chains) - len(result.broken)
        print(f"{held} other chains of {len(result.chains)} hold")
        return 1
    try:
        lost = [a for a in args.anchor if not anchor_holds(a)]
    except ValueError as exc:
        print(exc)
        return 2
    for anchor in lost:
        print(f"BROKEN: the anchored head {anchor} is no longer in its chain (rewritten or cut back since)")
    print(f"ok: {result.count} entries in {len(result.chains)} chains, each unbroken; their heads:")
    for chain in result.chains:
        print(f"  head {chain.anchor} ({chain.count} entries)")
    if result.keyed:
        signed = {name: [k for k in result.key_ids if digest_of(k) == digest] for digest, name in DIGEST_NAMES.items()}
        how = "; ".join(f"{name}, keys {', '.join(keys)}" for name, keys in signed.items() if keys)
        print(f"keyed: {result.keyed} entries signed ({how})", end="")
        print(f", {result.unkeyed} written before the first key (protected by the keyed ones after them)")
    elif settings.GRASSROOTS_AUDIT_KEY:
        print("a key is set; no entry is signed with it yet (the next entry will be)")
    else:
        print(
            "not keyed: whoever can write to the database can rewrite an entry and every hash after it; set "
            "GRASSROOTS_AUDIT_KEY, and keep the printed heads outside the database (--anchor checks them)"
        )
    return 1 if lost else 0


def cmd_backup(args) -> int:
    from grassroots.core.backup import BackupError, backup

    try:
        manifest = backup(args.out, portable=args.portable)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    rows = sum(t["rows"] for t in manifest["tables"].values())
    print(
        f"backup written to {args.out} ({manifest['method']}): {len(manifest['tables'])} tables, {rows} rows, "
        f"{len(manifest['files'])} files"
    )
    return 0


def cmd_restore(args) -> int:
    from grassroots.core.backup import BackupError, restore

    try:
        result = restore(args.folder, force=args.force)
    except BackupError as exc:
        print(f"not restored: {exc}", file=sys.stderr)
        return 1
    manifest = result.manifest
    print(f"restored the backup of {manifest['created_at']} ({manifest['method']})")
    for table in result.tables_differing:
        print(f"DIFFERS from the backup: table {table}", file=sys.stderr)
    for name in result.files_differing:
        print(f"DIFFERS from the backup: file {name}", file=sys.stderr)
    if not result.ok:
        return 1
    what = "rows counted" if result.compared == "rows" else "contents compared"
    print(f"checked: {len(manifest['tables'])} tables ({what}) and {len(manifest['files'])} files as in the backup")
    if result.migrated:
        print("the database was then upgraded to this version's migrations")
    return 0


def _console_operator() -> str:
    """The server's account that runs the command, as its audit entries name it ("" when the system cannot tell)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def cmd_createadmin(args) -> int:
    """Make a system administrator, or make an existing account one again with a new password: through core.users,
    one audit entry naming the server's operator; a password the rules refuse is said, never a traceback."""
    import getpass

    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    from grassroots.core import users
    from grassroots.core.context import acting

    password = args.password or os.environ.get("GRASSROOTS_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    existing = get_user_model().objects.filter(username=args.username).first()
    rights = {
        "is_staff": True,
        "is_superuser": True,
        "is_active": True,
        **({"email": args.email} if args.email else {}),
    }
    console = {"actor": None, "console": True, "operator": _console_operator(), "password": password}
    try:
        with acting(None):
            if existing is None:
                user = users.user_create(username=args.username, **console, **rights)
            else:
                user = users.user_change(user=existing, **console, **rights)
    except ValidationError as exc:
        said = exc.message_dict if hasattr(exc, "error_dict") else {"account": exc.messages}
        for name, messages in said.items():
            print(f"{'account' if name == '__all__' else name} refused: " + " ".join(messages))
        return 2
    if args.remove_2fa:
        from grassroots.core import otp

        if otp.is_enrolled(user):
            with acting(user):
                otp.two_factor_remove(actor=user, user=user, console=True)
            print(f"two-factor authentication of {user.username} removed: it is set up again at the next sign-in")
    print(f"administrator {user.username} ready")
    return 0


def cmd_duties_import(args) -> int:
    from grassroots.core.context import acting
    from grassroots.core.errors import ValidationError
    from grassroots.duties import importing, services
    from grassroots.organizations.models import Organization

    actor = _user(args.as_user)
    org = Organization.objects.filter(code=args.org).first()
    if org is None:
        raise SystemExit(f"no organization with code {args.org!r}")
    try:
        period = services.period_for(args.period)
    except ValidationError as exc:
        raise SystemExit(" ".join(exc.messages)) from None
    with acting(actor):
        report = importing.import_duties(actor=actor, organization=org, period=period, path_or_file=args.file)
    return _report(report)


def cmd_orglife_import(args) -> int:
    from grassroots.core.context import acting
    from grassroots.orglife import importing

    actor = _user(args.as_user)
    with acting(actor):
        report = importing.import_path(actor=actor, kind=args.kind, path=args.file)
    return _report(report)


def _iso_date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-07-01") from None


def cmd_remind(args) -> int:
    from grassroots.core.context import acting
    from grassroots.duties.reminders import remind

    with acting(None):
        counts = remind(today=args.date)
    webhooks = counts.pop("webhooks")
    reminders = ", ".join(f"{kind}: {n}" for kind, n in counts.items())
    print(f"reminders sent: {reminders}; webhooks delivered: {webhooks['sent']}, failed: {webhooks['failed']}")
    return 0


def cmd_pursue(args) -> int:
    from grassroots.accountability.services import pursue
    from grassroots.core.context import acting

    with acting(None):
        opened = pursue(date=args.date)
    print("cases opened: " + ", ".join(f"{trigger}: {n}" for trigger, n in opened.items()))
    return 0


def cmd_formalism_index(args) -> int:
    """Learn the template phrases again and index every report, minutes and report on duty, raising the flags found."""
    from grassroots.insights.formalism.services import formalism_index

    counts = formalism_index(actor=_user(args.as_user), since=args.since)
    print(", ".join(f"{name}: {n}" for name, n in counts.items()))
    return 0


def cmd_diagnosis_keep(args) -> int:
    """Compute ahead the summaries of the large subtrees (the daily timer): a city's or a province's diagnosis."""
    from django.utils import timezone

    from grassroots.core.context import acting
    from grassroots.core.errors import ValidationError
    from grassroots.core.periods import period_for
    from grassroots.insights.diagnosis.services import KEEP_FROM, diagnosis_keep

    try:
        period = period_for(args.period or str(timezone.localdate().year))
    except ValidationError as exc:
        print(" ".join(exc.messages), file=sys.stderr)
        return 2
    with acting(None):
        rows = diagnosis_keep(actor=None, period=period, smallest=args.smallest or KEEP_FROM)
    for row in rows:
        print(f"{row.organization.code} {period.code}: {row.summary['diagnosed']} diagnosed ({row.seconds} s)")
    print(f"kept: {len(rows)}")
    return 0


def cmd_assess(args) -> int:
    """Assess a subtree for a period with an indicator system: open the run if needed, compute, print a summary."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.db.models import Count

    from grassroots.assessment import services
    from grassroots.assessment.models import AssessmentRun, IndicatorSystem, Result
    from grassroots.core.context import acting
    from grassroots.core.errors import Conflict
    from grassroots.core.progress import StageProgress
    from grassroots.duties.services import period_for
    from grassroots.organizations.models import Organization

    actor = (
        _user(args.as_user)
        if args.as_user
        else get_user_model().objects.filter(is_superuser=True, is_active=True).first()
    )
    if actor is None:
        raise SystemExit("no administrator to act as; pass --as USERNAME")
    system = IndicatorSystem.objects.filter(code=args.system, state="active").order_by("-version").first()
    if system is None:
        raise SystemExit(f"no indicator system {args.system!r} in use")
    scope = (
        Organization.objects.filter(code=args.org).first()
        if args.org
        else Organization.objects.order_by("path").first()
    )
    if scope is None:
        raise SystemExit(f"no organization with code {args.org!r}")
    try:
        period = period_for(args.period)
        with acting(actor):
            run = AssessmentRun.objects.filter(system__code=system.code, period=period, scope=scope).order_by(
                "-version"
            ).first() or services.run_create(actor=actor, system=system, period=period, scope=scope)
            if run.is_frozen:
                run = services.run_recompute(actor=actor, run=run)
                print(f"the assessment was closed: computed as version {run.version}")
            else:
                stages = StageProgress(sys.stdout)
                try:
                    services.run_compute(actor=actor, run=run, withdraw=args.withdraw_publication, progress=stages)
                finally:
                    stages.close()
    except (ValidationError, Conflict) as exc:
        print("; ".join(getattr(exc, "messages", [str(exc)])), file=sys.stderr)
        return 1
    run.refresh_from_db()
    grades = dict(Result.objects.filter(run=run).values_list("grade").annotate(n=Count("id")).order_by())
    print(f"{run}: {run.assessed_count} organizations assessed in {run.computed_seconds:.2f} s")
    print("grades: " + ", ".join(f"{g} {n}" for g, n in sorted(grades.items())))
    return 0


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["grassroots", *args.rest])
    return 0


def _org_by_code(code: str):
    from grassroots.organizations.models import Organization

    org = Organization.objects.filter(code=code.strip()).first()
    if org is None:
        raise SystemExit(f"no organization with code {code!r}")
    return org


def _export(args, write) -> int:
    """Run an export as a user in a language; its refusal (policy, bad input) printed, exit 1, no file left."""
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from grassroots.core.context import acting
    from grassroots.core.errors import PermissionDenied

    actor = _user(args.as_user)
    try:
        with translation.override(args.lang), acting(actor), open(args.out, "wb") as target:
            message = write(actor, target)
    except (ValidationError, PermissionDenied) as exc:
        os.unlink(args.out)
        print("; ".join(getattr(exc, "messages", None) or [str(exc.message)]), file=sys.stderr)
        return 1
    print(message)
    return 0


def cmd_report(args) -> int:
    """An organization's period report (a committee's summary over its subtree) as PDF or .xlsx."""
    from grassroots.core.periods import period_for
    from grassroots.reports import services

    org = _org_by_code(args.org)
    args.out = args.out or f"report-{org.code}-{args.period}.{args.format}"

    def write(actor, target):
        services.report_export(
            actor=actor, organization=org, period=period_for(args.period), fmt=args.format, target=target
        )
        return f"report of {org.code} for {args.period} written to {args.out}"

    return _export(args, write)


def cmd_ledger(args) -> int:
    """The ledgers (台账) of an organization, or of its subtree, for a year, as .xlsx."""
    from grassroots.reports import services

    org = _org_by_code(args.org)
    args.out = args.out or f"ledger-{org.code}-{args.year}.xlsx"

    def write(actor, target):
        counts, _name = services.ledger_export(
            actor=actor, organization=org, year=args.year, subtree=args.subtree, target=target
        )
        return f"{', '.join(f'{k}: {v}' for k, v in counts.items())}; written to {args.out}"

    return _export(args, write)


def cmd_results(args) -> int:
    """An assessment run's results as .xlsx, one sheet per level."""
    from grassroots.assessment.models import AssessmentRun
    from grassroots.reports import services

    run = AssessmentRun.objects.filter(pk=args.run).first()
    if run is None:
        raise SystemExit(f"no assessment run {args.run}")
    args.out = args.out or f"assessment-{run.pk}.xlsx"

    def write(actor, target):
        counts, _name = services.results_export(actor=actor, run=run, target=target)
        return f"{', '.join(f'{k}: {v}' for k, v in counts.items())}; written to {args.out}"

    return _export(args, write)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grassroots", description="Grassroots: party-building work, in the open.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_setup_commands(sub)
    _add_data_commands(sub)
    _add_work_commands(sub)
    p = sub.add_parser("manage", help="any Django management command (e.g. grassroots manage check --deploy)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def _add_setup_commands(sub) -> None:
    """Serving, the database, the demo."""
    p = sub.add_parser(
        "serve",
        help="migrate the database and serve the web pages (gunicorn when GRASSROOTS_PRODUCTION=1, else Django's development server)",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", default="8000")
    p.add_argument("--reload", action="store_true", help="restart when the code changes (development server)")
    p.add_argument(
        "--workers", type=int, help="production: worker processes (default GRASSROOTS_WORKERS, else 2 × cores + 1)"
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="create or update the database tables")
    p.add_argument("--verbosity", type=int, default=1)
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo", help="build a realistic demo deployment (county, city or province scale)")
    p.add_argument("--scale", choices=["tiny", "county", "city", "province"], default="county")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--if-empty", action="store_true", help="do nothing when organizations already exist")
    p.add_argument("--reset", action="store_true", help="replace existing demo data")
    p.set_defaults(func=cmd_demo)


def _add_data_commands(sub) -> None:
    """Import and export, the audit trail, administrators."""
    p = sub.add_parser("import", help="import organizations or members from an .xlsx or .csv file")
    p.add_argument("kind", choices=["organizations", "members"])
    p.add_argument("file")
    p.add_argument("--as", dest="as_user", required=True, metavar="USERNAME", help="whose rights apply")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export the members of a subtree to .xlsx (masked unless --unmasked)")
    p.add_argument("what", choices=["members"])
    p.add_argument("--org", required=True, metavar="CODE")
    p.add_argument("--out")
    p.add_argument("--unmasked", action="store_true", help="ID numbers and phones in full (audited)")
    p.add_argument("--as", dest="as_user", required=True, metavar="USERNAME", help="whose rights apply")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("audit", help="audit trail tools")
    p.add_argument(
        "action",
        choices=["verify", "seal"],
        help="verify every chain (one a region) on its own; seal: sign each chain from here with a new key",
    )
    p.add_argument(
        "--anchor",
        action="append",
        default=[],
        metavar="CHAIN:SEQ:HASH",
        help="a head printed by an earlier verify (kept outside the database): check it is still in its chain",
    )
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "rotate-keys",
        help="seal every ID number, phone and care detail again under the first key of GRASSROOTS_FIELD_KEYS",
    )
    p.add_argument("--batch", type=int, default=1000, help="rows a transaction (default 1000)")
    p.add_argument("--check", action="store_true", help="only say which keys the stored values need (exit 1: old ones)")
    p.set_defaults(func=cmd_rotate_keys)

    p = sub.add_parser("accounts", help="account tools")
    accounts_actions = p.add_subparsers(dest="action", required=True)
    q = accounts_actions.add_parser(
        "disable-dormant", help="disable accounts not signed in for GRASSROOTS_DORMANT_DAYS days (audited)"
    )
    q.add_argument("--days", type=int, default=None, help="another number of days than GRASSROOTS_DORMANT_DAYS")
    q.set_defaults(func=cmd_accounts)

    p = sub.add_parser("backup", help="back up the database and every stored file into a new folder")
    p.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder")
    p.add_argument(
        "--portable",
        action="store_true",
        help="the database as Django's dumpdata (loads into SQLite or PostgreSQL; slower) instead of the engine's own",
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the database and the stored files by a backup's, and check them")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--force", action="store_true", help="replace a database that already holds data")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("createadmin", help="create or reset a system administrator")
    p.add_argument("--username", default="admin")
    p.add_argument("--email", default="")
    p.add_argument("--password", help="or GRASSROOTS_ADMIN_PASSWORD, or asked for")
    p.add_argument(
        "--remove-2fa",
        action="store_true",
        help="also remove the administrator's two-factor authentication (lost phone)",
    )
    p.set_defaults(func=cmd_createadmin)


def _add_work_commands(sub) -> None:
    """The apps' tools: duty lists, organizational life, reminders, the assessment."""
    p = sub.add_parser("duties", help="duty list tools")
    duty_actions = p.add_subparsers(dest="duties_action", metavar="ACTION", required=True)
    q = duty_actions.add_parser("import", help="import a duty list from an .xlsx or .csv file (all or nothing)")
    q.add_argument("file")
    q.add_argument("--org", required=True, metavar="CODE", help="the organization whose list it is")
    q.add_argument("--period", required=True, metavar="PERIOD", help="2026, 2026-H1, 2026-Q3 or 2026-07")
    q.add_argument("--as", dest="as_user", required=True, metavar="USERNAME", help="whose rights apply")
    q.set_defaults(func=cmd_duties_import)

    p = sub.add_parser("orglife", help="organizational life tools (meetings, study)")
    orglife_actions = p.add_subparsers(dest="orglife_action", metavar="ACTION", required=True)
    q = orglife_actions.add_parser(
        "import", help="import meetings with attendance, or study records, from an .xlsx or .csv file (all or nothing)"
    )
    q.add_argument("kind", choices=["meetings", "study"])
    q.add_argument("file")
    q.add_argument("--as", dest="as_user", required=True, metavar="USERNAME", help="whose rights apply")
    q.set_defaults(func=cmd_orglife_import)

    p = sub.add_parser("remind", help="send due reminders (starts tomorrow, due soon, overdue) and pending webhooks")
    p.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD", help="remind as on this day (default: today)")
    p.set_defaults(func=cmd_remind)

    p = sub.add_parser(
        "pursue", help="run the rules of pursuit: open a case for each condition found (once per condition)"
    )
    p.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD", help="as on this day (default: today)")
    p.set_defaults(func=cmd_pursue)

    p = sub.add_parser("formalism", help="formalism detection tools")
    formalism_actions = p.add_subparsers(dest="formalism_action", metavar="ACTION", required=True)
    q = formalism_actions.add_parser(
        "index", help="learn the template phrases and index every text and photo again, raising the flags found"
    )
    q.add_argument("--since", type=_iso_date, metavar="YYYY-MM-DD", help="only records from this day on")
    q.add_argument("--as", dest="as_user", required=True, metavar="USERNAME", help="a system administrator")
    q.set_defaults(func=cmd_formalism_index)

    p = sub.add_parser("diagnosis", help="diagnosis tools")
    diagnosis_actions = p.add_subparsers(dest="diagnosis_action", metavar="ACTION", required=True)
    q = diagnosis_actions.add_parser(
        "keep", help="compute ahead the summaries of the large subtrees (a city's, a province's), for the daily timer"
    )
    q.add_argument("--period", help="period code (default: this year)")
    q.add_argument(
        "--from",
        dest="smallest",
        type=int,
        default=None,
        metavar="N",
        help="subtrees with at least N organizations diagnosed (default: the service's KEEP_FROM, 3000)",
    )
    q.set_defaults(func=cmd_diagnosis_keep)

    p = sub.add_parser("assess", help="compute the assessment of a subtree for a period (set-based, all at once)")
    p.add_argument("period", help="period code: 2026, 2026-H1, 2026-Q3")
    p.add_argument("--org", metavar="CODE", help="the subtree (default: the whole tree)")
    p.add_argument("--system", default="branch", help="indicator system code (default: branch)")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help="whose rights apply (default: an administrator)")
    p.add_argument(
        "--withdraw-publication",
        action="store_true",
        help="compute a published assessment again: its results go back to computed, to be published again",
    )
    p.set_defaults(func=cmd_assess)

    p = sub.add_parser("report", help="an organization's period report (a committee's summary) as PDF or .xlsx")
    p.add_argument("org", metavar="ORG_CODE")
    p.add_argument("--period", required=True, help="period code: 2026, 2026-H1, 2026-Q3, 2026-07")
    p.add_argument("--format", choices=["pdf", "xlsx"], default="pdf")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--lang", default="zh-hans", choices=["zh-hans", "en"], help="language of the report")
    p.add_argument("--as", dest="as_user", required=True, metavar="USERNAME", help="whose rights apply")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("ledger", help="the ledgers (台账) of an organization or its subtree for a year, as .xlsx")
    p.add_argument("org", metavar="ORG_CODE")
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--subtree", action="store_true", help="the whole subtree, not the organization alone")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--lang", default="zh-hans", choices=["zh-hans", "en"], help="language of the headers")
    p.add_argument("--as", dest="as_user", required=True, metavar="USERNAME", help="whose rights apply")
    p.set_defaults(func=cmd_ledger)

    p = sub.add_parser("results", help="an assessment run's results as .xlsx, one sheet per level of the tree")
    p.add_argument("run", type=int, metavar="RUN_ID")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--lang", default="zh-hans", choices=["zh-hans", "en"], help="language of the headers")
    p.add_argument("--as", dest="as_user", required=True, metavar="USERNAME", help="whose rights apply")
    p.set_defaults(func=cmd_results)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    _setup()
    from grassroots.core.errors import PermissionDenied

    try:
        return args.func(args) or 0
    except PermissionDenied as refusal:  # a command run as a user who may not: said, and recorded as refused
        from grassroots.core import refusals

        actor = _user(args.as_user) if getattr(args, "as_user", None) else None
        command = args.func.__name__.removeprefix("cmd_").replace("_", " ")
        refusals.record_console(refusal, actor, command, _console_operator())
        print(f"refused: {refusal}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
