"""docker-compose.yml starts the same processes as `make run` (Docker itself cannot run here)."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_every_service_with_a_health_check():
    services = compose()["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert services["postgres"]["image"].startswith("postgres:15")
    for name in ("postgres", "redis"):
        assert services[name]["volumes"], name


def test_compose_runs_what_make_run_starts():
    services = compose()["services"]
    run_script = (ROOT / "scripts" / "run.sh").read_text()
    assert "gunicorn smgov.wsgi:application" in services["web"]["command"]
    assert "manage.py migrate" in services["web"]["command"] and "manage.py migrate" in run_script
    assert re.search(r"celery -A smgov worker", services["worker"]["command"])
    assert re.search(r"celery\" -A smgov worker", run_script)
    assert re.search(r"celery -A smgov beat", services["beat"]["command"])
    assert re.search(r"celery\" -A smgov beat", run_script)
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["SMGOV_ENV"] == "production"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_dockerfile_builds_the_production_image():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "SMGOV_ENV=production" in dockerfile
    assert "collectstatic" in dockerfile
    assert "USER smgov" in dockerfile
