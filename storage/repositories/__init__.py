"""Every read and write the application makes, as keyword-only functions on a Core connection.

Each function takes the `AsyncConnection` yielded by `Database.transaction()` as its first
argument and never commits: the caller's `transaction()` block is the unit of work, so the hot
path (dedupe, load state, save state, ticket, outbox) is one transaction of a few statements.
Results are small frozen dataclasses, never ORM instances. All datetimes must be timezone-aware;
they come back as aware UTC.

One module per table group (inbox, requesters, conversations, tickets, attachments, outbox,
officers); callers use this package's names (`from storage import repositories as repo`).
"""

from __future__ import annotations

from storage.repositories._rows import (
    TicketRecord,
    insert_for,
)
from storage.repositories.attachments import (
    AttachmentRecord,
    UploadRefusal,
    discard_abandoned_uploads,
    discard_upload,
    get_attachment,
    link_attachments,
    pending_uploads,
    save_attachment,
    upload_refusal,
)
from storage.repositories.conversations import (
    ConversationRecord,
    load_conversation,
    save_conversation,
)
from storage.repositories.inbox import (
    get_last_inbound_at,
    record_inbound,
)
from storage.repositories.officers import (
    IdentityTaken,
    OfficerIdentity,
    OfficerRecord,
    add_officer,
    alerts_sent,
    bind_officer_identity,
    create_invite,
    get_officer,
    list_officers,
    officer_chats,
    officer_for_identity,
    officer_identities,
    officer_roles,
    officers_with_role,
    record_alert,
    redeem_invite,
    remove_officer,
    set_next_alert_at,
    set_roles,
    tickets_due_for_alert,
)
from storage.repositories.outbox import (
    DEFAULT_LEASE,
    OUTBOX_FAILED,
    OUTBOX_HELD,
    OUTBOX_PENDING,
    OUTBOX_SENT,
    OutboxRecord,
    claim_outbox,
    enqueue,
    get_outbox,
    mark_failed,
    mark_retry,
    mark_sent,
    recent_outbox_payloads,
    release_leases,
)
from storage.repositories.requesters import (
    create_link_code,
    get_or_create_requester,
    load_profile,
    merge_requester,
    redeem_link_code,
    save_profile,
)
from storage.repositories.secrets import shared_secret
from storage.repositories.tickets import (
    EventRecord,
    add_event,
    count_started_between,
    create_ticket,
    get_ticket,
    get_ticket_by_id,
    get_ticket_for_requester,
    list_events,
    list_tickets_for_requester,
    lock_ticket,
    update_ticket_workflow,
)

__all__ = [
    "DEFAULT_LEASE",
    "OUTBOX_FAILED",
    "OUTBOX_HELD",
    "OUTBOX_PENDING",
    "OUTBOX_SENT",
    "AttachmentRecord",
    "ConversationRecord",
    "EventRecord",
    "IdentityTaken",
    "OfficerIdentity",
    "OfficerRecord",
    "OutboxRecord",
    "TicketRecord",
    "UploadRefusal",
    "add_event",
    "add_officer",
    "alerts_sent",
    "bind_officer_identity",
    "claim_outbox",
    "count_started_between",
    "create_invite",
    "create_link_code",
    "create_ticket",
    "discard_abandoned_uploads",
    "discard_upload",
    "enqueue",
    "get_attachment",
    "get_last_inbound_at",
    "get_officer",
    "get_or_create_requester",
    "get_outbox",
    "get_ticket",
    "get_ticket_by_id",
    "get_ticket_for_requester",
    "insert_for",
    "link_attachments",
    "list_events",
    "list_officers",
    "list_tickets_for_requester",
    "load_conversation",
    "load_profile",
    "lock_ticket",
    "mark_failed",
    "mark_retry",
    "mark_sent",
    "merge_requester",
    "officer_chats",
    "officer_for_identity",
    "officer_identities",
    "officer_roles",
    "officers_with_role",
    "pending_uploads",
    "recent_outbox_payloads",
    "record_alert",
    "record_inbound",
    "redeem_invite",
    "redeem_link_code",
    "release_leases",
    "remove_officer",
    "save_attachment",
    "save_conversation",
    "save_profile",
    "set_next_alert_at",
    "set_roles",
    "shared_secret",
    "tickets_due_for_alert",
    "update_ticket_workflow",
    "upload_refusal",
]
