// SigV4 of the lean SQS client: AWS's published test vector (get-vanilla of the SigV4 test
// suite), an SQS JSON call with a session token signed as the SDK's own signer
// (@smithy/signature-v4, which @aws-sdk/client-sqs uses) signs it, and the day-bound signing key.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { amzDate, SigV4Signer } from "../../../../src/sources/sqs/data-plane/sigv4.ts";

const EXAMPLE = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };

describe("SigV4Signer", () => {
  it("signs AWS's get-vanilla test vector", () => {
    const signer = new SigV4Signer("us-east-1", "service");
    const header = signer.authorization(
      { method: "GET", path: "/", headers: { host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z" }, body: "" },
      EXAMPLE,
      "20150830T123600Z",
    );
    assert.equal(
      header,
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
  });

  it("signs an SQS JSON call with a session token as the SDK's signer does", async () => {
    const date = "20261202T010203Z";
    const identity = { ...EXAMPLE, sessionToken: "session/token+=" };
    const body = '{"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/123456789012/orders","MaxNumberOfMessages":10}';
    const headers = {
      "content-type": "application/x-amz-json-1.0",
      host: "sqs.eu-west-1.amazonaws.com",
      "x-amz-date": date,
      "x-amz-security-token": identity.sessionToken,
      "x-amz-target": "AmazonSQS.ReceiveMessage",
    };
    const ours = new SigV4Signer("eu-west-1", "sqs").authorization({ method: "POST", path: "/", headers, body }, identity, date);

    // applyChecksum false: as for SQS, no x-amz-content-sha256 header (the S3 convention).
    const sdk = new SignatureV4({
      credentials: identity,
      region: "eu-west-1",
      service: "sqs",
      sha256: Sha256,
      applyChecksum: false,
    });
    const signed = await sdk.sign(
      { method: "POST", protocol: "https:", hostname: headers.host, path: "/", headers: { ...headers }, body, query: {} },
      { signingDate: new Date(Date.UTC(2026, 11, 2, 1, 2, 3)) },
    );
    const signature = (header: string): string => header.slice(header.indexOf("Signature=") + 10);
    const sdkHeader = signed.headers.authorization!;
    assert.match(ours, /SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,/);
    assert.equal(signature(ours), signature(sdkHeader));
  });

  it("derives a new signing key for a new day and a new secret", () => {
    const request = { method: "GET", path: "/", headers: { host: "example.amazonaws.com" }, body: "" };
    const kept = new SigV4Signer("us-east-1", "service");
    const sign = (signer: SigV4Signer, secret: string, date: string): string =>
      signer.authorization(request, { accessKeyId: "AKIDEXAMPLE", secretAccessKey: secret }, date);
    const first = sign(kept, "s1", "20150830T123600Z");
    assert.equal(sign(kept, "s1", "20150830T235959Z").includes("/20150830/"), true);
    // Each answer must equal what a fresh signer (no cached key) gives.
    assert.equal(sign(kept, "s1", "20150831T000000Z"), sign(new SigV4Signer("us-east-1", "service"), "s1", "20150831T000000Z"));
    assert.equal(sign(kept, "s2", "20150831T000000Z"), sign(new SigV4Signer("us-east-1", "service"), "s2", "20150831T000000Z"));
    assert.equal(sign(kept, "s1", "20150830T123600Z"), first);
  });

  it("formats x-amz-date", () => {
    assert.equal(amzDate(Date.UTC(2015, 7, 30, 12, 36, 0, 789)), "20150830T123600Z");
  });
});
