// A minimal catalog module (docs/catalogs.md): one topic, one mapper, the default legacy parser.
// The bridge loads it with `catalog.module: ./path/to/index.ts` (or its package name).
import { defineCatalog } from "meshbridge/catalog";
import { mapTicketCreatedV1 } from "./map-ticket-created.ts";
import { ticketOpenedTopic } from "./topic.ts";

export default defineCatalog({
  name: "minimal-catalog",
  topics: [ticketOpenedTopic],
  mappers: [{ type: "ticket_created", version: 1, mapper: mapTicketCreatedV1 }],
});
