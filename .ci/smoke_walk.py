"""The production smoke test's walk: what a school, a parent, a cashier's till and an attacker do, over HTTPS.

Run by ``.ci/smoke`` against the portal it started exactly as ``deploy/`` installs it (nginx, gunicorn, a Celery
worker and beat, PostgreSQL behind PgBouncer in transaction pooling, Redis, an SMTP sink). Any answer of 500 or
more, an email that does not arrive within a minute or a step that does not do what it should ends the walk
with the reason. Standard library and ``requests`` only.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import re
import sys
import time
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from slow_clients import attack

EMAIL_WAIT_SECONDS = 60
VISITS_PER_PAGE = 6  # parent pages, each more often than PgBouncer has server connections
SCHOOL, SCHOOL_STAFF = "4388", ("ecole@demo.openself.fr", "demo-ecole-2026")
DEMO_PARENT = ("parent@demo.openself.fr", "demo-parent-2026")
NEW_CHILD = {"card_digits": "10003", "last_name": "Bernard", "first_name": "Chloé"}  # no guardian in the demo


class WalkFailed(Exception):
    pass


def step(title: str) -> None:
    print(f"--- {title}", flush=True)


class Visitor:
    """One browser: its cookies, and every answer checked for a server error."""

    def __init__(self, base: str, ca: str):
        self.base, self.ca, self.session = base, ca, requests.Session()
        self.session.headers["Origin"] = base  # Django's CSRF check of HTTPS posts
        self.requests = 0

    def go(self, method: str, path: str, expect: tuple[int, ...] = (200, 302), **kwargs) -> requests.Response:
        url = path if path.startswith("http") else self.base + path
        response = self.session.request(method, url, allow_redirects=False, timeout=30, verify=self.ca, **kwargs)
        self.requests += 1
        if response.status_code >= 500 or response.status_code not in expect:
            raise WalkFailed(f"{method} {path} answered {response.status_code}: {response.text[:600]}")
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.go("GET", path, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        self.get(path) if "csrftoken" not in self.session.cookies else None
        data = {"csrfmiddlewaretoken": self.session.cookies["csrftoken"], **data}
        return self.go("POST", path, data=data, **kwargs)

    def follow(self, response: requests.Response) -> requests.Response:
        while response.status_code == 302:
            response = self.get(response.headers["Location"])
        return response


class Mailbox:
    """The SMTP sink's folder: one file per message received."""

    def __init__(self, folder: Path):
        self.folder = folder

    def wait_for(self, to: str, subject_part: str, after: float) -> EmailMessage:
        deadline = time.monotonic() + EMAIL_WAIT_SECONDS
        while time.monotonic() < deadline:
            for path in sorted(self.folder.glob("*.eml")):
                if path.stat().st_mtime < after:
                    continue
                message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                if to in message["To"] and subject_part.lower() in message["Subject"].lower():
                    return message
            time.sleep(0.5)
        raise WalkFailed(f"no email to {to} about {subject_part!r} within {EMAIL_WAIT_SECONDS} s")


def link_in(message: EmailMessage, site: str, path_part: str) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    links = re.findall(r"https?://\S+", body)
    wanted = [link for link in links if path_part in link]
    if not wanted:
        raise WalkFailed(f"no {path_part} link in {message['Subject']!r}: {links}")
    if not all(link.startswith(site + "/") for link in wanted):
        raise WalkFailed(f"a link does not start with SITE_URL {site}: {wanted}")
    return wanted[0]


def log_in(visitor: Visitor, login: str, password: str) -> None:
    response = visitor.post(f"/e/{SCHOOL}/", {"username": login, "password": password})
    if response.status_code != 302:
        raise WalkFailed(f"{login} could not log in: {response.status_code}")


