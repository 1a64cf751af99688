// The local mesh's test PKI: one CA and one server certificate (127.0.0.1 / localhost), made
// with openssl at the first `stack up` into the stack directory and kept until the cache is
// removed, so a running broker and the proxy keep matching the CA the tests trust.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stackDir } from "./ports.ts";
import { requireTool, run } from "./process.ts";

const tlsDir = join(stackDir, "tls");

export const meshTls = {
  /** PEM of the test CA: what a client passes as its CA bundle. */
  caFile: join(tlsDir, "ca.pem"),
  /** The server's certificate (signed by the CA) and its unencrypted PKCS#8 key. */
  certFile: join(tlsDir, "server.pem"),
  keyFile: join(tlsDir, "server.key"),
  /** Key then certificate chain in one file: Kafka's `ssl.keystore.type=PEM`. */
  kafkaKeystoreFile: join(tlsDir, "kafka-keystore.pem"),
} as const;

/** Creates the CA and server certificate unless all files already exist. */
export function ensureMeshCertificates(): void {
  if (Object.values(meshTls).every((file) => existsSync(file))) return;
  requireTool("openssl", ["version"], "generate the mesh's test certificates");
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const caKey = join(tlsDir, "ca.key");
  const csr = join(tlsDir, "server.csr");
  const extensions = join(tlsDir, "server.ext");
  const subject = (cn: string) => ["-subj", `/O=meshbridge local mesh/CN=${cn}`];
  run(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650", "-keyout", caKey, "-out", meshTls.caFile]
      .concat(subject("meshbridge test CA"))
      .concat(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]),
    "creating the test CA",
  );
  run(
    "openssl",
    ["req", "-newkey", "rsa:2048", "-nodes", "-sha256", "-keyout", meshTls.keyFile, "-out", csr].concat(subject("127.0.0.1")),
    "creating the server key",
  );
  writeFileSync(
    extensions,
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
  );
  run(
    "openssl",
    ["x509", "-req", "-in", csr, "-CA", meshTls.caFile, "-CAkey", caKey, "-CAcreateserial", "-days", "3650", "-sha256"].concat([
      "-extfile",
      extensions,
      "-out",
      meshTls.certFile,
    ]),
    "signing the server certificate",
  );
  writeFileSync(
    meshTls.kafkaKeystoreFile,
    readFileSync(meshTls.keyFile, "utf8") + readFileSync(meshTls.certFile, "utf8") + readFileSync(meshTls.caFile, "utf8"),
    { mode: 0o600 },
  );
}
