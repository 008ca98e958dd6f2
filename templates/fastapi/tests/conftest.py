import importlib
import json
import sys
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient


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
    server = importlib.import_module("app").server
    # Dash adds its catch-all route at start-up: enter the client to run the lifespan.
    with TestClient(server) as test_client:
        yield FastAPIClient(test_client)


class FastAPIClient:
    def __init__(self, client):
        self._client = client

    def get(self, path):
        response = self._client.get(path)
        return Reply(response.status_code, response.text)

    def post(self, path, body):
        response = self._client.post(path, json=body)
        return Reply(response.status_code, response.text)
