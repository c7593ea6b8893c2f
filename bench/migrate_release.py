"""A release that adds one migration, across every tenant schema: `python -m portal.processes release`, timed.

    .venv/bin/python bench/tenants_scale.py --keep-database      # 10,000 tenants, then:
    .venv/bin/python bench/migrate_release.py [--rounds 3] [--sample 10]
    .venv/bin/python bench/migrate_release.py --populate 500      # on a database of its own, a quick look

On BENCH_DATABASE_URL (default: the database bench/tenants_scale.py leaves with --keep-database;
--populate N first adds bare tenants, copies of the template, up to N). Each round writes a throwaway
migration into a copy of messaging's migrations in a temporary directory (an AddField with a default
and an AddIndex on the audit log, what a small release adds) and points MIGRATION_MODULES at it with a
settings module there; nothing is written into the product's migrations. Then, per round:

1. the baseline: django-tenants' per-schema migrate (`run_migrations` of
   django_tenants.migration_executors.base, what its standard and multiprocessing executors run for
   each schema) into --sample schemas, one after another, timed; projected to every schema over
   MIGRATE_PARALLEL processes;
2. the release: `python -m portal.processes release` (migrate_schemas, then bootstrap_portal), timed;
3. the same release again, with nothing left to do, timed.

After each round it checks that every tenant schema and the template have the round's column and index.
The database keeps the throwaway columns: drop it afterwards (without --keep-database it is dropped).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_tenants"
REDIS_URL = "redis://127.0.0.1:6379/11"
TARGET_S = 600
PARALLEL = int(os.environ.get("MIGRATE_PARALLEL", "2"))

MIGRATION = '''from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("messaging", "{previous}")]
    operations = [
        migrations.AddField(model_name="auditentry", name="{field}", field=models.BooleanField(default=False)),
        migrations.AddIndex(model_name="auditentry", index=models.Index(fields=["{field}"], name="{field}_idx")),
    ]
'''
SETTINGS = '''from portal.settings import *  # noqa: F403

MIGRATION_MODULES = {"messaging": "bench_release_messaging"}
'''


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sample", type=int, default=10, help="schemas migrated the django-tenants way per round")
    parser.add_argument("--populate", type=int, default=0, help="add bare tenants up to this many first")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--django-sample", nargs="+", help=argparse.SUPPRESS)  # the baseline's helper
    parser.add_argument("--create-range", nargs=2, type=int, help=argparse.SUPPRESS)  # --populate's helper
    return parser.parse_args()


def release_environment(env: dict, directory: Path, round_number: int) -> dict:
    """A settings module and messaging's migrations plus `round_number` throwaway ones, in `directory`."""
    package = directory / "bench_release_messaging"
    shutil.rmtree(package, ignore_errors=True)
    shutil.copytree(common.ROOT / "messaging" / "migrations", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    previous = max(p.stem for p in package.glob("0*.py"))
    for number in range(1, round_number + 1):
        name = f"{int(previous[:4]) + 1:04d}_bench_r{number}"
        (package / f"{name}.py").write_text(MIGRATION.format(previous=previous, field=f"bench_r{number}"))
        previous = name
    (directory / "bench_release_settings.py").write_text(SETTINGS)
    return env | {"DJANGO_SETTINGS_MODULE": "bench_release_settings", "PYTHONPATH": str(directory),
                  "MIGRATE_PARALLEL": str(PARALLEL)}


def run(env: dict, *argv: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([common.PYTHON, *argv], cwd=common.ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise common.CannotMeasure(f"{' '.join(argv)} failed:\n{done.stdout[-1500:]}\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def django_sample(schemas: list[str]) -> int:
    """In a process of its own (the round's settings): django-tenants' per-schema migrate, timed."""
    import django

    django.setup()
    from django.db import connection
    from django_tenants.management.commands.migrate_schemas import Command
    from django_tenants.migration_executors.base import run_migrations

    # --skip-checks: see tenants/schema_migrations.py (with the checks it migrates public instead).
    parser = Command().create_parser("manage.py", "migrate_schemas")
    options = vars(parser.parse_args(["--noinput", "-v", "0", "--skip-checks"]))
    seconds = []
    for schema in schemas:
        started = time.perf_counter()
        run_migrations((), options, "standard", schema)
        seconds.append(time.perf_counter() - started)
        connection.set_schema_to_public()
    print(json.dumps(seconds))
    return 0


def tenant_schemas() -> list[str]:
    from tenants.models import Tenant

    return list(Tenant.objects.customers().order_by("pk").values_list("schema_name", flat=True))


def check_round(round_number: int, schemas: int) -> str | None:
    """Every tenant schema and the template hold the round's column and index, or what is missing."""
    from django.db import connection

    field = f"bench_r{round_number}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                       "WHERE c.relname = 'messaging_auditentry' AND a.attname = %s AND NOT a.attisdropped", [field])
        columns = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname = %s AND relkind = 'i'", [f"{field}_idx"])
        indexes = cursor.fetchone()[0]
    if columns != schemas + 1 or indexes != schemas + 1:
        return f"round {round_number}: {columns} columns and {indexes} indexes for {schemas} schemas + the template"
    return None


def populate(env: dict, count: int) -> None:
    from tenants.models import Tenant

    present = Tenant.objects.customers().count()
    if present >= count:
        return
    seconds = common.create_in_parallel(__file__, env, present + 1, count, PARALLEL)
    common.say(f"added {count - present} bare tenants in {seconds:.0f} s")


def database_exists(database_url: str) -> bool:
    admin, name = common._admin_connection(database_url)
    with admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def main() -> int:
    args = parse_args()
    if args.django_sample:
        return django_sample(args.django_sample)
    database_url = os.environ.get("BENCH_DATABASE_URL", DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", REDIS_URL)
    env = common.production_env(database_url, redis_url, common.free_port())
    if args.create_range:
        common.load_django(env | dict(os.environ))
        from tenants.services import create_tenant

        for index in range(args.create_range[0], args.create_range[1] + 1):
            create_tenant(name=f"Release tenant {index:05d}", slug=f"release-{index}")
        return 0
    common.say(f"machine: {common.machine()}; {common.load_average()}")
    report = {"release": [], "noop": [], "sample": [], "pending": []}
    try:
        if args.populate:
            if not database_exists(database_url):
                common.recreate_database(database_url)
            common.prepare(env)
            from django.contrib.auth import get_user_model

            if not get_user_model().objects.filter(is_superuser=True).exists():
                get_user_model().objects.create_superuser(username="bench-sysadmin", email="",
                                                          password="x-Bench-42")  # noqa: S106
            populate(env, args.populate)
        else:
            common.load_django(env)
        schemas = tenant_schemas()
        common.close_django_connections()
        if len(schemas) < 2 * args.sample:
            raise common.CannotMeasure(f"{len(schemas)} tenants: run bench/tenants_scale.py --keep-database first, "
                                       "or give --populate")
        common.say(f"{len(schemas):,} tenant schemas; MIGRATE_PARALLEL={PARALLEL}")
        with tempfile.TemporaryDirectory(prefix="bench-release-") as directory:
            for round_number in range(1, args.rounds + 1):
                round_env = release_environment(env, Path(directory), round_number)
                sample = schemas[round_number * args.sample:(round_number + 1) * args.sample]
                _, out = run(round_env, __file__, "--django-sample", *sample)
                per_schema = json.loads(out.strip().splitlines()[-1])
                report["sample"].append(statistics.median(per_schema))
                seconds, out = run(round_env, "-m", "portal.processes", "release")
                report["release"].append(seconds)
                report["pending"].append(len(schemas) - len(sample))
                noop, _ = run(round_env, "-m", "portal.processes", "release")
                report["noop"].append(noop)
                replayed = [line for line in out.splitlines() if "replay" in line or "to migrate" in line]
                common.say(f"round {round_number}: django-tenants' migrate {statistics.median(per_schema):.3f} s a "
                           f"schema (median of {len(sample)}); release {seconds:.1f} s; again with nothing to do "
                           f"{noop:.1f} s")
                for line in replayed:
                    common.say("    " + line.strip())
                problem = check_round(round_number, len(schemas))
                common.close_django_connections()
                if problem:
                    common.say("FAILED: " + problem)
                    return 2
        summarize(report, len(schemas))
        return 0
    except common.CannotMeasure as exc:
        common.say(f"COULD NOT MEASURE: {exc}")
        return 1
    finally:
        common.clean_up(database_url, redis_url, keep_database=args.keep_database)


def summarize(report: dict, schemas: int) -> None:
    def spread(values, fmt="{:.1f}"):
        low, high = fmt.format(min(values)), fmt.format(max(values))
        return f"median {fmt.format(statistics.median(values))}, range {low}-{high}"

    projected = [s * schemas / PARALLEL for s in report["sample"]]
    ratios = [r / p for r, p in zip(report["release"], projected, strict=True)]
    common.say("")
    common.say(f"release adding one migration, {schemas:,} tenant schemas + the template: "
               f"{spread(report['release'])} s "
               f"({'meets' if statistics.median(report['release']) <= TARGET_S else 'ABOVE'} the target of "
               f"{TARGET_S} s)")
    common.say(f"  django-tenants' per-schema migrate: {spread(report['sample'], '{:.3f}')} s a schema, projected "
               f"{spread(projected, '{:.0f}')} s over {PARALLEL} processes; release / projected: "
               f"{spread(ratios, '{:.3f}')}")
    common.say(f"release with nothing to migrate: {spread(report['noop'])} s")


if __name__ == "__main__":
    sys.exit(main())
