"""Ed25519 signatures of approved plans: make a key, sign a plan, check it against a trusted key.

A signature covers the plan's *signature digest* (:meth:`CommandPlan.signature_digest`: the
content and the approvals; not the signature itself nor the release record), so nothing a
person approved can change unseen, approvals included. The signed message is UTF-8 text::

    cosmo-agent plan signature v1
    <signature digest, 64 hex digits>
    <signed_at, ISO 8601 UTC with Z>

Keys are files: a private key as PKCS #8 PEM (``-----BEGIN PRIVATE KEY-----``, unencrypted)
or the raw 32-byte seed; a public key as SubjectPublicKeyInfo PEM (``-----BEGIN PUBLIC
KEY-----``) or the raw 32 bytes. :func:`generate_key` writes both PEM forms.

Checks (:func:`verify_plan`), each a :class:`SignatureProblem`, all errors:

- ``signature.missing``: the plan carries no signature;
- ``signature.invalid``: it is signed by another key than the trusted one, the plan changed
  after signing (its signature digest differs), or the signature does not verify.

>>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
>>> from datetime import datetime, timezone
>>> from cosmo_agent.agent.plan import CommandPlan
>>> t0 = datetime(2026, 6, 10, 12, tzinfo=timezone.utc)
>>> plan = CommandPlan(mission="demo", created_at=t0, horizon_start=t0, horizon_end=t0)
>>> key = Ed25519PrivateKey.generate()
>>> signed = sign_plan(plan, key, signed_at=t0)
>>> verify_plan(signed, key.public_key())
[]
>>> [p.rule for p in verify_plan(plan, key.public_key())]
['signature.missing']
>>> edited = signed.model_copy(update={"notes": ["added later"]})
>>> [p.rule for p in verify_plan(edited, key.public_key())]
['signature.invalid']
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from cosmo_agent.agent.jsontypes import JsonObject
from cosmo_agent.agent.plan import CommandPlan, PlanSignature
from cosmo_agent.orbital.timescales import iso_utc

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = [
    "SIGNATURE_RULES",
    "SignatureProblem",
    "SigningKeyError",
    "generate_key",
    "key_id",
    "load_private_key",
    "load_public_key",
    "sign_plan",
    "signed_message",
    "verify_plan",
]

SignatureRule = Literal["signature.missing", "signature.invalid"]
"""The signature checks (both errors)."""
SIGNATURE_RULES: Final[dict[SignatureRule, str]] = {
    "signature.missing": "a trusted signature is required and the plan carries none",
    "signature.invalid": "the signature is by another key, of other content, or does not verify",
}
"""Rule id -> meaning of the signature checks (``validate``/``release --trust-key``)."""

_PREFIX: Final = "cosmo-agent plan signature v1"


class SigningKeyError(ValueError):
    """A key file that cannot be read or is not an Ed25519 key of the expected kind."""


@dataclass(frozen=True)
class SignatureProblem:
    """One failed signature check, shaped like a validator violation (plan level, error)."""

    rule: SignatureRule
    message: str

    def to_jsonable(self) -> JsonObject:
        """As the validator's ``Violation`` JSON: rule, severity, command_index, message."""
        return {
            "rule": self.rule,
            "severity": "error",
            "command_index": None,
            "message": self.message,
            "parameter": None,
        }


def _raw(public_key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short name of a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    return hashlib.sha256(_raw(public_key)).hexdigest()[:16]


def signed_message(digest: str, signed_at: datetime) -> bytes:
    """The bytes an Ed25519 plan signature signs (see the module docstring)."""
    return f"{_PREFIX}\n{digest}\n{iso_utc(signed_at)}".encode()


def _read(path: str | os.PathLike[str], what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"{path}: cannot read the {what} ({exc.strerror})") from None


def load_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PKCS #8 PEM file or a raw 32-byte file."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    data = _read(path, "signing key")
    if len(data) == 32:
        return Ed25519PrivateKey.from_private_bytes(data)
    if b"PUBLIC KEY" in data:
        raise SigningKeyError(
            f"{path}: this is a public key; sign with the private key (cosmo-agent keygen writes"
            " KEY and KEY.pub)"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(
            f"{path}: not an unencrypted PEM private key or a raw 32-byte Ed25519 key ({exc})"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path}: a {type(key).__name__}, not an Ed25519 key")
    return key


def load_public_key(path: str | os.PathLike[str]) -> Ed25519PublicKey:
    """An Ed25519 public key from a SubjectPublicKeyInfo PEM file or a raw 32-byte file."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    data = _read(path, "trusted key")
    if len(data) == 32:
        return Ed25519PublicKey.from_public_bytes(data)
    if b"PRIVATE KEY" in data:
        raise SigningKeyError(
            f"{path}: this is a private key; trust the public one (KEY.pub from cosmo-agent"
            " keygen) and keep the private key with the signer"
        )
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(
            f"{path}: not a PEM public key or a raw 32-byte Ed25519 key ({exc})"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path}: a {type(key).__name__}, not an Ed25519 key")
    return key


def generate_key() -> tuple[bytes, bytes, str]:
    """A new key pair: (private PKCS #8 PEM, public SubjectPublicKeyInfo PEM, key id)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public, key_id(key.public_key())


def sign_plan(
    plan: CommandPlan, private_key: Ed25519PrivateKey, *, signed_at: datetime | None = None
) -> CommandPlan:
    """A copy of ``plan`` signed with ``private_key`` (``signed_at`` defaults to now, UTC)."""
    when = (signed_at or datetime.now(UTC)).astimezone(UTC)
    digest = plan.signature_digest()
    public = private_key.public_key()
    value = private_key.sign(signed_message(digest, when))
    signature = PlanSignature(
        key_id=key_id(public),
        public_key=base64.b64encode(_raw(public)).decode("ascii"),
        digest=digest,
        signed_at=when,
        signature=base64.b64encode(value).decode("ascii"),
    )
    return plan.model_copy(update={"signature": signature})


def verify_plan(plan: CommandPlan, trusted: Ed25519PublicKey) -> list[SignatureProblem]:
    """Every problem with ``plan``'s signature against the ``trusted`` key ([] when it holds)."""
    from cryptography.exceptions import InvalidSignature

    sig = plan.signature
    want = key_id(trusted)
    if sig is None:
        return [
            SignatureProblem(
                "signature.missing",
                f"the plan is not signed and key {want} is required; sign it when it is planned"
                " and approved (cosmo-agent plan --sign-key KEY)",
            )
        ]
    try:
        raw = base64.b64decode(sig.public_key, validate=True)
        signature = base64.b64decode(sig.signature, validate=True)
    except ValueError:
        return [
            SignatureProblem(
                "signature.invalid", "the signature's key or value is not base64; sign it again"
            )
        ]
    if raw != _raw(trusted):
        return [
            SignatureProblem(
                "signature.invalid",
                f"signed by key {sig.key_id}, not by the trusted key {want}; use the plan signed"
                " by the trusted key, or trust the key that signed it",
            )
        ]
    problems = []
    digest = plan.signature_digest()
    if digest != sig.digest:
        problems.append(
            SignatureProblem(
                "signature.invalid",
                f"the plan changed after it was signed at {iso_utc(sig.signed_at)} (signed digest "
                f"{sig.digest[:12]}, now {digest[:12]}); re-plan, approve and sign it again",
            )
        )
    try:
        trusted.verify(signature, signed_message(sig.digest, sig.signed_at))
    except InvalidSignature:
        problems.append(
            SignatureProblem(
                "signature.invalid",
                f"the signature does not verify with key {want}; the signature record was"
                " altered, sign the plan again",
            )
        )
    return problems
