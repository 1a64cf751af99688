// Against the real registry (Apicurio 3 ccompat here; the same REST API as Confluent Cloud):
// registration, lookups, compatibility enforcement, and the start-up drift check.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { loadCatalogEncoder } from "../../src/schema/catalog-encoder.ts";
import {
  RegistryRequestError,
  RegistryUnavailableError,
  SchemaDriftError,
  SubjectNotRegisteredError,
} from "../../src/schema/errors.ts";
import { registerSchemas } from "../../src/schema/register.ts";
import { CompatibilityLevel, RegistryClient } from "../../src/schema/registry-client.ts";
import { confluentReprintPath, fixtureEntry, fixtureProtoPath } from "../fixtures/schema/entries.ts";

const registry = new RegistryClient({ url: meshEndpoints.registryUrl });
const fixtureText = readFileSync(fixtureProtoPath, "utf8");
const withNote = fixtureText.replace("string currency = 5;", "string currency = 5;\n  string note = 9;");
const renamed = fixtureText.replace("string customer_id = 2;", "string customer_ref = 2;");
const retyped = fixtureText.replace("int64 total_minor = 4;", "string total_minor = 4;");
/** Same schema, different text: no comments, other indentation and line breaks, single quotes. */
const reformatted = fixtureText
  .replace(/\/\/[^\n]*\n/g, "")
  .replace(/\/\*[\s\S]*?\*\//g, "")
  .replace(/\n {2}/g, "\n    ")
  .replace(/;\n\s*string tenant/, "; string tenant")
  .replace('"proto3"', "'proto3'");

const tmp = mkdtempSync(join(tmpdir(), "mb-schema-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("registry: Confluent REST API", () => {
  it("registers a Protobuf schema and returns it by id and as the subject's latest version", async () => {
    const entry = fixtureEntry();
    const [result] = await registerSchemas([entry], registry);
    assert.ok(result !== undefined);
    assert.equal(result.subject, entry.subject);
    assert.equal(result.version, 1);
    assert.equal(result.created, true);
    assert.equal(result.latest, true);
    assert.equal(result.compatibility, "BACKWARD");

    const byId = await registry.getById(result.id);
    assert.equal(byId?.schema, fixtureText);
    assert.equal(byId?.schemaType, "PROTOBUF");
    const latest = await registry.getLatest(entry.subject);
    assert.equal(latest?.id, result.id);
    assert.equal(latest?.version, 1);
    assert.equal(latest?.schema, fixtureText);
    assert.equal(await registry.getCompatibility(entry.subject), "BACKWARD");
  });

  it("is idempotent: the same schema, even reformatted, keeps its id and version", async () => {
    const entry = fixtureEntry();
    const [first] = await registerSchemas([entry], registry);
    const [again] = await registerSchemas([entry], registry);
    assert.deepEqual(again, { ...first, created: false });
    // The registry itself: the identical text again → same id, no new version.
    assert.equal(await registry.register(entry.subject, fixtureText, "PROTOBUF"), first?.id);
    const path = join(tmp, "reformatted.proto");
    writeFileSync(path, reformatted);
    const [fromReformatted] = await registerSchemas([{ ...entry, protoPath: path }], registry);
    assert.equal(fromReformatted?.id, first?.id);
    assert.equal(fromReformatted?.version, 1);
    assert.equal(fromReformatted?.created, false);
  });

  it("enforces BACKWARD per subject: an incompatible version is rejected, a compatible one accepted", async () => {
    const entry = fixtureEntry();
    await registerSchemas([entry], registry);
    assert.equal(await registry.isCompatible(entry.subject, retyped, "PROTOBUF"), false);
    await assert.rejects(
      registry.register(entry.subject, retyped, "PROTOBUF"),
      (e: unknown) => e instanceof RegistryRequestError && e.status === 409,
    );
    await assert.rejects(
      registry.register(entry.subject, renamed, "PROTOBUF"),
      (e: unknown) => e instanceof RegistryRequestError && e.status === 409,
    );
    assert.equal(await registry.isCompatible(entry.subject, withNote, "PROTOBUF"), true);
    await registry.register(entry.subject, withNote, "PROTOBUF");
    assert.equal((await registry.getLatest(entry.subject))?.version, 2);
  });

  it("registerSchemas explains a rejected version with the difference", async () => {
    const entry = fixtureEntry();
    await registry.setCompatibility(entry.subject, CompatibilityLevel.BACKWARD);
    await registry.register(entry.subject, retyped, "PROTOBUF");
    await assert.rejects(registerSchemas([entry], registry), (e: unknown) => {
      assert.ok(e instanceof RegistryRequestError);
      assert.equal(e.status, 409);
      assert.match(e.message, new RegExp(`subject "${entry.subject}"`));
      assert.match(e.message, /- {3}string total_minor = 4;\n\s+\+ {3}int64 total_minor = 4;/);
      return true;
    });
  });

  it("without a compatibility level (NONE), the same change is accepted: the rule lives on the subject", async () => {
    const entry = fixtureEntry();
    await registerSchemas([entry], registry, { compatibility: CompatibilityLevel.NONE });
    await registry.register(entry.subject, retyped, "PROTOBUF");
    assert.equal((await registry.getLatest(entry.subject))?.version, 2);
  });
});

describe("registry: start-up drift check", () => {
  it("loads the encoder when the latest registered schema is the catalog schema", async () => {
    const entry = fixtureEntry();
    const [registered] = await registerSchemas([entry], registry);
    const encoder = await loadCatalogEncoder([entry], registry);
    assert.equal(encoder.schemaIdFor(entry.topic), registered?.id);
    assert.equal(encoder.topics[0]?.version, 1);
  });

  it("sees no drift when the registered text differs only in comments and layout", async () => {
    const entry = fixtureEntry();
    const id = await registry.register(entry.subject, reformatted, "PROTOBUF");
    const encoder = await loadCatalogEncoder([entry], registry);
    assert.equal(encoder.schemaIdFor(entry.topic), id);
  });

  it("sees no drift when the registry holds Confluent's re-printed form (comments gone, enums last)", async () => {
    const entry = fixtureEntry();
    const id = await registry.register(entry.subject, readFileSync(confluentReprintPath, "utf8"), "PROTOBUF");
    const encoder = await loadCatalogEncoder([entry], registry);
    assert.equal(encoder.schemaIdFor(entry.topic), id);
  });

  it("refuses to start when a newer version was registered, showing the added field", async () => {
    const entry = fixtureEntry();
    const [v1] = await registerSchemas([entry], registry);
    const v2 = await registry.register(entry.subject, withNote, "PROTOBUF");
    assert.notEqual(v2, v1?.id);
    await assert.rejects(loadCatalogEncoder([entry], registry), (e: unknown) => {
      assert.ok(e instanceof SchemaDriftError);
      assert.equal(e.subject, entry.subject);
      assert.equal(e.registeredVersion, 2);
      assert.equal(e.registeredId, v2);
      assert.ok(e.difference.includes("-   string note = 9;"), e.difference.join("\n"));
      assert.match(e.message, new RegExp(`subject "${entry.subject}": latest registered version 2 \\(id ${v2}\\)`));
      return true;
    });
  });

  it("refuses a renamed field, showing both names", async () => {
    const entry = fixtureEntry();
    await registry.register(entry.subject, renamed, "PROTOBUF");
    await assert.rejects(
      loadCatalogEncoder([entry], registry),
      (e: unknown) =>
        e instanceof SchemaDriftError &&
        e.difference.includes("-   string customer_ref = 2;") &&
        e.difference.includes("+   string customer_id = 2;"),
    );
  });

  it("names a missing subject and the registration command; never registers it", async () => {
    const entry = fixtureEntry();
    await assert.rejects(
      loadCatalogEncoder([entry], registry, { registerCommand: "npm run demo -- register" }),
      (e: unknown) =>
        e instanceof SubjectNotRegisteredError &&
        e.message.includes(`"${entry.subject}"`) &&
        e.message.includes("npm run demo -- register"),
    );
    assert.equal(await registry.getLatest(entry.subject), undefined);
  });

  it("reports an unreachable registry as transient", async () => {
    const down = new RegistryClient({ url: "http://127.0.0.1:1/apis/ccompat/v7", timeoutMs: 2000 });
    await assert.rejects(loadCatalogEncoder([fixtureEntry()], down), RegistryUnavailableError);
  });
});
