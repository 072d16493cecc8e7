"""Shared fixtures for connector tests: recorded payloads served by a real local HTTP server
(pytest-httpserver's ``httpserver``), and a fast-retrying HTTP session."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from platforms.base import http_session

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def recorded() -> Callable[[str, str], bytes]:
    """``recorded(platform, name)``: the exact bytes of a recorded payload."""
    return lambda platform, name: (FIXTURES / platform / name).read_bytes()


@pytest.fixture
def recorded_json(recorded) -> Callable[[str, str], object]:
    return lambda platform, name: json.loads(recorded(platform, name))


@pytest.fixture
def fast_session() -> requests.Session:
    """The production session with the retry backoff shrunk to nothing, so that tests stay fast."""
    return http_session(retries=2, backoff_factor=0, backoff_jitter=0)
