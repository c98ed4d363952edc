"""The error hierarchy of hwtrace: every refusal has a stable code, an HTTP status and a message
in Simplified Chinese and English.

Code table (stable; clients match on ``code``, never on the message):

=============================  ======  ==============================================
code                           status  meaning
=============================  ======  ==============================================
auth.required                  401     no or malformed credentials
auth.invalid_credentials       401     wrong username or password
auth.token_revoked             401     the token was revoked or has expired
auth.throttled                 429     too many failed logins; wait
rate_limited                   429     too many API requests from this token or address; wait
auth.forbidden                 403     the caller's role may not do this
auth.login_required            403     device tokens are issued from a login token only
auth.totp_required             401     the password is right; the account's second factor is missing
auth.totp_invalid              401     a wrong or used authenticator or recovery code
auth.totp_enrollment_required  403     the park requires its administrators to enable TOTP first
totp.already_enabled           409     the second factor is enabled already
totp.not_pending               409     no new secret waits for its first code
totp.not_enabled               409     the second factor is not enabled
totp.invalid_code              400     the first code does not match the new secret
request.invalid                400     the body does not match the schema
request.too_large              413     the body is larger than allowed (chunked bodies too)
request.too_deep               400     the JSON body is nested deeper than allowed
request.control_chars          400     text holds a control or bidirectional-override character
request.not_json               415     the body is not JSON
request.idempotency_conflict   409     the idempotency key was used for another request
not_found                      404     no such resource (or not visible to the caller)
method_not_allowed             405     wrong HTTP method
batch.illegal_transition       409     the batch's state does not allow this action
batch.not_assigned             403     the batch is not handed to the caller's enterprise
batch.voided                   409     the code was voided; it may not be used again
code.*                         400     a malformed identification code (see schemas.formats)
qr.*                           400     a damaged label QR payload (checksum, fields)
qr.forged                      422     a label QR signature that does not verify: altered or forged
qr.unknown_key                 422     a label QR signed by a key the park does not hold
enterprise.invalid_uscc        400     the USCC fails its GB 32100 check character
enterprise.duplicate           409     an enterprise with this USCC exists
enterprise.invalid_permits     400     the permits do not match schemas/api/permits.schema.json
enterprise.wrong_kind          409     the enterprise is of the wrong kind for this
user.duplicate                 409     the username is taken
user.self                      409     one cannot deactivate oneself
user.invalid_username          400     a username is 3-64 characters of A-Z a-z 0-9 _ . -
waste.unknown_code             400     the waste code is not in the national catalogue
catalogue.unknown_category     400     the waste category is not in the catalogue edition
catalogue.unknown_edition      404     no such edition of the national catalogue
catalogue.invalid              400     a catalogue table to import is malformed (problems listed)
catalogue.edition_exists       409     that edition of the catalogue is already here; never replaced
catalogue.no_park              409     the database has no park to import an edition into
camera.bad_image               400     a handheld camera still is not a small JPEG or PNG
waste.profile_inactive         409     the waste profile is not active
storage.room_mismatch          409     the room does not belong to the batch's producer
storage.capacity               409     the room would be over its capacity
storage.category_not_allowed   409     the room may not hold this waste category
storage.incompatible           409     incompatible wastes would be stored together
personnel.not_authorized       403     the operator is not authorized for this waste profile
booking.illegal_transition     409     the booking's state does not allow this step
booking.batch_taken            409     the batch is already on an open booking
manifest.required              409     loading/receipt needs the batch on a manifest
manifest.not_on_manifest       409     the scanned batch is not on this manifest
manifest.missing_batches       409     batches on the manifest were not loaded (departure)
manifest.nothing_loaded        409     departure with nothing loaded
manifest.not_loaded            409     receipt of a batch that was never loaded
manifest.not_driver            403     loading/departure by a transporter user who is not the driver
manifest.illegal_transition    409     the manifest's state does not allow this step
permit.missing                 409     the receiver/transporter holds no permit
permit.expired                 409     the transporter's permit has expired
permit.code_not_covered        409     the receiver's permit does not list the waste code
permit.capacity_exceeded       409     over the receiver's remaining yearly capacity
contract.not_covered           409     no confirmed contract in force covers the waste code
contract.quantity_exceeded     409     the covering contracts have too little quantity left
contract.illegal_transition    409     the contract's state does not allow this step
contract.duplicate             409     the producer registered this contract number already
contract.invalid_term          400     the contract ends before it starts (or runs > 5 years)
approval.missing               409     a cross-province transfer and no approval entered (部令第23号
                                       第二十一–二十八条, as every approval.* refusal)
approval.not_valid             409     no approval is valid on the day: a new application is needed
approval.receiver_changed      409     no valid approval names this receiver: a new application
approval.method_changed        409     no valid approval allows this method: a new application
approval.kinds_changed         409     a waste code is not approved: a new application
approval.weight_exceeded       409     over the approved weight (all transfers): a new application
approval.receiver_unqualified  409     the receiver's permit expired, is missing or does not cover
approval.validity_too_long     400     an approval valid for more than 12 months
approval.beyond_receiver_permit 400    an approval running beyond the receiver's operating permit
approval.invalid_validity      400     an approval that ends before it starts
approval.not_cross_province    409     the receiver is in the park's province: no approval is needed
approval.duplicate             409     the producer entered this approval number already
approval.withdrawn             409     the approval was withdrawn already
approval.document              400     the approval's scan is too large, of another type, not base64
value.division_code            400     a malformed GB/T 2260 province or city division code
declaration.invalid_period     400     a period is YYYY-MM, YYYY-Qn or YYYY
declaration.invalid_class      400     the management class is key, simplified or registered
declaration.not_required       409     the enterprise's class does not declare this report
declaration.period_open        409     the period has not ended
declaration.changed            409     the report changed since it was reviewed
declaration.reason_required    400     a correction (a further version) needs a reason
contract.document_*            400     the signed document is missing, too large, of another
                                       type or not valid base64
transport.invalid_plate        400     a malformed vehicle plate
transport.driver_invalid       409     the driver is not an active user of the transporter
loading.*                      409     loading refused (第十三条第三款): carrier_permit_missing,
                                       carrier_permit_expired, vehicle_unknown,
                                       vehicle_not_approved, vehicle_certificate_expired,
                                       driver_unqualified, driver_qualification_expired,
                                       label_waste_code, label_weight (docs/domain.md)
loading.label_code_differs     400     the QR payload sent with a loading scan is another batch's
fleet.duplicate                409     the plate, qualification number or login is taken already
discrepancy.resolved           409     the discrepancy was resolved already
warning.acknowledged           409     the warning was acknowledged already
monitor.duplicate_code         409     another room of the park has this monitoring code
monitor.invalid_rules          400     a room's monitoring rules are inconsistent (min >= max, ...)
case.wrong_state               409     the case's state does not allow this step
case.evidence_required         400     handling a case needs a note and evidence
webhook.invalid                400     a webhook needs an http(s) URL, known events and a channel
label.volume_required          422     the container volume (it sets the label size) is unknown: ask
batch.volume_differs           409     another container volume is already recorded for the batch
printer.*                      422     the label cannot be printed that way (see printer.errors)
value.future_date              400     a date in the future
value.invalid                  400     a value is out of range
ledger.*                       409     the ledger refused the entry (see ledger.errors)
keys.missing                   503     no signing key or session secret (hwtrace keys init)
instance.inside_venv           500     the instance directory is inside the virtualenv
internal                       500     an unexpected error (logged with the request id)
=============================  ======  ==============================================
"""

