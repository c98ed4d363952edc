"""The authorization matrix: every API endpoint and every page of the app (walked from Flask's
url_map), for every role of a park, against the roles expected to get past authorization.

Roles: the park administrator and auditor, a producer's admin and operator (p1), another
producer's operator (p2op), the transporter's admin, the driver assigned to the manifest (t),
another operator of the transporter (t2), the receiver's operator (r1), and anonymous.

Each request is made against one resource of p1 handed to t and r1 (a batch awaiting pickup on
a manifest t drives, its booking, its contract, ...). A POST or PUT carries an empty body (JSON
``{}``, or a form holding only the CSRF token): a role that may act gets past authorization and
is then refused by validation or by the resource's state (400/409/422) or served (2xx/3xx); a
role that may not gets 401, 403 or 404, or the login page, before anything it sent is
validated. A route missing from ``MATRIX`` fails the test: every new endpoint and page needs
its line here.
"""

from __future__ import annotations

import datetime as dt
import io
import re

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hwtrace.domain import monitoring
from hwtrace.services import monitoring as monitoring_svc
from tests.api.test_approvals import add_receiver
from tests.factories import PASSWORD, World, page_client

ROLES = ("park", "auditor", "p1admin", "p1op", "p2op", "tadmin", "t", "t2", "r1", "anon")
USERS = frozenset(ROLES) - {"anon"}
PARK = frozenset({"park", "auditor"})
P1 = frozenset({"p1admin", "p1op"})
T = frozenset({"tadmin", "t", "t2"})
ADMINS = frozenset({"park", "p1admin", "tadmin"})  # admins of an enterprise or of the park
ENTERPRISES = USERS - PARK  # every enterprise user
PRODUCERS = P1 | {"p2op"}
PARTIES = PARK | P1 | T | {"r1"}  # who sees p1's batch, booking and manifest
EVERYONE = frozenset(ROLES)
NOBODY: frozenset[str] = frozenset()


def S(*names: str) -> frozenset[str]:
    return frozenset(names)


