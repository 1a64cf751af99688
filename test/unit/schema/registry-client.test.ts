// The REST client against an in-process fake HTTP server: auth, error classification.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { isTransientRegistryError, RegistryRequestError, RegistryUnavailableError } from "../../../src/schema/errors.ts";
import { RegistryClient } from "../../../src/schema/registry-client.ts";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler = (_req, _body, res) => res.end();
let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

function reply(status: number, body: unknown): Handler {
  return (_req, _body, res) => {
    res.writeHead(status, { "content-type": "application/vnd.schemaregistry.v1+json" });
    res.end(JSON.stringify(body));
  };
}

describe("RegistryClient", () => {
  it("sends basic auth (API key/secret) and the Confluent content type", async () => {
    const seen: Record<string, string | undefined> = {};
    handler = (req, body, res) => {
      seen.auth = req.headers.authorization;
      seen.type = req.headers["content-type"];
      seen.path = req.url;
      seen.body = body;
      reply(200, { id: 7 })(req, body, res);
    };
    const client = new RegistryClient({ url: `${base}/`, basicAuth: { username: "KEY", password: "SECRET" } });
    assert.equal(await client.register("a b-value", 'syntax = "proto3";', "PROTOBUF"), 7);
    assert.equal(seen.auth, `Basic ${Buffer.from("KEY:SECRET").toString("base64")}`);
    assert.equal(seen.type, "application/vnd.schemaregistry.v1+json");
    assert.equal(seen.path, "/subjects/a%20b-value/versions");
    assert.deepEqual(JSON.parse(seen.body ?? ""), { schema: 'syntax = "proto3";', schemaType: "PROTOBUF" });
  });

  it("moves credentials out of the URL so errors never show them", async () => {
    let auth: string | undefined;
    handler = (req, body, res) => {
      auth = req.headers.authorization;
      reply(422, { error_code: 42201, message: "bad" })(req, body, res);
    };
    const client = new RegistryClient({ url: base.replace("http://", "http://KEY:S%3ACRET@") });
    const error = await client.register("s", "x", "PROTOBUF").catch((e: unknown) => e);
    assert.equal(auth, `Basic ${Buffer.from("KEY:S:CRET").toString("base64")}`);
    assert.ok(error instanceof RegistryRequestError);
    assert.equal(error.status, 422);
    assert.equal(error.errorCode, 42201);
    assert.doesNotMatch(error.message, /KEY|CRET/);
  });

  it("returns undefined for an unknown subject and parses the latest version", async () => {
    handler = reply(404, { error_code: 40401, message: "Subject not found" });
    const client = new RegistryClient({ url: base });
    assert.equal(await client.getLatest("nope"), undefined);
    handler = reply(200, { subject: "s", id: 3, version: 2, schema: 'syntax = "proto3";', schemaType: "PROTOBUF" });
    assert.deepEqual(await client.getLatest("s"), {
      subject: "s",
      id: 3,
      version: 2,
      schema: 'syntax = "proto3";',
      schemaType: "PROTOBUF",
      references: [],
    });
    handler = reply(200, { subject: "s", id: 3, version: 2, schema: "{}" });
    assert.equal((await client.getLatest("s"))?.schemaType, "AVRO");
  });

  it("treats 5xx and 429 as transient, 401/403 and other 4xx as not", async () => {
    const client = new RegistryClient({ url: base });
    for (const status of [500, 503, 429]) {
      handler = reply(status, { error_code: 50001, message: "boom\r\nsecond line" });
      const error = await client.getLatest("s").catch((e: unknown) => e);
      assert.ok(isTransientRegistryError(error), String(status));
      assert.doesNotMatch((error as Error).message, /[\r\n]/);
    }
    for (const status of [401, 403]) {
      handler = reply(status, { error_code: status, message: "Unauthorized" });
      const error = await client.getLatest("s").catch((e: unknown) => e);
      assert.ok(error instanceof RegistryRequestError && !isTransientRegistryError(error));
      assert.match(error.message, /refused the credentials/);
    }
    handler = reply(409, { error_code: 409, message: "incompatible" });
    const conflict = await client.register("s", "x", "PROTOBUF").catch((e: unknown) => e);
    assert.ok(conflict instanceof RegistryRequestError && conflict.status === 409);
  });

  it("reads the compatibility level in either spelling", async () => {
    const client = new RegistryClient({ url: base });
    handler = reply(200, { compatibilityLevel: "BACKWARD" });
    assert.equal(await client.getCompatibility("s"), "BACKWARD");
    handler = reply(200, { compatibility: "FULL" });
    assert.equal(await client.getCompatibility("s"), "FULL");
  });

  it("reports an unreachable registry and a timeout as transient", async () => {
    const refused = await new RegistryClient({ url: "http://127.0.0.1:1" }).getLatest("s").catch((e: unknown) => e);
    assert.ok(refused instanceof RegistryUnavailableError);
    assert.match(refused.message, /unreachable: GET http:\/\/127\.0\.0\.1:1\/subjects\/s\/versions\/latest/);

    handler = () => {}; // never answers
    const slow = await new RegistryClient({ url: base, timeoutMs: 100 }).getLatest("s").catch((e: unknown) => e);
    assert.ok(slow instanceof RegistryUnavailableError);
    assert.match(slow.message, /timed out/);
  });
});
