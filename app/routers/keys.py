"""``/v1/keys``: administrators create, list and revoke API keys over HTTP, as ``copydesk keys`` does.

Only ``admin`` may call these (the default of :data:`app.auth.RULES` for a route it does
not name). A new key is in the answer once, marked ``Cache-Control: no-store`` so neither a
proxy nor the ``Idempotency-Key`` store keeps it; only its HMAC digest is stored. Every
change goes to the audit log with the calling administrator as actor. Revoking the last
active admin key over HTTP is refused: it would lock every administrator out of the API
(the CLI on the server can still do it, and can always create a new one).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response
from pydantic import BaseModel, Field

from app import audit
from app.auth import ROLES, AuthError, KeyRecord
from app.limits import InputModel
from app.routers.deps import AuditDep, IdentityDep, KeysDep
from app.routers.schemas import ERRORS, unprocessable

Role = Annotated[str, Field(pattern=f"^({'|'.join(ROLES)})$")]
KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{10}$", description="A key id, as `GET /v1/keys` lists it.")]


class NewKey(InputModel):
    name: str = Field(min_length=1, max_length=64, description="Who or what uses the key (in the audit log).")
    roles: list[Role] = Field(min_length=1, max_length=len(ROLES))


class KeyOut(BaseModel):
    key_id: str
    name: str
    roles: list[str]
    created_at: str
    revoked_at: str | None = None


class CreatedKey(KeyOut):
    key: str = Field(description="The key itself: shown in this answer only, never again.")


def _out(record: KeyRecord) -> KeyOut:
    return KeyOut(
        key_id=record.key_id,
        name=record.name,
        roles=sorted(record.roles),
        created_at=record.created_at,
        revoked_at=record.revoked_at,
    )


def build_router() -> APIRouter:
    router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=ERRORS)

    @router.get("", response_model=list[KeyOut])
    def list_keys(keys: KeysDep) -> list[KeyOut]:
        """Every key with its roles and dates (never the key itself)."""
        return [_out(r) for r in keys.list()]

    @router.post("", status_code=201, response_model=CreatedKey)
    def create_key(
        request: NewKey, response: Response, keys: KeysDep, log: AuditDep, identity: IdentityDep
    ) -> CreatedKey:
        """A new key; copy it from this answer, it is not shown again."""
        try:
            record, plaintext = keys.create(request.name, request.roles)
        except AuthError as exc:
            raise unprocessable(str(exc)) from exc
        audit.record(
            "key.created",
            actor=identity.name,
            details={"key_id": record.key_id, "name": record.name, "roles": sorted(record.roles)},
            log=log,
        )
        response.headers["Cache-Control"] = "no-store"
        return CreatedKey(**_out(record).model_dump(), key=plaintext)

    @router.delete("/{key_id}", response_model=KeyOut)
    def revoke_key(key_id: KeyId, keys: KeysDep, log: AuditDep, identity: IdentityDep) -> KeyOut:
        """Revoke a key at once; its editor sessions end too."""
        active = [k for k in keys.list() if k.active]
        target = next((k for k in active if k.key_id == key_id), None)
        if target is None:
            raise HTTPException(404, f"no active key {key_id!r} (see GET /v1/keys)")
        admins = [k for k in active if "admin" in k.roles]
        if "admin" in target.roles and len(admins) == 1:
            raise HTTPException(
                409, "this is the last active admin key; create another admin key first (or use `copydesk keys`)"
            )
        keys.revoke(key_id)
        audit.record(
            "key.revoked", actor=identity.name, details={"key_id": target.key_id, "name": target.name}, log=log
        )
        return _out(next(k for k in keys.list() if k.key_id == key_id))

    return router
