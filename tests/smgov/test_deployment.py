"""docker-compose.yml, the Dockerfile and scripts/run.sh start the same processes, and every entry
point they name exists: the compose file is parsed as YAML, the commands are split into argv as a
shell would, and each argv is checked against the program it runs (Django's management commands and
their parsers, gunicorn's parser and the WSGI application, Celery's app and CLI). Docker itself
cannot run here."""

import importlib
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from celery.app.utils import find_app
from celery.bin.celery import celery as celery_cli
from celery.worker.control import Panel
from django.core.management import get_commands, load_command_class
from gunicorn.config import Config as GunicornConfig

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat", "streams")
# What `make run` starts, and what production starts: the schema first, then four processes.
PROCESSES = {"migrate", "web", "worker", "beat", "streams"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def shell_commands(script: str) -> list[list[str]]:
    """The simple commands of a `cmd && cmd` line, each as the argv the shell would run."""
    return [shlex.split(part) for part in re.split(r"&&|;", script) if part.strip()]


def argv_of(command: str | list[str]) -> list[list[str]]:
    """A compose `command:` as the argv lists it runs (`sh -c "..."` is opened up)."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if argv[:2] == ["sh", "-c"]:
        return shell_commands(argv[2])
    return [argv]


def check_manage_py(argv: list[str]) -> str:
    """`python manage.py NAME ARGS`: NAME is a management command, and it accepts ARGS."""
    assert Path(argv[0]).name.startswith("python") and argv[1] == "manage.py", argv
    name, args = argv[2], argv[3:]
    commands = get_commands()
    assert name in commands, f"manage.py has no command {name!r}"
    parser = load_command_class(commands[name], name).create_parser("manage.py", name)
    parser.parse_args(args)  # an unknown option exits (SystemExit), failing the test
    return name


def check_gunicorn(argv: list[str]) -> None:
    """gunicorn's own parser accepts the options, and the application it names is a WSGI callable."""
    assert Path(argv[0]).name == "gunicorn", argv
    options = GunicornConfig().parser().parse_args(argv[1:])
    (target,) = options.args
    module_name, _, attribute = target.partition(":")
    application = getattr(importlib.import_module(module_name), attribute)
    assert callable(application)
    assert module_name == "smgov.wsgi"


def click_options(command) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


def check_celery(argv: list[str]) -> str:
    """`celery -A APP SUB OPTIONS`: APP loads as this project's Celery app, SUB is a Celery command
    and each option is one SUB (or celery itself) has."""
    from smgov.celery import app

    assert Path(argv[0]).name == "celery", argv
    assert argv[1] in ("-A", "--app"), argv
    assert find_app(argv[2]) is app
    sub, rest = argv[3], argv[4:]
    assert sub in celery_cli.commands, f"celery has no command {sub!r}"
    known = click_options(celery_cli.commands[sub]) | click_options(celery_cli)
    for token in rest:
        if token.startswith("-"):
            assert token.split("=")[0] in known, f"celery {sub} has no option {token}"
    return sub


def process_kind(argv: list[str]) -> str:
    """What an argv starts, in the words of PROCESSES."""
    program = Path(argv[0]).name
    if program.startswith("python") or argv[0] == "$PY":
        name = check_manage_py(["python", *argv[1:]])
        return {"runserver": "web"}.get(name, name)
    if program == "gunicorn":
        check_gunicorn(argv)
        return "web"
    if program == "celery":
        return check_celery(argv)
    raise AssertionError(f"unexpected program {argv}")


def test_compose_defines_every_service_with_command_health_check_and_dependencies():
    config = compose()
    services = config["services"]
    assert set(services) == {*APP_SERVICES, "postgres", "redis"}
    for name, service in services.items():
        check = service["healthcheck"]
        assert check["test"][0] == "CMD" and len(check["test"]) > 1, name
        assert check["interval"] and check["timeout"] and check["retries"] >= 1, name
    for name in APP_SERVICES:
        service = services[name]
        assert service["command"], name
        assert service["environment"]["SMGOV_ENV"] == "production", name
        assert service["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }, name
    for name in ("postgres", "redis"):
        volume = services[name]["volumes"][0].split(":")[0]
        assert volume in config["volumes"], name  # a named volume: the data outlives the container
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    assert argv_of(services["redis"]["command"]) == [["redis-server", "--appendonly", "yes"]]


def test_compose_commands_name_entry_points_that_exist():
    services = compose()["services"]
    kinds = {
        name: [process_kind(argv) for argv in argv_of(services[name]["command"])] for name in APP_SERVICES
    }
    assert kinds == {
        "web": ["migrate", "web"],
        "worker": ["worker"],
        "beat": ["beat"],
        "streams": ["streams"],
    }
    assert {kind for started in kinds.values() for kind in started} == PROCESSES
    # The database and the app agree on who connects where.
    app_environment = services["web"]["environment"]
    postgres = services["postgres"]["environment"]
    assert app_environment["DATABASE_URL"].startswith(f"postgres://{postgres['POSTGRES_USER']}:")
    assert app_environment["DATABASE_URL"].endswith(f"@postgres:5432/{postgres['POSTGRES_DB']}")
    assert app_environment["REDIS_URL"].startswith("redis://redis:6379/")


def test_compose_health_checks_ask_the_right_things(client, db):
    services = compose()["services"]
    web = services["web"]["healthcheck"]["test"]
    assert web[1:3] == ["python", "-c"]
    (url,) = re.findall(r"urlopen\('http://127\.0\.0\.1:8000(/[^']*)'\)", web[3])
    response = client.get(url)
    assert response.status_code == 200 and response.json() == {"status": "ok"}

    worker = services["worker"]["healthcheck"]["test"][1:]
    assert check_celery(worker) == "inspect"
    assert Panel.meta[worker[4]].type == "inspect"  # `inspect ping`

    beat = services["beat"]["healthcheck"]["test"]
    assert beat[1:3] == ["python", "-c"]
    compile(beat[3], "beat healthcheck", "exec")

    postgres = services["postgres"]
    argv = postgres["healthcheck"]["test"][1:]
    assert argv[0] == "pg_isready"
    assert argv[argv.index("-U") + 1] == postgres["environment"]["POSTGRES_USER"]
    assert argv[argv.index("-d") + 1] == postgres["environment"]["POSTGRES_DB"]
    assert services["redis"]["healthcheck"]["test"][1:] == ["redis-cli", "ping"]


def run_script_commands() -> list[tuple[list[str], bool]]:
    """The commands scripts/run.sh runs from the checkout, as (argv, started in the background)."""
    commands = []
    for line in (ROOT / "scripts" / "run.sh").read_text().splitlines():
        line = line.strip()
        if not re.match(r'"\$(PY|ROOT/\.venv/bin/\w+)"', line):
            continue
        tokens = shlex.split(line)
        background = tokens[-1] == "&"
        argv = [t for t in tokens if t != "&"]
        argv = argv[: next((i for i, t in enumerate(argv) if re.match(r"\d?>", t)), len(argv))]
        commands.append((argv, background))
    return commands


def test_run_script_is_valid_bash_and_starts_what_compose_starts():
    check = subprocess.run(["bash", "-n", str(ROOT / "scripts" / "run.sh")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    commands = run_script_commands()
    started = {process_kind(argv) for argv, background in commands if background}
    assert started == {"web", "worker", "beat", "streams"}  # the long-running ones, stopped together on Ctrl-C
    foreground = [process_kind(argv) for argv, background in commands if not background]
    assert foreground[0] == "migrate"  # before anything else touches the database
    assert {*started, *foreground} >= PROCESSES


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def test_dockerfile_builds_the_production_image():
    instructions = dockerfile()
    assert instructions[0][0] == "FROM"
    match = re.fullmatch(r"python:(\d+)\.(\d+)-slim-\w+", instructions[0][1])
    assert match and tuple(map(int, match.groups())) >= (3, 11)

    env = {}
    for keyword, arguments in instructions:
        if keyword == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(arguments))
    assert env["SMGOV_ENV"] == "production"

    runs = [
        argv for keyword, arguments in instructions if keyword == "RUN" for argv in shell_commands(arguments)
    ]
    collectstatic = [argv for argv in runs if "collectstatic" in argv]
    assert len(collectstatic) == 1
    # the build-time settings are VAR=value words before the command
    argv = [word for word in collectstatic[0] if not re.match(r"[A-Z_]+=", word)]
    assert check_manage_py(argv) == "collectstatic" and "--noinput" in argv

    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    useradd = next(argv for argv in runs if argv[0] == "useradd")
    assert useradd[-1] == users[-1] and "--system" in useradd
    # the user is switched to after everything that needs root, and before the image's command
    keywords = [keyword for keyword, _ in instructions]
    assert keywords.index("USER") > max(i for i, keyword in enumerate(keywords) if keyword == "RUN")

    (cmd,) = [json.loads(arguments) for keyword, arguments in instructions if keyword == "CMD"]
    check_gunicorn(cmd)
    assert cmd == argv_of(compose()["services"]["web"]["command"])[-1]  # the same server as compose's web


@pytest.mark.parametrize(
    "broken", ["gunicorn smgov.wsgi:nothing", "celery -A smgov wrker", "python manage.py migrat"]
)
def test_the_checks_catch_a_wrong_entry_point(broken):
    with pytest.raises((AssertionError, AttributeError, SystemExit)):
        process_kind(shlex.split(broken))
