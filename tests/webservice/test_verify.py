"""The request checks on their own: URL rules, chain verification, timestamps, ids, the cache."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.x509.verification import Store

from skill_tools.envelopes import Listener, Session, skill_disabled_event, timestamp
from skill_tools.testpki import CHAIN_URL_PREFIX, AlexaSigner, Authority, TestPKI, pem
from tests.webservice.conftest import OTHER_SKILL_ID, SKILL_ID, CountingFetcher
from webservice.chain_cache import SigningCertificates
from webservice.fetchers import DirectoryFetcher
from webservice.refusal import RefusedError
from webservice.trust import normalise_cert_url, verify_chain
from webservice.verify import RequestGate

# ---------------------------------------------------------------- URL rules

GOOD_URLS = {
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem": "/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem": "/echo.api/echo-api-cert.pem",
    "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem": "/echo.api/echo-api-cert.pem",
    "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem": "/echo.api/echo-api-cert.pem",
    # Amazon's own example of a path that is valid once normalised.
    "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem": (
        "/echo.api/echo-api-cert.pem"
    ),
}

BAD_URLS = [
    "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://notamazon.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem",
    "https://evil.example/s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com@evil.example/echo.api/echo-api-cert.pem",
    "https://user@s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/..",
    "https://s3.amazonaws.com/echo.api/",
    "https://s3.amazonaws.com:8443/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com:80/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com:notaport/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/ECHO.API/echo-api-cert.pem",
    "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
    "https://s3.amazonaws.com//echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/%2e%2e/x.pem",
    "https://s3.amazonaws.com/echo.api/cert.pem?x=1",
    "https://s3.amazonaws.com/echo.api/cert.pem#frag",
    "https://s3.amazonaws.com/echo.api\\..\\x.pem",
    "https://s3.amazonaws.com/echo.api/cert pem",
    "file:///echo.api/cert.pem",
    "",
]


@pytest.mark.parametrize(("url", "path"), GOOD_URLS.items())
def test_accepted_chain_urls_are_rebuilt_from_validated_parts(url: str, path: str) -> None:
    assert normalise_cert_url(url) == "https://s3.amazonaws.com" + path


@pytest.mark.parametrize("url", BAD_URLS)
def test_every_other_chain_url_is_refused(url: str) -> None:
    with pytest.raises(RefusedError) as refused:
        normalise_cert_url(url)
    assert refused.value.status == 400
    assert "URL" in refused.value.reason


# ---------------------------------------------------------------- chain verification


def test_genuine_chain_verifies_and_yields_the_leaf_key(pki: TestPKI, store: Store) -> None:
    chain = verify_chain(pki.chain_pem, store, datetime.now(UTC))
    assert chain.public_key.public_numbers() == pki.leaf_key.public_key().public_numbers()
    assert chain.not_before <= datetime.now(UTC) <= chain.not_after


def _leaf_pem(pki: TestPKI, **kwargs: object) -> bytes:
    leaf = pki.intermediate.issue_leaf(pki.leaf_key, **kwargs)  # type: ignore[arg-type]
    return pem(leaf, pki.intermediate.cert)


@pytest.mark.parametrize(
    "dns_names",
    [("echo-api.example.com",), ("*.amazon.com",), ("echo-api.amazon.com.evil.example",), ()],
    ids=["other-name", "wildcard", "suffix", "no-san"],
)
def test_leaf_must_name_echo_api_in_its_san(
    pki: TestPKI, store: Store, dns_names: tuple[str, ...]
) -> None:
    with pytest.raises(RefusedError, match="not trusted"):
        verify_chain(_leaf_pem(pki, dns_names=dns_names), store, datetime.now(UTC))


def test_expired_leaf_is_refused(pki: TestPKI, store: Store) -> None:
    now = datetime.now(UTC)
    chain = _leaf_pem(pki, not_before=now - timedelta(days=30), not_after=now - timedelta(hours=1))
    with pytest.raises(RefusedError, match="not trusted"):
        verify_chain(chain, store, now)


def test_not_yet_valid_leaf_is_refused(pki: TestPKI, store: Store) -> None:
    now = datetime.now(UTC)
    chain = _leaf_pem(pki, not_before=now + timedelta(hours=1), not_after=now + timedelta(days=9))
    with pytest.raises(RefusedError, match="not trusted"):
        verify_chain(chain, store, now)


def test_chain_to_an_untrusted_root_is_refused(store: Store) -> None:
    stranger = TestPKI.create()  # same shape, different root: not in the store
    with pytest.raises(RefusedError, match="not trusted"):
        verify_chain(stranger.chain_pem, store, datetime.now(UTC))


def test_leaf_signed_directly_by_an_untrusted_key_is_refused(pki: TestPKI, store: Store) -> None:
    impostor = Authority.root("Test Intermediate CA")  # same name as the real intermediate
    leaf = impostor.issue_leaf(pki.leaf_key)
    with pytest.raises(RefusedError, match="not trusted"):
        verify_chain(pem(leaf, impostor.cert), store, datetime.now(UTC))


def test_chain_missing_its_intermediate_is_refused(pki: TestPKI, store: Store) -> None:
    with pytest.raises(RefusedError, match="not trusted"):
        verify_chain(pem(pki.leaf), store, datetime.now(UTC))


@pytest.mark.parametrize("junk", [b"", b"not a pem", b"-----BEGIN CERTIFICATE-----\nAAAA\n"])
def test_unparseable_chain_is_refused(store: Store, junk: bytes) -> None:
    with pytest.raises(RefusedError, match="parsed"):
        verify_chain(junk, store, datetime.now(UTC))


# ---------------------------------------------------------------- the gate


@pytest.fixture
def gate(store: Store, fetcher: CountingFetcher) -> RequestGate:
    return RequestGate(skill_id=SKILL_ID, certificates=SigningCertificates(fetcher, store))


def _check(gate: RequestGate, body: bytes, headers: dict[str, str]) -> None:
    gate.check(
        body,
        signature=headers.get("Signature-256"),
        cert_url=headers.get("SignatureCertChainUrl"),
    )


def test_genuine_request_passes(gate: RequestGate, signer: AlexaSigner) -> None:
    body, headers = signer.sign(Session(Listener(skill_id=SKILL_ID)).launch())
    _check(gate, body, headers)


def test_altered_body_is_refused(gate: RequestGate, signer: AlexaSigner) -> None:
    envelope = Session(Listener(skill_id=SKILL_ID)).intent("WhyMassageHelpsIntent")
    body, headers = signer.sign(envelope)
    altered = body.replace(b"WhyMassageHelpsIntent", b"AMAZON.StopIntent")
    with pytest.raises(RefusedError, match="signature does not match"):
        _check(gate, altered, headers)


def test_forged_signature_is_refused(gate: RequestGate, pki: TestPKI) -> None:
    forger = AlexaSigner(TestPKI.create().leaf_key, pki.chain_pem)  # right chain, wrong key
    body, headers = forger.sign(Session(Listener(skill_id=SKILL_ID)).launch())
    with pytest.raises(RefusedError, match="signature does not match"):
        _check(gate, body, headers)


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("Signature-256", None, "headers missing"),
        ("SignatureCertChainUrl", None, "headers missing"),
        ("Signature-256", "", "headers missing"),
        ("Signature-256", "not base64!", "malformed"),
        ("Signature-256", base64.b64encode(b"short").decode(), "does not match"),
        ("SignatureCertChainUrl", "http://s3.amazonaws.com/echo.api/x.pem", "https"),
    ],
)
def test_bad_signature_headers_are_refused(
    gate: RequestGate, signer: AlexaSigner, header: str, value: str | None, reason: str
) -> None:
    body, headers = signer.sign(Session(Listener(skill_id=SKILL_ID)).launch())
    if value is None:
        del headers[header]
    else:
        headers[header] = value
    with pytest.raises(RefusedError, match=reason):
        _check(gate, body, headers)


def _restamp(envelope: dict[str, object], moment: datetime) -> dict[str, object]:
    envelope["request"]["timestamp"] = timestamp(moment)  # type: ignore[index]
    return envelope


@pytest.mark.parametrize("offset", [-151, 151, -3600])
def test_stale_or_future_timestamps_are_refused(
    gate: RequestGate, signer: AlexaSigner, offset: int
) -> None:
    moment = datetime.now(UTC) + timedelta(seconds=offset)
    body, headers = signer.sign(_restamp(Session(Listener(skill_id=SKILL_ID)).launch(), moment))
    with pytest.raises(RefusedError, match="timestamp"):
        _check(gate, body, headers)


def test_timestamp_inside_150_seconds_passes(gate: RequestGate, signer: AlexaSigner) -> None:
    moment = datetime.now(UTC) - timedelta(seconds=140)
    body, headers = signer.sign(_restamp(Session(Listener(skill_id=SKILL_ID)).launch(), moment))
    _check(gate, body, headers)


def test_skill_events_get_an_hour(gate: RequestGate, signer: AlexaSigner) -> None:
    listener = Listener(skill_id=SKILL_ID)
    late = _restamp(skill_disabled_event(listener), datetime.now(UTC) - timedelta(minutes=50))
    _check(gate, *signer.sign(late))
    stale = _restamp(skill_disabled_event(listener), datetime.now(UTC) - timedelta(minutes=61))
    with pytest.raises(RefusedError, match="timestamp"):
        _check(gate, *signer.sign(stale))


@pytest.mark.parametrize("bad", ["", "yesterday", "2026-13-45T00:00:00Z", 12345, None])
def test_malformed_timestamps_are_refused(
    gate: RequestGate, signer: AlexaSigner, bad: object
) -> None:
    envelope = Session(Listener(skill_id=SKILL_ID)).launch()
    envelope["request"]["timestamp"] = bad
    with pytest.raises(RefusedError, match="timestamp"):
        _check(gate, *signer.sign(envelope))


def test_another_skills_request_is_refused(gate: RequestGate, signer: AlexaSigner) -> None:
    body, headers = signer.sign(Session(Listener(skill_id=OTHER_SKILL_ID)).launch())
    with pytest.raises(RefusedError, match="application id not accepted"):
        _check(gate, body, headers)


def test_mismatched_session_and_context_ids_are_refused(
    gate: RequestGate, signer: AlexaSigner
) -> None:
    envelope = Session(Listener(skill_id=SKILL_ID)).launch()
    envelope["session"]["application"]["applicationId"] = OTHER_SKILL_ID
    with pytest.raises(RefusedError, match="application id"):
        _check(gate, *signer.sign(envelope))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "well-formed"),
        (b"\xff\xfe{}", "well-formed"),
        (b"{", "well-formed"),
        (b"[" * 50_000 + b"]" * 50_000, "well-formed"),
        (b'{"a": NaN}', "well-formed"),
        (b"[]", "envelope"),
        (b'"text"', "envelope"),
        (b"{}", "envelope"),
        (b'{"request": {"type": "LaunchRequest"}}', "envelope"),
        (b'{"request": {"type": 7, "requestId": "x"}}', "envelope"),
        (b'{"request": {"type": "Totally.Made.Up", "requestId": "x"}}', "not supported"),
    ],
)
def test_malformed_bodies_are_refused_before_any_crypto(
    gate: RequestGate, fetcher: CountingFetcher, body: bytes, reason: str
) -> None:
    with pytest.raises(RefusedError, match=reason):
        gate.check(body, signature=None, cert_url=None)
    assert fetcher.calls == []


def test_cheap_checks_run_before_any_download(
    gate: RequestGate, signer: AlexaSigner, fetcher: CountingFetcher
) -> None:
    body, headers = signer.sign(Session(Listener(skill_id=OTHER_SKILL_ID)).launch())
    with pytest.raises(RefusedError):
        _check(gate, body, headers)
    assert fetcher.calls == []


# ---------------------------------------------------------------- the cache


def test_chain_is_downloaded_once_for_many_requests(
    gate: RequestGate, signer: AlexaSigner, fetcher: CountingFetcher
) -> None:
    for _ in range(25):
        _check(gate, *signer.sign(Session(Listener(skill_id=SKILL_ID)).launch()))
    assert fetcher.calls == [signer.chain_url]


def test_equivalent_urls_share_one_cache_entry(
    gate: RequestGate, signer: AlexaSigner, fetcher: CountingFetcher
) -> None:
    variants = [
        signer.chain_url,
        signer.chain_url.replace("s3.amazonaws.com", "S3.AmazonAWS.com:443"),
        signer.chain_url.replace("/echo.api/", "/echo.api/../echo.api/"),
    ]
    for url in variants:
        body, headers = signer.sign(Session(Listener(skill_id=SKILL_ID)).launch())
        headers["SignatureCertChainUrl"] = url
        _check(gate, body, headers)
    assert fetcher.calls == [signer.chain_url]


def test_cache_honours_chain_expiry(pki: TestPKI, store: Store) -> None:
    now = datetime.now(UTC)
    short = pki.intermediate.issue_leaf(pki.leaf_key, not_after=now + timedelta(minutes=5))
    url = CHAIN_URL_PREFIX + "short.pem"
    fetcher = CountingFetcher({url: pem(short, pki.intermediate.cert)})
    certificates = SigningCertificates(fetcher, store)
    certificates.public_key(url, now)
    certificates.public_key(url, now + timedelta(minutes=4))
    assert len(fetcher.calls) == 1
    with pytest.raises(RefusedError, match="not trusted"):
        certificates.public_key(url, now + timedelta(minutes=6))
    assert len(fetcher.calls) == 2  # expired entry dropped, re-fetched, and refused


def test_cache_is_bounded(pki: TestPKI, store: Store) -> None:
    urls = [f"{CHAIN_URL_PREFIX}cert-{n}.pem" for n in range(10)]
    fetcher = CountingFetcher(dict.fromkeys(urls, pki.chain_pem))
    certificates = SigningCertificates(fetcher, store, max_entries=4, downloads_per_minute=20)
    now = datetime.now(UTC)
    for url in urls:
        certificates.public_key(url, now)
    assert len(certificates._good) == 4
    certificates.public_key(urls[-1], now)  # still cached
    certificates.public_key(urls[0], now)  # evicted long ago: downloaded again
    assert fetcher.calls == [*urls, urls[0]]


def test_failed_chains_are_remembered_briefly(store: Store) -> None:
    url = CHAIN_URL_PREFIX + "missing.pem"
    fetcher = CountingFetcher({})
    certificates = SigningCertificates(fetcher, store, failure_ttl=60)
    for _ in range(5):
        with pytest.raises(RefusedError, match="fetched"):
            certificates.public_key(url, datetime.now(UTC))
    assert fetcher.calls == [url]


# ---------------------------------------------------------------- the test-only directory fetcher


def test_directory_fetcher_serves_only_plain_names_under_echo_api(
    tmp_path: Path, pki: TestPKI
) -> None:
    (tmp_path / "good.pem").write_bytes(pki.chain_pem)
    (tmp_path.parent / "secret.pem").write_bytes(b"secret")
    fetch = DirectoryFetcher(tmp_path)
    assert fetch(CHAIN_URL_PREFIX + "good.pem") == pki.chain_pem
    for url in [
        CHAIN_URL_PREFIX + "../secret.pem",
        CHAIN_URL_PREFIX + ".hidden",
        CHAIN_URL_PREFIX + "sub/good.pem",
        "https://example.com/echo.api/good.pem",
        CHAIN_URL_PREFIX + "absent.pem",
    ]:
        with pytest.raises(RefusedError):
            fetch(url)


def test_refusal_reasons_never_quote_the_request(gate: RequestGate, signer: AlexaSigner) -> None:
    listener = Listener(skill_id=OTHER_SKILL_ID)
    envelope = Session(listener).launch()
    with pytest.raises(RefusedError) as refused:
        _check(gate, *signer.sign(envelope))
    message = str(refused.value)
    for secret in (listener.user_id, listener.device_id, OTHER_SKILL_ID, json.dumps(envelope)):
        assert secret not in message


# ---------------------------------------------------------------- downloads never queue


class HeldFetcher(CountingFetcher):
    """A download that lasts until the test lets it finish, like a slow chain server."""

    def __init__(self, chains: dict[str, bytes]) -> None:
        super().__init__(chains)
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        self.started.set()
        self.release.wait(10)
        if url not in self.chains:
            raise RefusedError("certificate chain could not be fetched")
        return self.chains[url]


def _in_thread(call: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Run ``call`` in a thread; its result or exception lands in the returned list."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_miss_never_waits_behind_another_urls_download(pki: TestPKI, store: Store) -> None:
    slow, other = CHAIN_URL_PREFIX + "slow.pem", CHAIN_URL_PREFIX + "other.pem"
    fetcher = HeldFetcher({slow: pki.chain_pem, other: pki.chain_pem})
    certificates = SigningCertificates(fetcher, store)
    now = datetime.now(UTC)
    downloading, _ = _in_thread(lambda: certificates.public_key(slow, now))
    assert fetcher.started.wait(5)
    try:
        queued, outcome = _in_thread(lambda: certificates.public_key(other, now))
        queued.join(2)  # the download above still holds; a queued miss would still be waiting
        assert not queued.is_alive(), "a miss for another URL waited behind a download"
        assert isinstance(outcome[0], RefusedError) and outcome[0].status == 503
        assert fetcher.calls == [slow]
    finally:
        fetcher.release.set()
        downloading.join(5)


def test_requests_for_the_url_being_downloaded_share_that_download(
    pki: TestPKI, store: Store
) -> None:
    url = CHAIN_URL_PREFIX + "shared.pem"
    fetcher = HeldFetcher({url: pki.chain_pem})
    certificates = SigningCertificates(fetcher, store)
    now = datetime.now(UTC)
    first, first_key = _in_thread(lambda: certificates.public_key(url, now))
    assert fetcher.started.wait(5)
    second, second_key = _in_thread(lambda: certificates.public_key(url, now))
    fetcher.release.set()
    first.join(5)
    second.join(5)
    expected = pki.leaf_key.public_key().public_numbers()
    assert [key.public_numbers() for key in first_key + second_key] == [expected] * 2  # type: ignore[attr-defined]
    assert fetcher.calls == [url]


def test_a_cached_chain_is_served_while_another_download_runs(pki: TestPKI, store: Store) -> None:
    cached, slow = CHAIN_URL_PREFIX + "cached.pem", CHAIN_URL_PREFIX + "slow.pem"
    fetcher = HeldFetcher({cached: pki.chain_pem, slow: pki.chain_pem})
    certificates = SigningCertificates(fetcher, store)
    now = datetime.now(UTC)
    fetcher.release.set()
    certificates.public_key(cached, now)
    fetcher.release.clear()
    downloading, _ = _in_thread(lambda: certificates.public_key(slow, now))
    try:
        assert fetcher.started.wait(5)
        hit, outcome = _in_thread(lambda: certificates.public_key(cached, now))
        hit.join(2)
        assert not hit.is_alive() and not isinstance(outcome[0], Exception)
    finally:
        fetcher.release.set()
        downloading.join(5)


def test_new_urls_downloaded_per_minute_are_bounded(pki: TestPKI, store: Store) -> None:
    """One-off URLs get the budget less its reserve; a URL asked for again gets the reserve."""
    urls = [f"{CHAIN_URL_PREFIX}flood-{n}.pem" for n in range(6)]
    wanted = CHAIN_URL_PREFIX + "wanted.pem"
    fetcher = CountingFetcher({wanted: pki.chain_pem})  # the flood's downloads all fail
    clock = [1000.0]
    certificates = SigningCertificates(
        fetcher, store, downloads_per_minute=4, reserved_for_wanted=1, monotonic=lambda: clock[0]
    )
    now = datetime.now(UTC)
    statuses = []
    for url in urls:
        with pytest.raises(RefusedError) as refused:
            certificates.public_key(url, now)
        statuses.append(refused.value.status)
    assert fetcher.calls == urls[:3]
    assert statuses == [400] * 3 + [503] * 3
    with pytest.raises(RefusedError) as refused:  # asked once: no budget left for it
        certificates.public_key(wanted, now)
    assert refused.value.status == 503
    certificates.public_key(wanted, now)  # asked again: the reserved download is its
    with pytest.raises(RefusedError) as refused:
        certificates.public_key(urls[5], now)
    assert refused.value.status == 503
    assert fetcher.calls == [*urls[:3], wanted]
    clock[0] += 61  # a minute later the budget is back
    with pytest.raises(RefusedError):
        certificates.public_key(urls[5], now)
    assert fetcher.calls == [*urls[:3], wanted, urls[5]]


# ---------------------------------------------------------------- known-good keys survive a flood


class GatedFetcher(CountingFetcher):
    """Serves chains from a dict; downloads of ``held`` URLs wait until ``release`` is set."""

    def __init__(self, chains: dict[str, bytes], held: set[str]) -> None:
        super().__init__(chains)
        self.held = held
        self.started = threading.Event()
        self.release = threading.Event()
        self.fail_held = False

    def __call__(self, url: str) -> bytes:
        if url in self.held:
            self.started.set()
            self.release.wait(10)
            if self.fail_held:
                self.calls.append(url)
                raise RefusedError("certificate chain could not be fetched")
        return super().__call__(url)


def _flood(certificates: SigningCertificates, now: datetime, count: int) -> list[int]:
    statuses = []
    for n in range(count):
        with pytest.raises(RefusedError) as refused:
            certificates.public_key(f"{CHAIN_URL_PREFIX}flood-{n}.pem", now)
        statuses.append(refused.value.status)
    return statuses


def test_a_due_refresh_runs_beside_the_verified_key_whatever_a_flood_has_used(
    pki: TestPKI, store: Store
) -> None:
    """The review's 6-hourly re-check: no genuine request may wait or be refused for it."""
    genuine = CHAIN_URL_PREFIX + "genuine.pem"
    fetcher = GatedFetcher({genuine: pki.chain_pem}, held=set())
    clock = [1000.0]
    certificates = SigningCertificates(
        fetcher, store, max_age=3600, failure_ttl=10, monotonic=lambda: clock[0]
    )
    now = datetime.now(UTC)
    key = certificates.public_key(genuine, now).public_numbers()
    assert 503 in _flood(certificates, now, 40)  # the unknown lane's budget is spent
    clock[0] += 3601  # the re-check is due; the refresh's download will hang a while
    fetcher.held, fetcher.fail_held = {genuine}, True
    for _ in range(20):
        started = time.monotonic()
        assert certificates.public_key(genuine, now).public_numbers() == key
        assert time.monotonic() - started < 0.5  # never waits for the refresh
    assert fetcher.started.wait(5)  # the refresh is running, in the background
    fetcher.release.set()
    for _ in range(50):  # the refresh fails: the key stays, a retry comes after failure_ttl
        if fetcher.calls.count(genuine) == 2:
            break
        time.sleep(0.05)
    assert certificates.public_key(genuine, now).public_numbers() == key
    assert fetcher.calls.count(genuine) == 2
    fetcher.fail_held = False
    clock[0] += 11
    assert certificates.public_key(genuine, now).public_numbers() == key
    for _ in range(50):
        if fetcher.calls.count(genuine) == 3:
            break
        time.sleep(0.05)
    assert fetcher.calls.count(genuine) == 3
    time.sleep(0.1)
    assert certificates._good[genuine].verified_at == clock[0]  # refreshed in place