# (method, rule) -> the roles that get past authorization. Add a line for every new route.
MATRIX: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/"): USERS,
    # The working-day calendar (部令第23号 第十八条, 第二十条) and trips (第十六条).
    ("GET", "/calendar"): PARK,
    ("POST", "/calendar"): S("park"),
    ("GET", "/trips"): PARK | T,
    ("GET", "/m/trips"): PARK | T,
    # A transporter's vehicles and personnel, checked at loading (第十三条第三款): its admin
    # keeps them; its users and the park see them.
    ("GET", "/api/v1/vehicles"): PARK | T,
    ("POST", "/api/v1/vehicles"): S("tadmin"),
    ("PUT", "/api/v1/vehicles/<int:vehicle_id>"): S("tadmin"),
    ("GET", "/api/v1/transport-staff"): PARK | T,
    ("POST", "/api/v1/transport-staff"): S("tadmin"),
    ("PUT", "/api/v1/transport-staff/<int:staff_id>"): S("tadmin"),
    ("GET", "/fleet"): PARK | T,
    ("POST", "/fleet"): S("tadmin"),
    ("GET", "/fleet/vehicles/<int:vehicle_id>"): S("tadmin"),
    ("POST", "/fleet/vehicles/<int:vehicle_id>"): S("tadmin"),
    ("GET", "/fleet/staff/<int:staff_id>"): S("tadmin"),
    ("POST", "/fleet/staff/<int:staff_id>"): S("tadmin"),
    ("POST", "/api/v1/auth/login"): EVERYONE,
    ("POST", "/api/v1/auth/password"): USERS,
    # the second factor: every user its own; another's (a lost phone) by its admins
    ("GET", "/api/v1/auth/totp"): USERS,
    ("POST", "/api/v1/auth/totp"): USERS,
    ("POST", "/api/v1/auth/totp/confirm"): USERS,
    ("POST", "/api/v1/auth/totp/disable"): USERS,
    ("POST", "/api/v1/users/<int:user_id>/totp/disable"): S("park", "p1admin"),
    ("GET", "/account"): USERS,
    ("POST", "/account/totp"): USERS,
    ("POST", "/account/totp/confirm"): USERS,
    ("POST", "/account/totp/disable"): USERS,
    ("GET", "/api/v1/auth/tokens"): USERS,
    ("POST", "/api/v1/auth/tokens"): USERS,
    ("DELETE", "/api/v1/auth/tokens/<int:token_id>"): S("park", "p1admin"),
    ("GET", "/api/v1/batches"): USERS,
    ("POST", "/api/v1/batches"): S("p1admin", "p1op", "p2op"),
    ("GET", "/api/v1/batches/<code>"): PARTIES,
    ("POST", "/api/v1/batches/<code>/corrections"): P1,
    ("POST", "/api/v1/batches/<code>/events"): S("p1admin", "p1op", "tadmin", "t", "t2", "r1"),
    ("GET", "/api/v1/batches/<code>/history"): PARTIES,
    ("GET", "/api/v1/batches/<code>/label"): PARTIES,
    ("POST", "/api/v1/batches/<code>/reprint"): P1,
    ("GET", "/api/v1/bookings"): USERS,
    ("POST", "/api/v1/bookings"): S("p1admin", "p1op", "p2op"),
    ("GET", "/api/v1/bookings/<int:booking_id>"): PARTIES,
    ("POST", "/api/v1/bookings/<int:booking_id>/accept"): T,
    ("POST", "/api/v1/bookings/<int:booking_id>/cancel"): P1,
    ("POST", "/api/v1/bookings/<int:booking_id>/decline"): T,
    ("POST", "/api/v1/bookings/<int:booking_id>/manifest"): P1,
    ("POST", "/api/v1/bookings/<int:booking_id>/reschedule"): S(
        "p1admin", "p1op", "tadmin", "t", "t2"
    ),
    ("GET", "/api/v1/code-reservations"): USERS,
    ("POST", "/api/v1/code-reservations"): S("p1admin", "p1op", "p2op"),
    ("GET", "/api/v1/contracts"): USERS,
    ("POST", "/api/v1/contracts"): S("p1admin"),
    ("GET", "/api/v1/contracts/<int:contract_id>"): S("park", "auditor", "p1admin", "p1op", "r1"),
    ("POST", "/api/v1/contracts/<int:contract_id>/confirm"): NOBODY,
    ("GET", "/api/v1/contracts/<int:contract_id>/document"): S(
        "park", "auditor", "p1admin", "p1op", "r1"
    ),
    ("POST", "/api/v1/contracts/<int:contract_id>/refuse"): NOBODY,
    ("POST", "/api/v1/contracts/<int:contract_id>/terminate"): S("p1admin"),
    # cross-province transfer approvals (部令第23号 第二十一–二十八条)
    ("GET", "/api/v1/transfer-approvals"): USERS,
    ("POST", "/api/v1/transfer-approvals"): S("park", "p1admin"),
    ("POST", "/api/v1/transfer-approvals/<int:approval_id>/withdraw"): S("park", "p1admin"),
    ("GET", "/api/v1/declarations"): USERS,
    ("POST", "/api/v1/declarations"): S("p1admin", "tadmin"),
    ("GET", "/api/v1/declarations/due"): USERS,
    ("GET", "/api/v1/declarations/report"): USERS,
    ("GET", "/api/v1/declarations/report.pdf"): USERS,
    ("GET", "/api/v1/declarations/report.xlsx"): USERS,
    ("GET", "/api/v1/discrepancies"): USERS,
    ("POST", "/api/v1/discrepancies/<int:discrepancy_id>/resolve"): NOBODY,
    ("GET", "/api/v1/docs"): EVERYONE,
    ("GET", "/api/v1/docs/assets/<name>"): EVERYONE,
    ("GET", "/api/v1/docs/init.js"): EVERYONE,
    ("GET", "/api/v1/enterprises"): USERS,
    ("POST", "/api/v1/enterprises"): S("park"),
    ("GET", "/api/v1/enterprises/<int:enterprise_id>"): S("park", "auditor", "p1admin", "p1op"),
    ("PUT", "/api/v1/enterprises/<int:enterprise_id>"): S("park"),
    ("PUT", "/api/v1/enterprises/<int:enterprise_id>/management-class"): S("park"),
    ("GET", "/api/v1/exports/annual-report.pdf"): USERS,
    ("GET", "/api/v1/exports/batches.csv"): USERS,
    ("GET", "/api/v1/exports/batches.xlsx"): USERS,
    ("GET", "/api/v1/exports/bundle.json"): USERS,
    ("GET", "/api/v1/exports/hj1259-records.xlsx"): USERS,
    ("GET", "/api/v1/exports/ledger.csv"): USERS,
    ("GET", "/api/v1/exports/ledger.xlsx"): USERS,
    ("GET", "/api/v1/facilities"): USERS,
    ("POST", "/api/v1/facilities"): S("p1admin", "tadmin"),
    ("GET", "/api/v1/facilities/<int:facility_id>"): S("park", "auditor", "p1admin", "p1op"),
    ("GET", "/api/v1/facilities/<int:facility_id>/sign"): S("park", "auditor", "p1admin", "p1op"),
    ("GET", "/api/v1/ledger/checkpoint"): USERS,
    ("GET", "/api/v1/ledger/consistency"): USERS,
    ("GET", "/api/v1/ledger/entries"): USERS,
    ("GET", "/api/v1/ledger/entries/<int:seq>"): PARTIES,
    ("GET", "/api/v1/ledger/entries/<int:seq>/proof"): PARTIES,
    ("POST", "/api/v1/ledger/verify"): PARK,
    ("GET", "/api/v1/manifests"): USERS,
    ("GET", "/api/v1/manifests/<number>"): PARTIES,
    ("POST", "/api/v1/manifests/<number>/cancel"): P1,
    ("POST", "/api/v1/manifests/<number>/confirm"): S("r1"),
    ("POST", "/api/v1/manifests/<number>/depart"): S("tadmin", "t"),
    ("POST", "/api/v1/manifests/<number>/load"): S("tadmin", "t"),
    ("GET", "/api/v1/manifests/<number>/pdf"): PARTIES,
    ("POST", "/api/v1/manifests/<number>/receive"): S("r1"),
    # a mismatch at receipt (部令第23号 第十八条第二款): the receiver decides; the report is the
    # receiver's and the park's only
    ("POST", "/api/v1/manifests/<number>/decisions"): S("r1"),
    ("GET", "/api/v1/manifests/<number>/receipt-report"): PARK | S("r1"),
    ("GET", "/api/v1/manifests/<number>/receipt-report.<fmt>"): PARK | S("r1"),
    # emergency paper manifests (第二十条): producers enter them; the parties read them
    ("POST", "/api/v1/paper-manifests"): PRODUCERS,
    ("GET", "/api/v1/paper-manifests"): USERS,
    ("GET", "/api/v1/paper-manifests/<int:paper_id>/scan"): PARTIES,
    ("GET", "/api/v1/me"): USERS,
    ("GET", "/api/v1/openapi.json"): EVERYONE,
    ("GET", "/api/v1/reference/disposal-methods"): USERS,
    ("GET", "/api/v1/reference/waste-codes"): USERS,
    ("GET", "/api/v1/storage-rooms"): USERS,
    ("POST", "/api/v1/storage-rooms"): S("p1admin"),
    # each item of a sync is authorized by its own route (and answered in its results)
    ("POST", "/api/v1/sync"): USERS,
    ("GET", "/api/v1/users"): S("park", "auditor", "p1admin", "tadmin"),
    ("POST", "/api/v1/users"): S("park", "p1admin", "tadmin"),
    ("GET", "/api/v1/users/<int:user_id>/authorizations"): S("park", "auditor", "p1admin"),
    ("PUT", "/api/v1/users/<int:user_id>/authorizations"): S("p1admin"),
    ("POST", "/api/v1/users/<int:user_id>/deactivate"): S("park", "p1admin"),
    ("POST", "/api/v1/users/<int:user_id>/password"): S("park", "p1admin"),
    ("GET", "/api/v1/warnings"): USERS,
    ("POST", "/api/v1/warnings/acknowledge"): S(
        "park", "p1admin", "p1op", "p2op", "tadmin", "t", "t2", "r1"
    ),
    ("GET", "/api/v1/waste-profiles"): USERS,
    ("POST", "/api/v1/waste-profiles"): S("p1admin"),
    ("GET", "/api/v1/waste-profiles/<int:profile_id>"): S("park", "auditor", "p1admin", "p1op"),
    ("GET", "/assets/<path:filename>"): EVERYONE,
    ("GET", "/batches/<code>"): PARTIES,
    ("POST", "/batches/<code>/<step>"): P1,
    ("GET", "/batches/<code>/label.pdf"): PARTIES,
    ("GET", "/bookings"): USERS,
    ("GET", "/bookings/<int:booking_id>"): PARTIES,
    ("POST", "/bookings/<int:booking_id>/<step>"): T,
    ("GET", "/bookings/new"): S("p1admin", "p1op", "p2op"),
    ("POST", "/bookings/new"): S("p1admin", "p1op", "p2op"),
    ("GET", "/catalogue"): USERS,
    ("GET", "/catalogue/search"): USERS,
    ("GET", "/charts"): USERS,
    ("GET", "/approvals"): USERS,
    ("POST", "/approvals"): S("park", "p1admin"),
    ("POST", "/approvals/<int:approval_id>/withdraw"): S("park", "p1admin"),
    ("GET", "/contracts"): USERS,
    ("POST", "/contracts"): S("p1admin"),
    ("POST", "/contracts/<int:contract_id>/<step>"): NOBODY,
    ("GET", "/contracts/<int:contract_id>/document"): S("park", "auditor", "p1admin", "p1op", "r1"),
    ("GET", "/declarations"): USERS,
    ("POST", "/declarations"): S("p1admin", "tadmin"),
    ("GET", "/declarations/<period>.pdf"): USERS,
    ("GET", "/declarations/<period>.xlsx"): USERS,
    ("POST", "/declarations/class"): S("park"),
    ("GET", "/enterprises"): USERS,
    ("GET", "/enterprises/<int:enterprise_id>"): S("park", "auditor", "p1admin", "p1op"),
    ("GET", "/enterprises/new"): S("park"),
    ("POST", "/enterprises/new"): S("park"),
    ("GET", "/enterprises/<int:enterprise_id>/edit"): S("park"),
    ("POST", "/enterprises/<int:enterprise_id>/edit"): S("park"),
    ("GET", "/exports"): USERS,
    ("GET", "/exports/<what>.<fmt>"): USERS,
    ("GET", "/f/<uscc>/<code>"): S("park", "auditor", "p1admin", "p1op"),
    ("GET", "/facilities/<int:facility_id>/sign.<fmt>"): S("park", "auditor", "p1admin", "p1op"),
    ("GET", "/handbook"): USERS,
    ("GET", "/handbook/exemptions"): USERS,
    ("GET", "/handbook/rules"): USERS,
    ("GET", "/healthz"): EVERYONE,
    ("GET", "/ledger"): USERS,
    ("GET", "/ledger/proof"): USERS,
    ("POST", "/ledger/verify"): USERS,
    ("GET", "/login"): EVERYONE,
    ("POST", "/login"): S("anon"),
    ("GET", "/m/"): USERS,
    ("GET", "/m/handbook"): USERS,
    ("GET", "/m/handbook/exemptions"): USERS,
    ("GET", "/m/handbook/rules"): USERS,
    ("GET", "/m/label/<code>.<fmt>"): PARTIES,
    ("POST", "/m/camera"): USERS,
    ("POST", "/m/manifest/<number>/confirm"): S("r1"),
    ("POST", "/m/manifest/<number>/depart"): S("tadmin", "t"),
    ("GET", "/m/manifest/<number>/load"): S("tadmin", "t"),
    ("POST", "/m/manifest/<number>/load"): S("tadmin", "t"),
    ("GET", "/m/manifest/<number>/receive"): S("r1"),
    ("POST", "/m/manifest/<number>/receive"): S("r1"),
    ("GET", "/m/notices"): USERS,
    ("GET", "/m/notices/<int:notice_id>"): USERS,
    ("GET", "/m/register"): S("p1admin", "p1op", "p2op"),
    ("POST", "/m/register"): S("p1admin", "p1op", "p2op"),
    ("GET", "/m/reprint"): S("p1admin", "p1op", "p2op"),
    ("POST", "/m/reprint"): S("p1admin", "p1op", "p2op"),
    ("GET", "/m/scan/<flow>"): S("p1admin", "p1op", "p2op"),
    ("POST", "/m/scan/<flow>"): S("p1admin", "p1op", "p2op"),
    ("GET", "/manifests"): USERS,
    ("GET", "/manifests/<number>"): PARTIES,
    ("GET", "/manifests/<number>.pdf"): PARTIES,
    ("POST", "/manifests/<number>/<step>"): S("tadmin", "t"),
    ("GET", "/manifests/<number>/receipt"): PARK | S("r1"),
    ("POST", "/manifests/<number>/receipt"): S("r1"),
    ("GET", "/manifests/<number>/receipt-report.<fmt>"): PARK | S("r1"),
    ("GET", "/paper-manifests"): USERS,
    ("POST", "/paper-manifests"): PRODUCERS,
    ("GET", "/paper-manifests/<int:paper_id>/scan"): PARTIES,
    ("GET", "/map"): USERS,
    ("GET", "/metrics"): EVERYONE,
    ("GET", "/notices"): USERS,
    ("POST", "/notices"): S("park"),
    ("GET", "/notices/<int:notice_id>"): USERS,
    ("POST", "/notices/<int:notice_id>/ack"): ENTERPRISES,
    ("GET", "/notices/<int:notice_id>/attachments/<int:attachment_id>"): USERS,
    # a management plan is a producer's; others are refused by kind (409), as declarations
    ("GET", "/plans"): USERS,
    ("GET", "/plans/<int:year>.pdf"): USERS,
    ("GET", "/plans/<int:year>.xlsx"): USERS,
    ("POST", "/plans/<int:year>/confirm"): S("p1admin", "tadmin"),
    ("POST", "/plans/<int:year>/draft"): S("p1admin", "tadmin"),
    ("GET", "/profiles"): USERS,
    ("POST", "/profiles"): S("p1admin"),
    ("GET", "/readyz"): EVERYONE,
    ("GET", "/reservations"): S("p1admin", "p1op", "p2op"),
    ("POST", "/reservations"): S("p1admin", "p1op", "p2op"),
    ("GET", "/rooms"): USERS,
    ("POST", "/rooms"): S("p1admin"),
    ("GET", "/static/<path:filename>"): NOBODY,
    ("GET", "/users"): S("park", "p1admin", "tadmin"),
    ("POST", "/users"): S("park", "p1admin", "tadmin"),
    ("GET", "/users/<int:user_id>/authorizations"): S("p1admin"),
    ("POST", "/users/<int:user_id>/authorizations"): S("p1admin"),
    ("GET", "/warnings"): USERS,
    ("POST", "/warnings/ack"): S("park", "p1admin", "p1op", "p2op", "tadmin", "t", "t2", "r1"),
    ("POST", "/api/v1/auth/logout"): USERS,
    ("POST", "/logout"): USERS,
    # room monitoring, cases, notifications
    ("GET", "/api/v1/storage-rooms/<int:room_id>/monitoring"): S(
        "park", "auditor", "p1admin", "p1op"
    ),
    ("PUT", "/api/v1/storage-rooms/<int:room_id>/monitoring"): S("park", "p1admin"),
    ("GET", "/api/v1/storage-rooms/<int:room_id>/alarms"): S("park", "auditor", "p1admin", "p1op"),
    ("GET", "/api/v1/alarms"): USERS,
    ("GET", "/rooms/<int:room_id>"): S("park", "auditor", "p1admin", "p1op"),
    ("POST", "/api/v1/cases/sweep"): S("park"),
    ("GET", "/api/v1/cases"): USERS,
    ("GET", "/api/v1/cases/<int:case_id>"): S("park", "auditor", "p1admin", "p1op"),
    ("POST", "/api/v1/cases/<int:case_id>/assign"): S("park"),
    ("POST", "/api/v1/cases/<int:case_id>/handle"): S("p1admin", "p1op"),
    ("POST", "/api/v1/cases/<int:case_id>/verify"): S("park"),
    ("GET", "/api/v1/webhooks"): ADMINS,
    ("POST", "/api/v1/webhooks"): ADMINS,
    ("POST", "/api/v1/webhooks/<int:hook_id>/enable"): S("p1admin"),
    ("POST", "/api/v1/webhooks/<int:hook_id>/disable"): S("p1admin"),
    ("GET", "/api/v1/webhooks/<int:hook_id>/deliveries"): S("p1admin"),
    ("POST", "/api/v1/deliveries/<delivery_id>/replay"): S("p1admin"),
    ("GET", "/api/v1/me/notifications"): USERS,
    ("PUT", "/api/v1/me/notifications"): USERS,
    ("GET", "/inbox"): USERS,
    ("GET", "/m/inbox"): USERS,
    ("GET", "/cases"): USERS,
    ("GET", "/cases/<int:case_id>"): S("park", "auditor", "p1admin", "p1op"),
    ("POST", "/cases/sweep"): S("park"),
    ("GET", "/account/notifications"): USERS,
    ("POST", "/account/notifications"): USERS,
    ("POST", "/account/deliveries/<delivery_id>/replay"): S("p1admin"),
    ("POST", "/account/webhooks/<int:hook_id>/active"): S("p1admin"),
    ("POST", "/cases/<int:case_id>/<step>"): S("park"),
    ("GET", "/m/cases/<int:case_id>"): S("park", "auditor", "p1admin", "p1op"),
    ("POST", "/m/cases/<int:case_id>"): S("p1admin", "p1op"),
}


