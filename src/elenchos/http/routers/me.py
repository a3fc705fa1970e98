"""The signed-in user's own account."""

from __future__ import annotations

from fastapi import APIRouter

from elenchos.http.dependencies import ClaimsDep, ContainerDep
from elenchos.http.schemas import UpdateProfileRequest, UserResponse

router = APIRouter(prefix="/v1/me", tags=["me"])


@router.get(
    "",
    response_model=UserResponse,
    summary="Read my account",
    operation_id="getMe",
)
async def get_me(claims: ClaimsDep, container: ContainerDep) -> UserResponse:
    user = await container.use_cases.get_current_user(claims.subject)
    return UserResponse.of(user)


@router.patch(
    "",
    response_model=UserResponse,
    summary="Update my profile and settings",
    description=(
        "Merges the given keys into profile and settings; a null value removes a key. "
        "Email, status and password cannot be changed here."
    ),
    operation_id="updateMe",
)
async def update_me(
    body: UpdateProfileRequest, claims: ClaimsDep, container: ContainerDep
) -> UserResponse:
    user = await container.use_cases.update_profile(
        claims.subject, profile=body.profile, settings=body.settings
    )
    return UserResponse.of(user)
