// system_ping v1: the monitoring heartbeat of the legacy queues. Internal; never a catalog event.
import type { Mapper } from "meshbridge/catalog";
import { none } from "./common.ts";

export const mapSystemPingV1: Mapper = () => none;