# --- the machinery ---------------------------------------------------------------------------


class Park:
    """The park of the matrix, its callers and the resources the routes name."""

    def __init__(self, app: Flask, world: World) -> None:
        self.app = app
        self.world = world
        w = world
        r = w.as_("tadmin").post(
            "/api/v1/users",
            {
                "username": f"t2_{w.ids['t']}",
                "password": PASSWORD,
                "role": "operator",
                "enterprise_id": w.ids["t"],
            },
        )
        assert r.status_code == 201, r.get_json()
        self.usernames = {**w.usernames, "t2": f"t2_{w.ids['t']}"}
        r = w.as_("p1admin").post(
            "/api/v1/users",
            {
                "username": f"p1x_{w.ids['p1']}",
                "password": PASSWORD,
                "role": "operator",
                "enterprise_id": w.ids["p1"],
            },
        )
        assert r.status_code == 201, r.get_json()
        self.p1x = int(r.get_json()["id"])
        self.tokens = dict(w.tokens)
        self.tokens["t2"] = self.login("t2")
        self.p1x_token = self._api_login(f"p1x_{w.ids['p1']}")
        self.code = w.as_("p1op").register(w.profiles["p1"])["code"]
        w.walk(self.code, "AWAITING_PICKUP")
        self.number = w.manifests[self.code]
        self.booking = int(
            w.as_("p1op").get(f"/api/v1/manifests/{self.number}").get_json()["booking_id"]
        )
        entries = w.as_("park").get("/api/v1/ledger/entries?limit=1000").get_json()
        self.seq = next(e["seq"] for e in entries if e["subject"] == self.code)
        facs = w.as_("p1admin").get("/api/v1/facilities").get_json()
        self.facility = facs[0]
        ent = w.as_("p1admin").get(f"/api/v1/enterprises/{w.ids['p1']}").get_json()
        self.uscc = ent["uscc"]
        toks = w.as_("p1admin").get(f"/api/v1/auth/tokens?user_id={self.p1x}").get_json()
        self.p1x_token_id = toks[0]["id"]
        self._alarm_case_and_delivery()
        self.pages: dict[str, FlaskClient] = {}
        self.notice, self.attachment = self._notice()
        self.paper = self._paper()
        self.approval = self._approval()

    def _paper(self) -> int:
        """An emergency paper manifest of p1, carried by t to r1."""
        w = self.world
        code = w.as_("p1op").register(w.profiles["p1"])["code"]
        w.walk(code, "STORED")
        body = {
            "paper_number": f"MX-{w.ids['p1']}",
            "transferred_on": w.ctx.today().isoformat(),
            "reason": "matrix",
            "codes": [code],
            "transporter_id": w.ids["t"],
            "driver_user_id": w.user_ids["t"],
            "vehicle_plate": "苏E12345",
            "driver_licence": "320500000001",
            "receiver_id": w.ids["r1"],
            "planned_method": w.method_d,
            "scan": {"name": "p.pdf", "type": "application/pdf", "content_base64": "JVBERi0xLjQ="},
        }
        r = w.as_("p1op").post("/api/v1/paper-manifests", body)
        assert r.status_code == 201, r.get_json()
        return int(r.get_json()["id"])

    def _approval(self) -> int:
        """A cross-province approval of p1 for a receiver in another province."""
        w = self.world
        add_receiver(w, "rx", "33", None)
        today = w.ctx.today()
        r = w.as_("p1admin").post(
            "/api/v1/transfer-approvals",
            {
                "number": f"matrix-{w.ids['rx']}",
                "authority": "江苏省生态环境厅",
                "receiver_id": w.ids["rx"],
                "method": "D10",
                "valid_from": today.isoformat(),
                "valid_to": (today + dt.timedelta(days=30)).isoformat(),
                "approved_t": {"900-041-49": "1"},
            },
        )
        assert r.status_code == 201, r.get_json()
        return int(r.get_json()["id"])

    def _notice(self) -> tuple[int, int]:
        """A park notice to every enterprise, with one attachment."""
        c = self.page("park")
        c.get("/notices")  # the page's form gives the session its CSRF token
        with c.session_transaction() as sess:
            csrf = sess["csrf"]
        r = c.post(
            "/notices",
            data={
                "csrf": csrf,
                "title": "matrix",
                "body": "matrix",
                "audience": "",
                "files": (io.BytesIO(b"%PDF-1.4 matrix"), "m.pdf", "application/pdf"),
            },
            content_type="multipart/form-data",
        )
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
        notice = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        html = c.get(f"/notices/{notice}").get_data(as_text=True)
        found = re.search(rf"/notices/{notice}/attachments/(\d+)", html)
        assert found, html[:500]
        return notice, int(found.group(1))

    def _alarm_case_and_delivery(self) -> None:
        """A monitored room of p1 in alarm (so a case), a webhook of p1 (so a delivery)."""
        w = self.world
        r = w.as_("p1admin").post(
            "/api/v1/webhooks", {"url": "http://127.0.0.1:9/h", "events": ["*"], "secret": "s"}
        )
        assert r.status_code == 201, r.get_json()
        self.hook = int(r.get_json()["id"])
        r = w.as_("p1admin").put(
            f"/api/v1/storage-rooms/{w.rooms['p1']}/monitoring", {"code": "MX", "rules": {}}
        )
        assert r.status_code == 200, r.get_json()
        kind = monitoring.SensorKind.POWER
        topic = monitoring.Topic(w.ctx.settings.park_code, "MX", kind)
        reading = monitoring.Reading(kind, w.ctx.now(), "off")
        assert monitoring_svc.ingest(w.ctx, topic, reading) == ["+power:power_off"]
        self.case = int(w.as_("p1admin").get("/api/v1/cases").get_json()[0]["id"])
        log = w.as_("p1admin").get(f"/api/v1/webhooks/{self.hook}/deliveries").get_json()
        self.delivery = str(log[0]["delivery_id"])

    def _api_login(self, username: str) -> str:
        c = self.app.test_client()
        r = c.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.get_json()
        return str(r.get_json()["token"])

    def login(self, who: str) -> str:
        return self._api_login(self.usernames[who])

    def page(self, who: str) -> FlaskClient:
        if who not in self.pages:
            if who == "anon":
                self.pages[who] = self.app.test_client()
            else:
                self.pages[who] = page_client(self.app, self.usernames[who])
        return self.pages[who]

    def url(self, rule: str) -> str:
        w = self.world
        today = dt.date.today()
        values = {
            "<code>": self.code,
            "<int:booking_id>": str(self.booking),
            "<int:contract_id>": str(w.contracts[("p1", "r1")]),
            "<int:discrepancy_id>": "999999999",
            "<int:enterprise_id>": str(w.ids["p1"]),
            "<int:facility_id>": str(self.facility["id"]),
            "<int:notice_id>": str(self.notice),
            "<int:attachment_id>": str(self.attachment),
            "<int:paper_id>": str(self.paper),
            "<int:year>": str(today.year),
            "<int:profile_id>": str(w.profiles["p1"]),
            "<int:seq>": str(self.seq),
            "<int:token_id>": str(self.p1x_token_id),
            "<int:user_id>": str(self.p1x),
            "<number>": self.number,
            "<name>": "swagger-ui.css",
            "<path:filename>": "app.css",
            "<period>": f"{today.year}-{today.month:02d}",
            "<uscc>": self.uscc,
            "<flow>": "store",
            "<what>": "batches",
            "<int:room_id>": str(w.rooms["p1"]),
            "<int:case_id>": str(self.case),
            "<int:approval_id>": str(self.approval),
            "<int:hook_id>": str(self.hook),
            "<delivery_id>": self.delivery,
            "<int:vehicle_id>": str(w.vehicle_id),
            "<int:staff_id>": str(w.staff_id),
        }
        url = rule
        if rule.startswith("/f/"):
            url = f"/f/{self.uscc}/{self.facility['code']}"
        for k, v in values.items():
            url = url.replace(k, v)
        url = url.replace("<step>", _step_of(rule)).replace("<fmt>", _fmt_of(rule))
        assert "<" not in url, url
        return url

    def call(self, who: str, method: str, rule: str) -> TestResponse:
        url = self.url(rule)
        if rule.startswith("/api/"):
            c = self.app.test_client()
            headers = {} if who == "anon" else {"Authorization": f"Bearer {self.tokens[who]}"}
            if method in ("POST", "PUT"):
                return c.open(url, method=method, json={}, headers=headers)
            return c.open(url, method=method, headers=headers)
        client = self.page(who)
        if method == "POST":
            csrf = ""
            if who != "anon":
                with client.session_transaction() as sess:
                    csrf = sess.get("csrf", "")
            return client.post(url, data={"csrf": csrf})
        return client.open(url, method=method)