def walk_parent_pages(visitor: Visitor) -> list[int]:
    """Every page of the parent's side, several times each; returns the children's ids."""
    home = visitor.get("/accueil/").text
    children = sorted({int(pk) for pk in re.findall(r"/enfants/(\d+)/historique/", home)})
    if not children:
        raise WalkFailed("the home page shows no child")
    pages = [
        "/accueil/",
        "/comptes/",
        "/comptes/famille/",
        "/paiements/",
        "/messages/",
        "/notifications/",
        "/profil/",
        "/autres-moyens-de-paiement/",
        "/reservations/",
        "/profil/quotient-familial/",
        "/profil/supprimer/",
        "/donnees-personnelles/",
        "/mentions-legales/",
        "/profil/mes-donnees.json",
        "/profil/mes-donnees.csv",
    ]
    pages += [f"/enfants/{pk}/historique/" for pk in children] + [f"/enfants/{pk}/historique.csv" for pk in children]
    for _ in range(VISITS_PER_PAGE):
        for page in pages:
            visitor.get(page, expect=(200,))
    return children


def request_and_validate_an_account(base: str, ca: str, mailbox: Mailbox, site: str, parent_email: str) -> Visitor:
    step("an account request, validated by the school in the admin")
    parent = Visitor(base, ca)
    asked = time.time()
    data = {**NEW_CHILD, "email": parent_email, "email_again": parent_email, "terms": "on", "website": ""}
    if parent.post(f"/e/{SCHOOL}/demande/", data).status_code != 302:
        raise WalkFailed("the account request was not accepted")
    staff = Visitor(base, ca)
    staff.post("/admin/login/?next=/admin/", {"username": SCHOOL_STAFF[0], "password": SCHOOL_STAFF[1]})
    listing = staff.get("/admin/accounts/accountrequest/", params={"q": parent_email}).text
    found = re.findall(r"/admin/accounts/accountrequest/(\d+)/change/", listing)
    if not found:
        raise WalkFailed("the school's staff do not see the request")
    validate = f"/admin/accounts/accountrequest/{found[0]}/valider/"
    pupil = re.search(r'name="pupil" value="(\d+)"', staff.get(validate).text)
    if not pupil:
        raise WalkFailed("the request is not a sure match for its card")
    if staff.post(validate, {"pupil": pupil.group(1)}).status_code != 302:
        raise WalkFailed("the validation was refused")

    step("the activation email, its link, the parent's password")
    activation = mailbox.wait_for(parent_email, "mot de passe", asked)
    link = link_in(activation, site, "/compte/activer/")
    form = parent.follow(parent.get(link))
    password = "smoke-" + uuid.uuid4().hex[:12]
    done = parent.post(form.url, {"new_password1": password, "new_password2": password})
    if done.status_code != 302:
        raise WalkFailed(f"the activation form refused the password: {done.status_code}")
    parent.password = password
    return parent


def till_batch(base: str, ca: str, token: str) -> None:
    step("a till batch")
    now = datetime.now(ZoneInfo("Europe/Paris")).replace(microsecond=0)
    passages = [
        {"card": card, "at": (now - timedelta(minutes=i)).isoformat(), "ref": f"smoke-{uuid.uuid4().hex}"}
        for i, card in enumerate(["10001", "10003"])
    ]
    response = requests.post(
        f"{base}/api/till/meals",
        json={"passages": passages},
        headers={"Authorization": f"Bearer {token}"},
        verify=ca,
        timeout=30,
    )
    if response.status_code != 200:
        raise WalkFailed(f"the till batch answered {response.status_code}: {response.text[:300]}")
    statuses = [result["status"] for result in response.json()["results"]]
    if statuses != ["recorded", "recorded"]:
        raise WalkFailed(f"the till batch was not recorded: {response.text[:300]}")


