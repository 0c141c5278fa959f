"""Slow clients against the portal: do they take it down?

Each attacking client opens a connection and sends the headers of a POST to the Stripe webhook (which reads
its whole body first) announcing a body, then one byte of it a second; half of them dribble header lines
instead. Meanwhile a load balancer's probe asks for
``/healthz`` every second and waits at most 5 s. Against gunicorn's sync workers served directly, as many
slow clients as workers hold every worker; behind the nginx site of ``deploy/`` (request buffering, 10 s
body and header timeouts) the workers never see them.

    python bench/slow_clients.py 127.0.0.1 8000                       # gunicorn directly
    python bench/slow_clients.py localhost 8443 --tls-ca cert.pem     # through nginx

Prints each probe and how many answered in time.
"""

from __future__ import annotations

import argparse
import socket
import ssl
import threading
import time
from dataclasses import dataclass

PROBE_TIMEOUT = 5.0


@dataclass
class Probe:
    at: float  # seconds since the attack began
    ok: bool
    seconds: float
    answer: str


def _connect(host: str, port: int, tls_ca: str | None, server_name: str | None) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=PROBE_TIMEOUT)
    if tls_ca is None:
        return sock
    context = ssl.create_default_context(cafile=tls_ca)
    return context.wrap_socket(sock, server_hostname=server_name or host)


def _dribble(host: str, port: int, tls_ca, server_name, stop: threading.Event, headers_only: bool) -> None:
    """One slow client, reconnecting whenever the server hangs up on it, until ``stop``."""
    name = server_name or host
    while not stop.is_set():
        sock = None
        try:
            sock = _connect(host, port, tls_ca, server_name)
            sock.settimeout(1)
            if headers_only:
                sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {name}\r\n".encode())
                chunks = (f"X-Slow-{i}: a\r\n".encode() for i in range(10_000))
            else:
                head = f"POST /billing/stripe/webhook/ HTTP/1.1\r\nHost: {name}\r\nStripe-Signature: t=1,v1=0\r\n"
                sock.sendall((head + "Content-Length: 100000\r\n\r\n").encode())
                chunks = (b"a" for _ in range(100_000))
            for chunk in chunks:
                if stop.wait(1.0):
                    break
                sock.sendall(chunk)
        except OSError:
            time.sleep(0.2)  # hung up on: start again, as an attacker would
        finally:
            if sock is not None:
                sock.close()


def _probe(host: str, port: int, tls_ca, server_name) -> tuple[bool, str]:
    try:
        sock = _connect(host, port, tls_ca, server_name)
        sock.settimeout(PROBE_TIMEOUT)
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {server_name or host}\r\nConnection: close\r\n\r\n".encode())
        answer = sock.recv(64).decode(errors="replace").split("\r\n")[0]
        sock.close()
        return answer.startswith("HTTP/1.1 200"), answer
    except OSError as exc:
        return False, repr(exc)


def attack(
    host: str, port: int, *, clients: int = 8, seconds: float = 20, tls_ca: str | None = None, server_name=None
) -> list[Probe]:
    stop = threading.Event()
    threads = [
        threading.Thread(target=_dribble, args=(host, port, tls_ca, server_name, stop, i % 2 == 1), daemon=True)
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # the slow clients are in
    probes, began = [], time.monotonic()
    while time.monotonic() - began < seconds:
        started = time.monotonic()
        ok, answer = _probe(host, port, tls_ca, server_name)
        took = time.monotonic() - started
        probes.append(Probe(round(started - began, 1), ok and took < PROBE_TIMEOUT, round(took, 2), answer))
        time.sleep(max(0.0, 1.0 - took))
    stop.set()
    for thread in threads:
        thread.join(timeout=3)
    return probes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--tls-ca", help="the server's certificate, for HTTPS")
    parser.add_argument("--server-name", help="TLS server name and Host header (default: host)")
    args = parser.parse_args()
    probes = attack(
        args.host,
        args.port,
        clients=args.clients,
        seconds=args.seconds,
        tls_ca=args.tls_ca,
        server_name=args.server_name,
    )
    for probe in probes:
        print(f"{probe.at:6.1f} s  {'ok ' if probe.ok else 'LATE'}  {probe.seconds:5.2f} s  {probe.answer}")
    answered = sum(probe.ok for probe in probes)
    print(
        f"{args.clients} slow clients: {answered} of {len(probes)} /healthz probes answered within {PROBE_TIMEOUT:.0f} s"
    )


if __name__ == "__main__":
    main()
