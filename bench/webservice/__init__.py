"""Load benchmark of the web service: ``python -m bench.webservice`` (part of ``make bench``).

Three gunicorn services are started from the same config (webservice/gunicorn.conf.py)
with signature verification ON: the massage guide without memory and with its local
SQLite memory, and a hello-world skill (bench/baselines/hello_webservice.py) behind
the same factory and verifier. A bounded closed-loop load generator (one process
per connection, http.client, every request freshly signed by a throwaway test
CA) drives them in alternating rounds on 127.0.0.1 and writes requests per
second, latency percentiles and errors to docs/bench-webservice.md.

Then the certificate-download flood from the security review: a fourth gunicorn
downloads chains through its real urllib fetcher from a slow loopback server
(0.25 s a download, the CERT_CHAIN_ORIGIN test hook), and genuine requests are
timed alone and beside 32 attacking connections that name a new chain URL in
every request.

Not a test: it takes a minute or more. Every loop is bounded by time and count.

The rooms: ``services`` (the gunicorn processes under test), ``load`` (the signed
request pool, the client processes and one round), ``flood`` (the attack and its
rounds), ``report`` (docs/bench-webservice.md) and ``__main__`` (the command).
"""