from __future__ import annotations

from typing import Any, ClassVar


class HwtraceError(Exception):
    """A refusal the caller can act on: stable code, HTTP status, messages in zh and en."""

    code: ClassVar[str] = "internal"
    status: ClassVar[int] = 500

    def __init__(
        self,
        *,
        zh: str,
        en: str,
        code: str | None = None,
        status: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(en)
        self.message_zh = zh
        self.message_en = en
        self.detail: dict[str, Any] = detail or {}
        if code is not None:
            self.code = code  # type: ignore[misc]
        if status is not None:
            self.status = status  # type: ignore[misc]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON problem body for this error."""
        body: dict[str, Any] = {
            "code": self.code,
            "status": self.status,
            "message": self.message_zh,
            "message_en": self.message_en,
        }
        if self.detail:
            body["detail"] = self.detail
        return body


class AuthRequired(HwtraceError):
    code = "auth.required"
    status = 401


class InvalidCredentials(HwtraceError):
    code = "auth.invalid_credentials"
    status = 401


class SecondFactorRequired(HwtraceError):
    code = "auth.totp_required"
    status = 401


class TokenRevoked(HwtraceError):
    code = "auth.token_revoked"
    status = 401


class Throttled(HwtraceError):
    code = "auth.throttled"
    status = 429


class RateLimited(HwtraceError):
    """Too many API requests from one token or address in the window (``Retry-After``)."""

    code = "rate_limited"
    status = 429


class Forbidden(HwtraceError):
    code = "auth.forbidden"
    status = 403


class InvalidRequest(HwtraceError):
    code = "request.invalid"
    status = 400


class IdempotencyConflict(HwtraceError):
    code = "request.idempotency_conflict"
    status = 409


class NotFound(HwtraceError):
    code = "not_found"
    status = 404


class IllegalTransition(HwtraceError):
    code = "batch.illegal_transition"
    status = 409


class NotAssigned(HwtraceError):
    code = "batch.not_assigned"
    status = 403


class Conflict(HwtraceError):
    """A state conflict; the specific code is given at the raise site."""

    code = "conflict"
    status = 409


class BadValue(HwtraceError):
    """A value that is well-formed but not acceptable; the code is given at the raise site."""

    code = "value.invalid"
    status = 400
