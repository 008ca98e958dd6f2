import asyncio
import importlib
import json
import sys
from dataclasses import dataclass

import pytest


@dataclass
class Reply:
    status: int
    text: str

    def json(self):
        return json.loads(self.text)


@pytest.fixture(params=["/", "/demo/"], ids=["root", "prefixed"])
def prefix(request, monkeypatch):
    monkeypatch.setenv("DASH_ROUTES_PATHNAME_PREFIX", request.param)
    return request.param


@pytest.fixture
def client(prefix):
    # app.py reads the prefix when it is imported: import it afresh for each prefix.
    sys.modules.pop("app", None)
    return QuartClient(importlib.import_module("app").server)


class QuartClient:
    """Quart's test client is async; these tests call it one request at a time."""

    def __init__(self, server):
        self._server = server

    def get(self, path):
        return asyncio.run(self._request("get", path))

    def post(self, path, body):
        return asyncio.run(self._request("post", path, json=body))

    async def _request(self, method, path, **kwargs):
        # test_app() runs the app's start-up and shut-down around the request.
        async with self._server.test_app() as test_app:
            response = await getattr(test_app.test_client(), method)(path, **kwargs)
            return Reply(response.status_code, await response.get_data(as_text=True))