def _step_of(rule: str) -> str:
    return {
        "/batches/<code>/<step>": "reprint",
        "/bookings/<int:booking_id>/<step>": "accept",
        "/contracts/<int:contract_id>/<step>": "refuse",
        "/manifests/<number>/<step>": "depart",
        "/cases/<int:case_id>/<step>": "verify",
    }.get(rule, "")


def _fmt_of(rule: str) -> str:
    return "csv" if rule.startswith("/exports/") else "pdf"


def passed(who: str, rule: str, r: TestResponse) -> bool:
    """Did the request get past authorization?"""
    assert r.status_code < 500, (who, rule, r.status_code, r.get_data(as_text=True)[:300])
    if r.status_code in (401, 403, 404):
        return False
    if r.status_code in (301, 302, 303) and "/login" in r.headers.get("Location", ""):
        return who != "anon" and rule == "/logout"  # a logged-out user is sent to the login
    return True


def routes(app: Flask) -> list[tuple[str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        for m in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((m, rule.rule))
    return sorted(set(out), key=_order)


def _order(route: tuple[str, str]) -> tuple[int, str, str]:
    # logging out ends the caller's session: last
    return ("logout" in route[1], route[1], route[0])


def observe(app: Flask, world: World) -> dict[tuple[str, str], frozenset[str]]:
    park = Park(app, world)
    seen: dict[tuple[str, str], frozenset[str]] = {}
    for method, rule in routes(app):
        ok = set()
        for who in ROLES:
            r = park.call(who, method, rule)
            if passed(who, rule, r):
                ok.add(who)
            r.close()
        seen[(method, rule)] = frozenset(ok)
    return seen


def _name(roles: frozenset[str]) -> str:
    for name, group in [
        ("EVERYONE", EVERYONE),
        ("USERS", USERS),
        ("NOBODY", NOBODY),
        ("PARTIES", PARTIES),
        ("PARK", PARK),
        ("P1", P1),
        ("T", T),
    ]:
        if roles == group:
            return name
    return "S(" + ", ".join(f'"{r}"' for r in ROLES if r in roles) + ")"


def test_every_route_has_an_entry(app: Flask) -> None:
    """A new endpoint or page must be added to MATRIX (with the roles that may use it)."""
    have = set(routes(app))
    missing = sorted(have - MATRIX.keys())
    assert not missing, "routes without an entry in MATRIX:\n" + "\n".join(
        f'    ("{m}", "{rule}"): ...,' for m, rule in missing
    )
    assert not sorted(MATRIX.keys() - have), "MATRIX names routes that do not exist"


def test_authorization_matrix(app: Flask, world: World) -> None:
    """Every route, every role: exactly the expected roles get past authorization."""
    seen = observe(app, world)
    wrong = [
        f'    ("{m}", "{rule}"): {_name(roles)},  # expected {_name(MATRIX.get((m, rule), NOBODY))}'
        for (m, rule), roles in seen.items()
        if MATRIX.get((m, rule)) != roles
    ]
    assert not wrong, "routes whose callers differ from MATRIX:\n" + "\n".join(wrong)