def test_a_known_good_url_never_waits_for_the_unknown_lane(pki: TestPKI, store: Store) -> None:
    """A chain dropped from a full cache is downloaded again beside a running flood download."""
    genuine, other = CHAIN_URL_PREFIX + "genuine.pem", CHAIN_URL_PREFIX + "other.pem"
    slow = CHAIN_URL_PREFIX + "flood-slow.pem"
    fetcher = GatedFetcher({genuine: pki.chain_pem, other: pki.chain_pem}, held={slow})
    certificates = SigningCertificates(fetcher, store, max_entries=1)
    now = datetime.now(UTC)
    certificates.public_key(genuine, now)
    certificates.public_key(other, now)  # the cache holds one: genuine is dropped
    flood, _ = _in_thread(lambda: certificates.public_key(slow, now))
    try:
        assert fetcher.started.wait(5)  # the unknown lane's one download is busy
        certificates.public_key(genuine, now)  # served through the known-good lane
        assert fetcher.calls == [genuine, other, genuine]
    finally:
        fetcher.release.set()
        flood.join(5)


def test_a_url_many_requests_want_wins_the_unknown_lane_over_one_off_urls(
    pki: TestPKI, store: Store
) -> None:
    """A fresh worker under a flood: Alexa's URL is in every genuine request, a flood URL in one."""
    genuine = CHAIN_URL_PREFIX + "genuine.pem"
    fetcher = CountingFetcher({genuine: pki.chain_pem})
    certificates = SigningCertificates(fetcher, store)
    now = datetime.now(UTC)
    assert 503 in _flood(certificates, now, 12)  # the flood came first and took what it could
    outcomes: list[int] = []
    for round_number in range(30):
        outcomes += _flood_round(certificates, now, round_number)
        try:
            certificates.public_key(genuine, now)
            break
        except RefusedError as refused:
            assert refused.status == 503
    else:
        pytest.fail("the genuine chain never got a download")
    assert round_number <= 1  # its second request
    assert fetcher.calls.count(genuine) == 1
    assert set(outcomes) == {503}  # and the flood got no more downloads meanwhile


def _flood_round(certificates: SigningCertificates, now: datetime, round_number: int) -> list[int]:
    statuses = []
    for n in range(5):
        with pytest.raises(RefusedError) as refused:
            certificates.public_key(f"{CHAIN_URL_PREFIX}flood-{round_number}-{n}.pem", now)
        statuses.append(refused.value.status)
    return statuses
