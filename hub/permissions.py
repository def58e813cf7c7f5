"""May user U do A on object O? The one place that answers, used by every action.

A Principal is the user together with their roles, loaded once per request; `can` is a pure
function of it, so the whole role x action matrix is tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from hub.models import Committee, Network
from hub.models.bodies import CommitteeRole, NetworkRole, Visibility


class Action(StrEnum):
    VIEW_NETWORK = "view_network"  # see the network's page and read its board
    POST_IN_NETWORK = "post_in_network"  # write threads and posts
    MODERATE_NETWORK = "moderate_network"  # pin, lock, hide
    PROPOSE = "propose"  # write proposals in the network, be invited as a co-author
    REVIEW_PROPOSALS = "review_proposals"  # approve, request changes, reject, merge; the queue
    MANAGE_NETWORK_MEMBERS = "manage_network_members"  # add, change, remove memberships; invite
    EDIT_NETWORK = "edit_network"  # rename, change committee and visibility
    VIEW_COMMITTEE = "view_committee"  # the committee's page and members
    VIEW_COMMITTEE_INBOX = "view_committee_inbox"  # initiatives sent to the committee
    DECIDE_FOR_COMMITTEE = "decide_for_committee"  # record a committee's decision
    MANAGE_COMMITTEE_MEMBERS = "manage_committee_members"
    EDIT_COMMITTEE = "edit_committee"
    MANAGE_USERS = "manage_users"  # create, deactivate, make admin
    INVITE = "invite"  # send invitations (to a network the inviter coordinates, for coordinators)
    MANAGE_MUNICIPALITIES = "manage_municipalities"
    VIEW_AUDIT = "view_audit"


@dataclass(frozen=True)
class Principal:
    """Who is asking. `user_id` None means an anonymous visitor."""

    user_id: int | None = None
    is_admin: bool = False
    networks: dict[int, str] = field(default_factory=dict)  # network id -> role
    committees: dict[int, str] = field(default_factory=dict)  # committee id -> role

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def coordinates_any(self) -> bool:
        return NetworkRole.COORDINATOR in self.networks.values()

    @property
    def coordinated(self) -> list[int]:
        """The ids of the networks they coordinate (an admin's rights aside)."""
        return [n for n, role in self.networks.items() if role == NetworkRole.COORDINATOR]

    def member_of(self, network_id: int | None) -> bool:
        """A member of the network by id, in any role (an admin's rights aside)."""
        return network_id is not None and network_id in self.networks

    def coordinates(self, network_id: int | None) -> bool:
        """The network's coordinator by id (an admin's rights aside)."""
        return network_id is not None and self.networks.get(network_id) == NetworkRole.COORDINATOR

    def network_role(self, network: Network) -> str | None:
        return self.networks.get(network.id) if network.id is not None else None

    def committee_role(self, committee: Committee) -> str | None:
        return self.committees.get(committee.id) if committee.id is not None else None


ANONYMOUS = Principal()

_GLOBAL_ACTIONS = {Action.MANAGE_USERS, Action.MANAGE_MUNICIPALITIES, Action.VIEW_AUDIT}


def can(who: Principal, action: Action, obj: Network | Committee | None = None) -> bool:
    if who.is_admin:
        return True
    if action in _GLOBAL_ACTIONS:
        return False
    if action is Action.INVITE:
        if obj is None:  # "may invite at all": into some network they coordinate
            return who.coordinates_any
        # Into this network; nobody but an admin invites into a committee.
        return isinstance(obj, Network) and who.network_role(obj) == NetworkRole.COORDINATOR
    if isinstance(obj, Network):
        return _can_network(who, action, obj)
    if isinstance(obj, Committee):
        return _can_committee(who, action, obj)
    return False


def _can_network(who: Principal, action: Action, network: Network) -> bool:
    role = who.network_role(network)
    if action is Action.VIEW_NETWORK:
        if network.visibility == Visibility.PUBLIC:
            return True
        if network.visibility == Visibility.ASSOCIATION:
            return who.signed_in
        return role is not None
    if action in (Action.POST_IN_NETWORK, Action.PROPOSE):
        return who.member_of(network.id)
    if action in (Action.MODERATE_NETWORK, Action.MANAGE_NETWORK_MEMBERS, Action.REVIEW_PROPOSALS):
        return who.coordinates(network.id)
    return False  # EDIT_NETWORK: admins only


def _can_committee(who: Principal, action: Action, committee: Committee) -> bool:
    role = who.committee_role(committee)
    if action is Action.VIEW_COMMITTEE:
        return who.signed_in
    if action is Action.VIEW_COMMITTEE_INBOX:
        return role is not None
    if action is Action.DECIDE_FOR_COMMITTEE:
        return role == CommitteeRole.CHAIR
    return False  # MANAGE_COMMITTEE_MEMBERS, EDIT_COMMITTEE: admins only
