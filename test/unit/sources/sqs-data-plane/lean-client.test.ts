// The lean SQS client against a local HTTP server that records each request: the AWS JSON 1.0
// call (target, content type, body), its SigV4 signature (checked with the SDK's own signer),
// answers handed over, errors mapped as the source classifies them (name = AWS code, transient
// or not, message naming operation and queue), retries, deadline, abort, and credentials.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { LeanSqsClient } from "../../../../src/sources/sqs/data-plane/lean-data-plane.ts";
import { isQueueGone } from "../../../../src/sources/sqs/discovery.ts";

interface Captured {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

type Handler = (request: Captured, response: ServerResponse) => void;

const KEYS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "tok" };

describe("LeanSqsClient", () => {
  let server: Server;
  let endpoint: string;
  let queueUrl: string;
  let requests: Captured[];
  let handler: Handler;
  const clients: LeanSqsClient[] = [];
  const client = (options: { maxAttempts?: number; batchTimeoutMs?: number } = {}): LeanSqsClient => {
    const made = new LeanSqsClient({ region: "eu-west-1", endpoint, credentials: async () => KEYS, maxSockets: 4, ...options });
    clients.push(made);
    return made;
  };
  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    response.writeHead(status, { "content-type": "application/x-amz-json-1.0", ...headers });
    response.end(JSON.stringify(body));
  };
  const receiveRequest = () => ({
    queueUrl,
    maxMessages: 10,
    waitTimeSeconds: 0,
    visibilityTimeoutSeconds: 30,
    systemAttributes: ["ApproximateReceiveCount", "SentTimestamp"],
  });

  before(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const captured = {
          method: request.method ?? "",
          url: request.url ?? "",
          headers: request.headers,
          body: Buffer.concat(chunks).toString(),
        };
        requests.push(captured);
        handler(captured, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    queueUrl = `${endpoint}/123456789012/orders`;
  });
  beforeEach(() => {
    requests = [];
    handler = (_, response) => json(response, 200, {});
  });
  after(async () => {
    for (const made of clients) made.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("sends ReceiveMessage as AWS JSON 1.0, signed as the SDK signs it, and hands the messages over", async () => {
    const message = {
      MessageId: "m1",
      ReceiptHandle: "r1",
      Body: '{"v":1}',
      MD5OfBody: "ignored",
      Attributes: { ApproximateReceiveCount: "2", SentTimestamp: "1700000000000" },
      MessageAttributes: { traceparent: { DataType: "String", StringValue: "00-abc" } },
    };
    handler = (_, response) => json(response, 200, { Messages: [message] });
    const messages = await client().receive(receiveRequest());
    assert.deepEqual(messages, [message]);

    const [request] = requests;
    assert.ok(request !== undefined);
    assert.equal(request.method, "POST");
    assert.equal(request.url, "/");
    assert.equal(request.headers["x-amz-target"], "AmazonSQS.ReceiveMessage");
    assert.equal(request.headers["content-type"], "application/x-amz-json-1.0");
    assert.equal(request.headers["x-amz-security-token"], "tok");
    assert.deepEqual(JSON.parse(request.body), {
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      VisibilityTimeout: 30,
      MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
      MessageAttributeNames: ["All"],
    });

    // Re-sign the request as received with the SDK's signer at the same time: same signature.
    const date = String(request.headers["x-amz-date"]);
    const signedNames = /SignedHeaders=([^,]+),/.exec(String(request.headers.authorization))![1]!.split(";");
    const headers: Record<string, string> = {};
    for (const name of signedNames) headers[name] = String(request.headers[name]);
    const sdk = new SignatureV4({ credentials: KEYS, region: "eu-west-1", service: "sqs", sha256: Sha256, applyChecksum: false });
    const at = new Date(
      Date.UTC(
        +date.slice(0, 4),
        +date.slice(4, 6) - 1,
        +date.slice(6, 8),
        +date.slice(9, 11),
        +date.slice(11, 13),
        +date.slice(13, 15),
      ),
    );
    const signed = await sdk.sign(
      { method: "POST", protocol: "http:", hostname: "127.0.0.1", path: "/", headers, body: request.body, query: {} },
      { signingDate: at },
    );
    assert.equal(request.headers.authorization, signed.headers.authorization);
    assert.match(String(request.headers.authorization), /Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sqs\/aws4_request/);
  });

  it("answers an empty receive with no messages", async () => {
    assert.deepEqual(await client().receive(receiveRequest()), []);
  });

  it("sends DeleteMessageBatch and ChangeMessageVisibilityBatch entries by index and returns the failed ones", async () => {
    const failure = { Id: "1", SenderFault: true, Code: "ReceiptHandleIsInvalid", Message: "bad handle" };
    handler = (_, response) => json(response, 200, { Successful: [{ Id: "0" }], Failed: [failure] });
    const sqs = client();
    const entries = [{ receiptHandle: 'a"b\\c' }, { receiptHandle: "x" }];
    assert.deepEqual(await sqs.deleteBatch(queueUrl, entries), [failure]);
    assert.deepEqual(await sqs.changeVisibilityBatch(queueUrl, entries, 0), [failure]);
    const [deleted, changed] = requests;
    assert.equal(deleted?.headers["x-amz-target"], "AmazonSQS.DeleteMessageBatch");
    assert.deepEqual(JSON.parse(deleted!.body), {
      QueueUrl: queueUrl,
      Entries: [
        { Id: "0", ReceiptHandle: 'a"b\\c' },
        { Id: "1", ReceiptHandle: "x" },
      ],
    });
    assert.equal(changed?.headers["x-amz-target"], "AmazonSQS.ChangeMessageVisibilityBatch");
    assert.deepEqual(JSON.parse(changed!.body).Entries, [
      { Id: "0", ReceiptHandle: 'a"b\\c', VisibilityTimeout: 0 },
      { Id: "1", ReceiptHandle: "x", VisibilityTimeout: 0 },
    ]);
  });

  it("maps a missing queue to QueueDoesNotExist (permanent, not retried), naming operation and queue", async () => {
    handler = (_, response) =>
      json(
        response,
        400,
        { __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "The specified queue does not exist." },
        { "x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender" },
      );
    const error = await client()
      .receive(receiveRequest())
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "QueueDoesNotExist");
    assert.equal((error as { Code?: string }).Code, "AWS.SimpleQueueService.NonExistentQueue");
    assert.equal((error as { transient?: boolean }).transient, false);
    assert.equal(isQueueGone(error), true);
    assert.equal(
      error.message,
      `SQS ReceiveMessage on ${queueUrl} failed with HTTP 400 QueueDoesNotExist: The specified queue does not exist.`,
    );
    assert.equal(requests.length, 1);
  });

  it("does not retry access denied", async () => {
    handler = (_, response) => json(response, 403, { __type: "com.amazon.coral.service#AccessDeniedException", message: "no" });
    const error = await client()
      .deleteBatch(queueUrl, [{ receiptHandle: "h" }])
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "AccessDeniedException");
    assert.equal((error as { transient?: boolean }).transient, false);
    assert.match(error.message, /^SQS DeleteMessageBatch on .*\/orders failed with HTTP 403/);
    assert.equal(requests.length, 1);
  });

  it("retries throttling and 5xx (3 attempts), then succeeds or gives the last error", async () => {
    let calls = 0;
    handler = (_, response) => {
      calls++;
      if (calls === 1) json(response, 400, { __type: "com.amazonaws.sqs#ThrottlingException", message: "slow down" });
      else if (calls === 2) json(response, 503, {});
      else json(response, 200, { Messages: [{ MessageId: "m" }] });
    };
    assert.deepEqual(await client().receive(receiveRequest()), [{ MessageId: "m" }]);
    assert.equal(requests.length, 3);

    requests = [];
    handler = (_, response) => json(response, 500, { __type: "InternalFailure", message: "boom" });
    const error = await client()
      .receive(receiveRequest())
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "InternalFailure");
    assert.equal((error as { transient?: boolean }).transient, true);
    assert.equal(requests.length, 3);
  });

  it("times out a call that gets no answer", async () => {
    handler = () => {}; // never answers
    const started = performance.now();
    const error = await client({ maxAttempts: 1, batchTimeoutMs: 200 })
      .deleteBatch(queueUrl, [{ receiptHandle: "h" }])
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "TimeoutError");
    assert.equal((error as { transient?: boolean }).transient, true);
    assert.equal(error.message, `SQS DeleteMessageBatch on ${queueUrl} timed out after 200 ms`);
    assert.ok(performance.now() - started < 5000);
  });

  it("stops a long poll when its signal aborts, with an AbortError and no retry", async () => {
    const abort = new AbortController();
    // A long poll that would last: aborted once the server has it (a fixed delay raced the
    // request on a loaded machine, which then never reached the server).
    handler = () => setImmediate(() => abort.abort());
    const pending = client().receive({ ...receiveRequest(), waitTimeSeconds: 20 }, abort.signal);
    const error = await pending.catch((caught: unknown) => caught);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "AbortError");
    assert.equal(requests.length, 1);
  });

  it("reports a refused connection as a transient network error naming the queue", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const sqs = new LeanSqsClient({ region: "eu-west-1", credentials: async () => KEYS, maxAttempts: 1 });
    clients.push(sqs);
    // No endpoint: the queue URL's own origin is called, as the SDK does.
    const gone = `http://127.0.0.1:${port}/123456789012/orders`;
    const error = await sqs.receive({ ...receiveRequest(), queueUrl: gone }).catch((caught: unknown) => caught);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "ECONNREFUSED");
    assert.equal((error as { transient?: boolean }).transient, true);
    assert.match(error.message, new RegExp(`^SQS ReceiveMessage on ${gone} failed: `));
  });

  it("asks the credential provider once and again only shortly before expiry", async () => {
    let asked = 0;
    let expiration = new Date(Date.now() + 3_600_000);
    const sqs = new LeanSqsClient({
      region: "eu-west-1",
      endpoint,
      credentials: async () => {
        asked++;
        return { accessKeyId: `AK${asked}`, secretAccessKey: "s", expiration };
      },
    });
    clients.push(sqs);
    await sqs.receive(receiveRequest());
    await sqs.receive(receiveRequest());
    assert.equal(asked, 1);
    // Credentials within 5 minutes of expiry are replaced before the next call.
    expiration = new Date(Date.now() + 60_000);
    const fresh = new LeanSqsClient({
      region: "eu-west-1",
      endpoint,
      credentials: async () => {
        asked++;
        return { accessKeyId: `AK${asked}`, secretAccessKey: "s", expiration };
      },
    });
    clients.push(fresh);
    await fresh.receive(receiveRequest());
    await fresh.receive(receiveRequest());
    assert.equal(asked, 3);
    assert.match(String(requests.at(-1)?.headers.authorization), /Credential=AK3\//);
    assert.equal(requests.at(-1)?.headers["x-amz-security-token"], undefined);
  });
});
