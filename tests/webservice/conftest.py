"""Fixtures for the web-service tests: a real test PKI, real signed envelopes, real apps."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from cryptography.x509.verification import Store
from flask import Flask
from flask.testing import FlaskClient

from bench.baselines.hello_webservice import hello_skill
from skill_tools.envelopes import DEFAULT_SKILL_ID, Listener, Session
from skill_tools.testpki import AlexaSigner, TestPKI
from webservice.app import create_app
from webservice.settings import Settings
from webservice.verify import utc_now

SKILL_ID = DEFAULT_SKILL_ID
OTHER_SKILL_ID = "amzn1.ask.skill.11111111-2222-4333-8444-555555555555"


class CountingFetcher:
    """Serves chains by URL from a dict, counting downloads (the cache is under test too)."""

    def __init__(self, chains: dict[str, bytes]) -> None:
        self.chains = chains
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        from webservice.refusal import RefusedError

        self.calls.append(url)
        if url not in self.chains:
            raise RefusedError("certificate chain could not be fetched")
        return self.chains[url]


@pytest.fixture(scope="session")
def pki() -> TestPKI:
    return TestPKI.create()


@pytest.fixture(scope="session")
def store(pki: TestPKI) -> Store:
    return Store([pki.root.cert])


@pytest.fixture
def signer(pki: TestPKI) -> AlexaSigner:
    return pki.signer()


@pytest.fixture
def fetcher(pki: TestPKI, signer: AlexaSigner) -> CountingFetcher:
    return CountingFetcher({signer.chain_url: pki.chain_pem})


AppFactory = Callable[..., Flask]


@pytest.fixture
def make_app(store: Store, fetcher: CountingFetcher) -> AppFactory:
    """Build an app with the test trust store and fetcher; the real skill unless told otherwise."""

    def build(
        *,
        skill: Any = None,
        clock: Callable[[], datetime] = utc_now,
        **settings: Any,
    ) -> Flask:
        settings.setdefault("skill_id", SKILL_ID)
        return create_app(
            Settings(**settings), skill=skill, fetcher=fetcher, trust_store=store, clock=clock
        )

    return build


@pytest.fixture
def client(make_app: AppFactory) -> FlaskClient:
    """The real massage-guide skill behind a verifying app."""
    return make_app().test_client()


@pytest.fixture
def hello_client(make_app: AppFactory) -> FlaskClient:
    return make_app(skill=hello_skill()).test_client()


@pytest.fixture
def listener() -> Listener:
    return Listener(skill_id=SKILL_ID)


@pytest.fixture
def session(listener: Listener) -> Session:
    return Session(listener)


def post(client: FlaskClient, body: bytes, headers: dict[str, str]) -> Any:
    return client.post("/", data=body, headers=headers)


def body_of(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope).encode()
