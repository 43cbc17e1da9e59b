"""Who is asking: the signed-in user (web session) or the token's owner (API), with delegations.

A ``Principal`` is built once per request from the users table and the delegations active now.
It answers the inbox's one authorisation question — may this person act on this task, and if
so for whom — the same way for the web pages and the JSON API. The workflow checks again when a
decision arrives (it is the authority); this check decides what a person may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.models.enums import APPROVER_ROLES, Role
from store.models.tasks import Task
from store.models.users import User


@dataclass(frozen=True)
class Delegator:
    """Someone who is out of office and named this principal as their delegate."""

    username: str
    display_name: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Access:
    """May the principal act on a task; ``on_behalf_of`` names the delegator when acting for one."""

    allowed: bool
    on_behalf_of: str | None = None


DENIED = Access(False)


@dataclass(frozen=True)
class Principal:
    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    partner_id: int | None
    acting_for: tuple[Delegator, ...] = ()

    @classmethod
    def from_user(cls, user: User, delegators: tuple[Delegator, ...] = ()) -> Principal:
        assert user.id is not None
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            roles=frozenset(user.roles),
            partner_id=user.partner_id,
            acting_for=delegators,
        )

    @property
    def is_approver(self) -> bool:
        return any(role in self.roles for role in APPROVER_ROLES) or bool(self.acting_for)

    @property
    def is_partner(self) -> bool:
        return Role.PARTNER in self.roles

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def access_to(self, task: Task) -> Access:
        """Own assignment, claim or role first; otherwise through an active delegation.

        A task for the ``partner`` role belongs to one partner: only that partner's users see it.
        """
        if task.role == Role.PARTNER and task.partner_id != self.partner_id:
            return DENIED
        if self.username in (task.assignee, task.claimed_by):
            return Access(True)
        if task.assignee is None and task.role in self.roles:
            return Access(True)
        for delegator in self.acting_for:
            if delegator.username in (task.assignee, task.claimed_by) or (
                task.assignee is None and task.role in delegator.roles
            ):
                return Access(True, delegator.username)
        return DENIED
