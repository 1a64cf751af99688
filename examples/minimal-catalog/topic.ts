// The catalog's one topic: its Kafka name, generated descriptor, .proto file and CloudEvents type.
import { defineTopic } from "meshbridge/catalog";
import { TicketOpenedSchema } from "./gen/acme/support/v1/ticket_opened_pb.ts";

/** A relative protoPath is resolved against the module's directory when the bridge loads it. */
export const ticketOpenedTopic = defineTopic({
  topic: "acme.support.ticket-opened.v1",
  schema: TicketOpenedSchema,
  protoPath: "proto/acme/support/v1/ticket_opened.proto",
  ceType: "com.acme.support.ticket.opened.v1",
});
