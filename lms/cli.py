"""The ``lms`` command: database, organizations, users, tokens, serving."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from lms import create_app
from lms.config import ConfigurationError
from lms.errors import DomainError, ValidationFailed


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _describe(error: DomainError) -> str:
    if isinstance(error, ValidationFailed):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.fields.items())
    return str(error)


def _organization(slug: str):
    from lms.admin.services import organization_by_slug

    organization = organization_by_slug(slug)
    if organization is None:
        _fail(f"No organization with the slug '{slug}'. `lms create-org NAME` makes one.")
    return organization


class LmsGroup(FlaskGroup):
    """Flask's command group, but commands are listed and found without building the app.

    FlaskGroup builds the app to list (``lms --help``) or look up a command, so every command waited
    for every feature to load and a missing setting printed a traceback. Here only the command that
    runs builds the app (``with_appcontext``), and the app imports heavy libraries where they are used.
    """

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Return the lms command called ``name``, without building the app."""
        return click.Group.get_command(self, ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """List the lms commands, without building the app."""
        return click.Group.list_commands(self, ctx)


class DeferredCommand(click.Command):
    """A command listed by its name and help, imported only when it runs (Flask-Migrate's ``db``)."""

    def __init__(self, name: str, target: str, short_help: str) -> None:
        """Name the command and where it lives (``module:attribute``)."""
        super().__init__(name, help=short_help, short_help=short_help, add_help_option=False)
        self.target = target

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra) -> click.Context:
        """Import the real command and let it parse its arguments (and run in its own context)."""
        module, attribute = self.target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command.make_context(info_name, args, parent=parent, **extra)


def command_app():
    """Build the app for the command that runs: with its pages and API to serve, without them otherwise."""
    context = click.get_current_context(silent=True)
    return create_app(web=bool(context and getattr(context.command, "serves_web", False)))


@click.group(cls=LmsGroup, create_app=command_app, add_default_commands=False, add_version_option=False)
def cli() -> None:
    """lms — value streams tied to the customer jobs they exist for."""


cli.add_command(DeferredCommand("db", "flask_migrate.cli:db", "Perform database migrations (Alembic)."))


@cli.command("init-db")
@with_appcontext
def init_db() -> None:
    """Bring the database to the newest schema (Alembic upgrade; safe to run twice)."""
    from flask_migrate import upgrade
    from sqlalchemy.engine import make_url

    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        folder = Path(url.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)  # the instance folder on a first run
        except OSError as error:
            raise click.ClickException(
                f"Cannot create the folder {folder} for the SQLite database ({error.strerror}). "
                "Set LMS_DATABASE_URL or LMS_INSTANCE_PATH.") from None
    upgrade()
    click.echo("Database is at the newest schema.")


@cli.command("create-org")
@click.argument("name")
@click.option("--slug", help="URL name; derived from NAME when left out.")
@with_appcontext
def create_org(name: str, slug: str | None) -> None:
    """Create an organization and print its slug."""
    from lms.admin.services import create_organization

    try:
        organization = create_organization(name, slug)
    except DomainError as error:
        _fail(_describe(error))
    click.echo(organization.slug)


@cli.command("create-user")
@click.option("--org", "org_slug", required=True, help="Slug of the organization.")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "manager", "owner", "viewer"]))
@click.option("--name", default="")
@with_appcontext
def create_user_command(org_slug: str, email: str, password: str, role: str, name: str) -> None:
    """Create a user in an organization."""
    from lms.auth.services import create_user

    organization = _organization(org_slug)
    try:
        user = create_user(organization, email=email, password=password, role=role, name=name)
    except DomainError as error:
        _fail(_describe(error))
    click.echo(f"Created {user.email} ({user.role}) in {organization.slug}.")


@cli.command("create-token")
@click.option("--email", required=True)
@click.option("--name", "label", default="cli", help="A label for the token.")
@with_appcontext
def create_token_command(email: str, label: str) -> None:
    """Create an API token; the token alone is the last line of output."""
    from sqlalchemy import select

    from lms.auth.services import create_token, normalize_email
    from lms.extensions import db
    from lms.models import User

    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        _fail(f"No user with the email {email}.")
    if not user.active:
        _fail(f"{user.email} is deactivated.")
    try:
        issued = create_token(user, label)
    except DomainError as error:
        _fail(_describe(error))
    click.echo(f"Token '{issued.token.name}' for {user.email} ({user.role}); it is shown only once:")
    click.echo(issued.secret)