def demo_top_up(parent: Visitor, mailbox: Mailbox, pupil_id: int, parent_email: str) -> None:
    step("a top-up through the demo provider, and its receipt")
    started = time.time()
    response = parent.post("/comptes/", {"pupil": str(pupil_id), "amount": "20,00", "pay": ""})
    if response.status_code != 302 or "/demonstration/" not in response.headers["Location"]:
        raise WalkFailed(f"the top-up did not lead to the payment page: {response.status_code}")
    page = response.headers["Location"]
    paid = parent.post(page, {"validate": ""})
    if "Paiement accepté" not in parent.follow(paid).text:
        raise WalkFailed("the return page does not say the payment was accepted")
    mailbox.wait_for(parent_email, "reçu", started)


def password_reset(base: str, ca: str, mailbox: Mailbox, site: str, parent_email: str) -> None:
    step("a password reset, asked with a Host of the attacker's choosing")
    visitor = Visitor(base, ca)
    asked = time.time()
    visitor.get("/mot-de-passe/oublie/")
    # requests picks cookies by the Host header: the CSRF cookie is given by hand.
    forged = {"Host": "127.0.0.1:6666", "Cookie": f"csrftoken={visitor.session.cookies['csrftoken']}"}
    if visitor.post("/mot-de-passe/oublie/", {"email": parent_email}, headers=forged).status_code != 302:
        raise WalkFailed("the password reset was not accepted")
    message = mailbox.wait_for(parent_email, "mot de passe", asked)
    link = link_in(message, site, "/mot-de-passe/nouveau/")
    form = visitor.follow(visitor.get(link))
    password = "smoke-reset-" + uuid.uuid4().hex[:8]
    if visitor.post(form.url, {"new_password1": password, "new_password2": password}).status_code != 302:
        raise WalkFailed("the new password was refused")
    again = Visitor(base, ca)
    log_in(again, parent_email, password)


def readiness(base: str, ca: str) -> None:
    step("/readyz")
    answer = requests.get(f"{base}/readyz", verify=ca, timeout=10).json()
    if answer.get("status") != "ok" or answer.get("broker") != "ok":
        raise WalkFailed(f"/readyz is not ok: {answer}")


def slow_clients(host: str, port: int, ca: str) -> None:
    step("eight slow clients (a byte a second) while a load balancer probes /healthz")
    probes = attack(host, port, clients=8, seconds=20, tls_ca=ca, server_name="localhost")
    failed = [probe for probe in probes if not probe.ok]
    print(f"    {len(probes) - len(failed)} of {len(probes)} probes answered within 5 s", flush=True)
    if failed:
        raise WalkFailed(f"/healthz did not answer under slow clients: {failed[:3]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True, help="the portal's public address (SITE_URL)")
    parser.add_argument("--ca", required=True, help="the self-signed certificate nginx serves")
    parser.add_argument("--mail", required=True, type=Path, help="the SMTP sink's folder")
    parser.add_argument("--till-token", required=True)
    args = parser.parse_args()
    base, mailbox = args.base.rstrip("/"), Mailbox(args.mail)
    parent_email = f"smoke-{uuid.uuid4().hex[:8]}@example.org"
    started = time.monotonic()
    try:
        readiness(base, args.ca)
        parent = request_and_validate_an_account(base, args.ca, mailbox, base, parent_email)
        step("the new parent logs in and opens every page")
        log_in(parent, parent_email, parent.password)
        children = walk_parent_pages(parent)
        step("the demo parent, with a history and a forecast, opens every page")
        demo = Visitor(base, args.ca)
        log_in(demo, *DEMO_PARENT)
        walk_parent_pages(demo)
        till_batch(base, args.ca, args.till_token)
        demo_top_up(parent, mailbox, children[0], parent_email)
        walk_parent_pages(parent)
        password_reset(base, args.ca, mailbox, base, parent_email)
        readiness(base, args.ca)
        host, port = re.match(r"https://([^:/]+):(\d+)", base).groups()
        slow_clients(host, int(port), args.ca)
    except WalkFailed as failure:
        print(f"SMOKE WALK FAILED: {failure}", flush=True)
        return 1
    visits = parent.requests + demo.requests
    print(json.dumps({"walk": "ok", "seconds": round(time.monotonic() - started, 1), "parent_requests": visits}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
