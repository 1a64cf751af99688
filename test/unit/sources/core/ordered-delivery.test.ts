// The ordering both sources share: held behind a busy key, passed on by an ack (one batch per
// tick), given back with the key's held ones by a nack, and given back once stopping.
import assert from "node:assert/strict";
import { test } from "node:test";
import { OrderedDelivery } from "../../../../src/sources/core/ordered-delivery.ts";

class Message {
  gateKey: string | undefined;
  readonly id: string;
  constructor(id: string, key?: string) {
    this.id = id;
    this.gateKey = key;
  }
}

function setup() {
  const delivered: string[][] = [];
  const released: string[] = [];
  const ordered = new OrderedDelivery<Message>(
    (batch) => delivered.push(batch.map((m) => m.id)),
    (message) => released.push(`${message.id}:${message.gateKey ?? "-"}`),
  );
  return { ordered, delivered, released };
}

const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve));

test("no key passes; a busy key holds; acks pass the next ones on in one batch per tick", async () => {
  const { ordered, delivered } = setup();
  const [a1, a2, b1, b2] = [new Message("a1", "a"), new Message("a2", "a"), new Message("b1", "b"), new Message("b2", "b")];
  assert.equal(ordered.admit(new Message("free")), true);
  assert.deepEqual(
    [a1, a2, b1, b2].map((m) => ordered.admit(m)),
    [true, false, true, false],
  );
  assert.equal(ordered.held, 2);
  ordered.settled(a1, true);
  ordered.settled(b1, true);
  assert.deepEqual(delivered, [], "not before the tick");
  await tick();
  assert.deepEqual(delivered, [["a2", "b2"]]);
  assert.equal(ordered.held, 0);
});

test("a nack gives the key's held ones back, key cleared; the key is free again", () => {
  const { ordered, released } = setup();
  const [a1, a2, a3] = [new Message("a1", "a"), new Message("a2", "a"), new Message("a3", "a")];
  for (const m of [a1, a2, a3]) ordered.admit(m);
  ordered.settled(a1, false);
  assert.deepEqual(released, ["a2:-", "a3:-"]);
  assert.equal(ordered.admit(new Message("a4", "a")), true);
});

test("stopping: freed and held messages go back, never to the pipeline", async () => {
  const { ordered, delivered, released } = setup();
  const [a1, a2, b1, b2] = [new Message("a1", "a"), new Message("a2", "a"), new Message("b1", "b"), new Message("b2", "b")];
  for (const m of [a1, a2, b1, b2]) ordered.admit(m);
  ordered.stopPassing();
  ordered.settled(a1, true);
  ordered.releaseHeld();
  await tick();
  assert.deepEqual(delivered, []);
  assert.deepEqual(released.sort(), ["a2:-", "b2:-"]);
  assert.equal(ordered.held, 0);
});