@cli.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo organization from seed_data/ and print how to sign in."""
    from lms.seed import DEMO_PASSWORD, seed_demo

    try:
        result = seed_demo()
    except DomainError as error:
        _fail("The demo was not loaded. " + _describe(error))
    if result.created:
        made = ", ".join(f"{n:,} {label}" for label, n in result.counts.items() if n)
        click.echo(f"Demo organization '{result.slug}' loaded: {made}.")
    else:
        click.echo(f"Demo organization '{result.slug}' is already there; nothing changed.")
    click.echo(f"Sign in as {result.emails[0]} with the password {DEMO_PASSWORD}")
    click.echo("Other demo accounts (same password): " + ", ".join(result.emails[1:]))


@cli.command("generate")
@click.option("--org", "org_slug", required=True, help="Slug of the organization to fill.")
@click.option("--value-streams", default=10, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--steps", default=12, show_default=True, type=click.IntRange(1, 500), help="Steps per stream.")
@click.option("--kpis", default=30, show_default=True, type=click.IntRange(0, 100_000))
@click.option("--weeks", default=52, show_default=True, type=click.IntRange(1, 2_000),
              help="Weekly measurements per KPI.")
@click.option("--outcomes", default=None, type=click.IntRange(1, 1_000_000), help="Default: 10 per stream.")
@click.option("--reviews", default=None, type=click.IntRange(0, 1_000_000), help="Default: 2.5 per stream.")
@click.option("--cases", default=0, show_default=True, type=click.IntRange(0, 1_000_000),
              help="Event-log cases per stream (half a year of events up to --as-of).")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--as-of", "as_of", default=None, type=click.DateTime(["%Y-%m-%d"]),
              help="The last day of the data (default today).")
@with_appcontext
def generate_command(org_slug, value_streams, steps, kpis, weeks, outcomes, reviews, cases, seed,
                     as_of) -> None:
    """Fill an organization with deterministic synthetic data of that size."""
    import time

    from lms.generate import GenerationSize, describe, expected_rows, generate

    organization = _organization(org_slug)
    size = GenerationSize(value_streams=value_streams, steps=steps, kpis=kpis, weeks=weeks,
                          outcomes=outcomes, reviews=reviews, seed=seed, cases=cases,
                          as_of=as_of.date() if as_of else None)
    started = time.perf_counter()
    with click.progressbar(length=expected_rows(size), label="Generating", file=sys.stderr) as bar:
        report = generate(organization, size, lambda _label, n: bar.update(n))
    click.echo(f"Made {describe(report.counts)} in {time.perf_counter() - started:.1f} s.")


@cli.command("import-events")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--stream", "stream_id", required=True, type=click.IntRange(1), help="Id of the value stream.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xes"]), default=None,
              help="Default: from the file name (.xes/.xml is XES, else CSV).")
@click.option("--column", "columns", multiple=True, metavar="ROLE=HEADER",
              help="Map a CSV column to a role (case_id, activity, timestamp, lifecycle, resource, customer, "
                   "segment); unmapped roles are guessed from the header.")
@with_appcontext
def import_events_command(file: str, stream_id: int, fmt: str | None, columns: tuple[str, ...]) -> None:
    """Import an event log (CSV or XES) into a value stream; all or nothing, duplicates left out."""
    import os
    import time

    from lms import tenancy
    from lms.extensions import db
    from lms.flow import log_files as flow_log_files
    from lms.flow import services
    from lms.kpis.measurement_files import ImportRejected
    from lms.models import ValueStream

    stream = db.session.get(ValueStream, stream_id)
    if stream is None:
        _fail(f"No value stream with the id {stream_id}.")
    tenancy.scope_to(stream.organization_id)
    fmt = fmt or services.format_of(file) or "csv"
    mapping = None
    if columns:
        given = dict(part.split("=", 1) for part in columns if "=" in part)
        unknown = set(given) - set(flow_log_files.ROLES)
        if unknown or len(given) != len(columns):
            _fail(f"--column takes ROLE=HEADER with a role among {', '.join(flow_log_files.ROLES)}.")
        with open(file, "rb") as handle:
            header, _ = flow_log_files.csv_preview(handle, rows=0)
        mapping = {**flow_log_files.guess_mapping(header), **given}
    started = time.perf_counter()
    with open(file, "rb") as handle, click.progressbar(length=os.path.getsize(file), label="Importing",
                                                       file=sys.stderr) as bar:
        def progress(_events: int) -> None:
            bar.update(handle.tell() - bar.pos)

        try:
            result = services.import_events(stream, services.read_items(fmt, handle, mapping),
                                            source=os.path.basename(file), progress=progress)
        except ImportRejected as rejected:
            lines = [f"  row {e.row}, {e.column}: {e.message}" if e.row else f"  {e.column}: {e.message}"
                     for e in rejected.errors]
            _fail(f"Nothing was imported: {len(rejected.errors)} problem(s).\n" + "\n".join(lines))
    click.echo(f"{result.sentence()} ({time.perf_counter() - started:.1f} s)")
    if result.unmapped:
        click.echo("Activities that map to no step yet: " + ", ".join(result.unmapped[:20]), err=True)


@cli.command("check-drift")
@click.option("--org", "org_slug", required=True, help="Slug of the organization.")
@click.option("--as-of", "as_of", default=None, type=click.DateTime(["%Y-%m-%d"]),
              help="Assess as of this day (default today); later data is ignored.")
@with_appcontext
def check_drift_command(org_slug: str, as_of) -> None:
    """Print every KPI's drift status; exit 1 if any KPI is diverging or worsening (usable from cron)."""
    from lms.kpis.report_queries import drift_report

    report = drift_report(_organization(org_slug), as_of.date() if as_of else None)
    click.echo("\n".join(report.lines))
    if report.alarms:
        click.get_current_context().exit(1)


