// system_ping v1: the monitoring heartbeat of the legacy queues. Internal; never a catalog event.
import type { Mapper } from "../../src/mapping/mapper.ts";
import { none } from "./common.ts";

export const mapSystemPingV1: Mapper = () => none;
