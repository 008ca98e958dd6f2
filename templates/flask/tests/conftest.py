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
    server = importlib.import_module("app").server
    return FlaskClient(server.test_client())


class FlaskClient:
    def __init__(self, client):
        self._client = client

    def get(self, path):
        response = self._client.get(path)
        return Reply(response.status_code, response.get_data(as_text=True))

    def post(self, path, body):
        response = self._client.post(path, json=body)
        return Reply(response.status_code, response.get_data(as_text=True))
