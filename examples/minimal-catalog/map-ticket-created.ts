// ticket_created v1 → TicketOpened. The legacy payload:
//   {"event_type": "ticket_created", "event_version": 1, "event_id": "...",
//    "ticket": {"id": "T-1", "title": "...", "opened_ms": 1767225600000}, "prio": 3}
// A bad field throws LegacyDataError naming the field, never its value (decrypted data).
import {
  type CatalogEvent,
  LegacyDataError,
  type Mapper,
  optionalInteger,
  parseEpochMillis,
  requireObject,
  requireString,
  toRfc3339,
} from "meshbridge/catalog";
import type { TicketOpened } from "./gen/acme/support/v1/ticket_opened_pb.ts";
import { ticketOpenedTopic } from "./topic.ts";

export const mapTicketCreatedV1: Mapper = (event, { tenant }): readonly CatalogEvent[] => {
  const ticket = requireObject(event.body, "ticket", "");
  const ticketId = requireString(ticket, "id", "ticket");
  const openedAt = toRfc3339(parseEpochMillis(ticket.opened_ms, "ticket.opened_ms"));
  const priority = optionalInteger(event.body, "prio", "") ?? 0;
  if (priority < 0 || priority > 5) throw new LegacyDataError("prio must be from 0 to 5");
  // A complete literal of the generated shape: tsc flags a field added to the schema but not here.
  const message: TicketOpened = {
    $typeName: "acme.support.v1.TicketOpened",
    tenantId: tenant,
    ticketId,
    openedAt,
    subject: requireString(ticket, "title", "ticket"),
    priority,
  };
  return [
    {
      topic: ticketOpenedTopic.topic,
      schema: ticketOpenedTopic.schema,
      message,
      // The tenant-qualified ticket: its events stay in order, ids repeating across tenants apart.
      key: `${tenant}/${ticketId}`,
      type: ticketOpenedTopic.ceType,
      time: openedAt,
      subject: ticketId,
    },
  ];
};