@cli.command("export")
@click.option("--org", "org_slug", required=True, help="Slug of the organization to export.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write (default: standard output).")
@with_appcontext
def export_command(org_slug: str, output: str | None) -> None:
    """Export an organization's content as one JSON document."""
    from lms import tenancy
    from lms.transfer.services import export_json

    organization = _organization(org_slug)
    tenancy.scope_to(organization.id)
    text = export_json(organization)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"Exported {organization.slug} to {output}.", err=True)
    else:
        click.echo(text)


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--org", "org_slug", required=True, help="Slug of the (empty) organization to fill.")
@with_appcontext
def import_command(file: str, org_slug: str) -> None:
    """Import an export into an organization that has no content yet; all or nothing."""
    import json

    from lms import tenancy
    from lms.transfer.services import import_document

    organization = _organization(org_slug)
    tenancy.scope_to(organization.id)
    try:
        with open(file, encoding="utf-8") as handle:
            document = json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        _fail(f"{file} is not a JSON document: {error}")
    try:
        result = import_document(organization, document)
    except DomainError as error:
        _fail("Nothing was imported. " + _describe(error))
    click.echo("Imported " + ", ".join(f"{n:,} {label}" for label, n in result.counts.items() if n) + ".")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=None, type=int, help="Worker threads (LMS_SERVE_THREADS, 8).")
@with_appcontext
def serve(host: str, port: int, threads: int | None) -> None:
    """Serve lms with the waitress production WSGI server."""
    import gc

    import waitress

    from lms.auth.services import warm_up
    from lms.charts import preload

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _bound_the_heap()
    # What the commands import on first use, a server imports before its first request; then it
    # keeps it all out of the garbage collector's full passes, as create_app does.
    preload()
    warm_up()
    gc.freeze()
    threads = threads or app.config["LMS_SERVE_THREADS"]
    options = {"host": host, "port": port, "threads": threads, "ident": "lms"}
    if app.config["LMS_PROXY_FIX"]:
        # waitress strips X-Forwarded-* from a peer it was not told to trust; lms trusts exactly
        # LMS_PROXY_FIX proxies itself (ProxyFix, as under any WSGI server), so let them through.
        options["clear_untrusted_proxy_headers"] = False
    click.echo(f"lms serving on http://{host}:{port}/ with {threads} threads (Ctrl+C stops it)")
    waitress.serve(app, **options)


serve.serves_web = True  # type: ignore[attr-defined]

# glibc's malloc options (mallopt): the largest request served from the heap, and how many heaps.
_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8
MMAP_THRESHOLD_BYTES = 1024 * 1024
ARENAS = 2


def _bound_the_heap() -> bool:
    """Keep a server's memory from growing with the pictures it draws and the threads that draw them.

    A chart at twice its page size is drawn into a buffer of up to 21 MB. glibc gives a first
    such block its own mapping and, once it is freed, raises its threshold so the next ones come
    from the heap of the thread that draws, where freed blocks stay held; with 8 threads each
    keeps a heap of its own. A fixed threshold of 1 MB gives every large block back when it is
    freed, and two heaps are enough for threads that mostly wait on the database or hold the GIL.
    Measured on the benchmark (first views, then the busy dashboard): 321 MB before, 202 MB with
    both (215 MB with the threshold alone, 262 MB with two heaps alone). Without glibc nothing
    changes. Returns whether the options were set.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = libc.mallopt if libc is not None else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): leave the allocator as it is
        return False
    if mallopt is None:
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(mallopt(_M_ARENA_MAX, ARENAS))


def main() -> None:
    """Run the ``lms`` command; errors go to stderr without a traceback."""
    try:
        result = cli.main(prog_name="lms", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except ConfigurationError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    except Exception as error:  # noqa: BLE001 - the contract: a message, never a traceback
        click.echo(f"Error: {type(error).__name__}: {error}", err=True)
        sys.exit(1)
    # Without standalone mode click hands back ``ctx.exit(code)`` as the return value.
    sys.exit(result if isinstance(result, int) else 0)
