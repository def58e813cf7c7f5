"""SQLModel tables, one module per aggregate. Importing this package registers every table."""

from hub.models.attachments import Attachment
from hub.models.audit import AuditEntry
from hub.models.auth import ApiToken, AuthSession, Invitation
from hub.models.bodies import (
    Committee,
    CommitteeMembership,
    CommitteeRole,
    Network,
    NetworkMembership,
    NetworkRole,
    Visibility,
)
from hub.models.committee_work import (
    Decision,
    FollowUpKind,
    InitiativeComment,
    InitiativeDecision,
    InitiativeFollowUp,
)
from hub.models.engagement import REACTION_EMOJI, Flag, Mention, Reaction, ReactionKind, ThreadRead
from hub.models.initiatives import (
    DocumentFormat,
    Initiative,
    InitiativeCounter,
    InitiativeDocument,
    InitiativeProposal,
    InitiativeRevision,
    InitiativeStatus,
    KeyPost,
    RevisionStatus,
)
from hub.models.jobs import EventOutbox, JobIntent, MailMessage
from hub.models.municipalities import Municipality, MunicipalityKind
from hub.models.notifications import (
    DigestSent,
    Notification,
    NotificationKind,
    NotificationPrefs,
)
from hub.models.proposals import (
    AuthorRole,
    Proposal,
    ProposalAuthor,
    ProposalRevision,
    ProposalStatus,
    ProposalTransition,
)
from hub.models.search import SearchDocument
from hub.models.threads import Post, PostRevision, Thread, ThreadKind
from hub.models.users import User
from hub.models.votes import (
    BallotKind,
    Choice,
    Counting,
    Vote,
    VoteBallot,
    VoteElector,
    VoteResult,
    VoteStatus,
)

__all__ = [
    "REACTION_EMOJI",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "AuthSession",
    "AuthorRole",
    "BallotKind",
    "Choice",
    "Committee",
    "CommitteeMembership",
    "CommitteeRole",
    "Counting",
    "Decision",
    "DigestSent",
    "DocumentFormat",
    "EventOutbox",
    "Flag",
    "FollowUpKind",
    "Initiative",
    "InitiativeComment",
    "InitiativeCounter",
    "InitiativeDecision",
    "InitiativeDocument",
    "InitiativeFollowUp",
    "InitiativeProposal",
    "InitiativeRevision",
    "InitiativeStatus",
    "Invitation",
    "JobIntent",
    "KeyPost",
    "MailMessage",
    "Mention",
    "Municipality",
    "MunicipalityKind",
    "Network",
    "NetworkMembership",
    "NetworkRole",
    "Notification",
    "NotificationKind",
    "NotificationPrefs",
    "Post",
    "PostRevision",
    "Proposal",
    "ProposalAuthor",
    "ProposalRevision",
    "ProposalStatus",
    "ProposalTransition",
    "Reaction",
    "ReactionKind",
    "RevisionStatus",
    "SearchDocument",
    "Thread",
    "ThreadKind",
    "ThreadRead",
    "User",
    "Visibility",
    "Vote",
    "VoteBallot",
    "VoteElector",
    "VoteResult",
    "VoteStatus",
]
