// A canonical form of .proto text, to compare the registered schema with the catalog file.
//
// Registries do not hand back what was registered in the same shape: Apicurio returns the
// text as registered, Confluent stores `ProtobufSchema.canonicalString()` — the file
// re-printed without comments, with every enum after every message, oneofs after plain
// fields, nested messages before nested enums, and without enum-level `reserved`. So the
// canonical form here is that re-printed layout, built from a small statement tree:
// comments, whitespace, line breaks and string escaping disappear; declarations are grouped
// in Confluent's order; inside each group the source order stays. Nothing is sorted by name
// or number: top-level message order is the message index every record carries, and any
// other reordering is treated as a difference (conservative: a false alarm beats a silent
// mismatch). Not normalised (reported as drift): hex vs decimal literals, adjacent string
// literal concatenation.

export type ProtoToken = string;

export class ProtoSyntaxError extends Error {
  override readonly name = "ProtoSyntaxError";
}

const PUNCTUATION = new Set(["{", "}", "(", ")", "[", "]", "<", ">", ";", ",", "=", ":", "-", "+", "/"]);

function isWordChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || // 0-9
    (code >= 65 && code <= 90) || // A-Z
    (code >= 97 && code <= 122) || // a-z
    code === 95 || // _
    code === 46 // . (qualified names, floats)
  );
}

/** Splits .proto text into tokens, dropping comments and whitespace; strings come out canonical. */
export function tokenizeProto(text: string): ProtoToken[] {
  const tokens: ProtoToken[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i] as string;
    const code = text.charCodeAt(i);
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || ch === "\f" || ch === "\v" || ch === "\uFEFF") {
      i++;
    } else if (ch === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      i = end < 0 ? n : end + 1;
    } else if (ch === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new ProtoSyntaxError(`unterminated block comment at offset ${i}`);
      i = end + 2;
    } else if (ch === '"' || ch === "'") {
      const start = i;
      i++;
      while (i < n && text[i] !== ch) {
        if (text[i] === "\n") throw new ProtoSyntaxError(`line break inside a string literal at offset ${start}`);
        i += text[i] === "\\" ? 2 : 1;
      }
      if (i >= n) throw new ProtoSyntaxError(`unterminated string literal at offset ${start}`);
      i++;
      tokens.push(encodeString(decodeString(text.slice(start + 1, i - 1))));
    } else if (isWordChar(code)) {
      const start = i;
      while (i < n && isWordChar(text.charCodeAt(i))) i++;
      // A float literal's exponent sign (1e-3) belongs to the literal.
      const isNumber = code >= 48 && code <= 57;
      if (isNumber && (text[i - 1] === "e" || text[i - 1] === "E") && (text[i] === "-" || text[i] === "+")) {
        i++;
        while (i < n && isWordChar(text.charCodeAt(i))) i++;
      }
      tokens.push(text.slice(start, i));
    } else if (PUNCTUATION.has(ch)) {
      tokens.push(ch);
      i++;
    } else {
      throw new ProtoSyntaxError(`unexpected character ${JSON.stringify(ch)} at offset ${i}`);
    }
  }
  return tokens;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "?": "?",
};

/** The characters a string literal stands for (either quote style, any escape spelling). */
function decodeString(body: string): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = body[i + 1] ?? "";
    const simple = SIMPLE_ESCAPES[next];
    const rest = body.slice(i + 1);
    const hex = /^[xX]([0-9a-fA-F]{1,2})/.exec(rest);
    const octal = /^[0-7]{1,3}/.exec(rest);
    const unicode = /^(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))/.exec(rest);
    if (simple !== undefined) {
      out += simple;
      i++;
    } else if (hex !== null) {
      out += String.fromCharCode(Number.parseInt(hex[1] as string, 16));
      i += hex[0].length;
    } else if (octal !== null) {
      out += String.fromCharCode(Number.parseInt(octal[0], 8));
      i += octal[0].length;
    } else if (unicode !== null) {
      out += String.fromCodePoint(Number.parseInt((unicode[1] ?? unicode[2]) as string, 16));
      i += unicode[0].length;
    } else {
      out += next;
      i++;
    }
  }
  return out;
}

/** One spelling per string: double quotes, escapes only where needed. */
function encodeString(value: string): string {
  let out = '"';
  for (const c of value) {
    const code = c.codePointAt(0) as number;
    if (c === "\\" || c === '"') out += `\\${c}`;
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += c;
  }
  return `${out}"`;
}

/** A `;`-terminated statement, or a block: header tokens then `{ children }`. */
type ProtoNode =
  | { readonly kind: "statement"; readonly tokens: readonly ProtoToken[] }
  | { readonly kind: "block"; readonly header: readonly ProtoToken[]; readonly children: readonly ProtoNode[] };

/** Builds the statement tree. `[...]` and `(...)` never open or close a block. */
export function parseProto(tokens: readonly ProtoToken[]): ProtoNode[] {
  let pos = 0;
  const parseBody = (closing: boolean): ProtoNode[] => {
    const nodes: ProtoNode[] = [];
    let current: ProtoToken[] = [];
    let bracketDepth = 0;
    while (pos < tokens.length) {
      const token = tokens[pos++] as string;
      if (token === "[" || token === "(") bracketDepth++;
      else if ((token === "]" || token === ")") && bracketDepth > 0) bracketDepth--;
      if (bracketDepth > 0) {
        current.push(token);
      } else if (token === ";") {
        // An empty statement (a lone ";", e.g. after an aggregate option value) means nothing.
        if (current.length > 0) nodes.push({ kind: "statement", tokens: [...current, ";"] });
        current = [];
      } else if (token === "{") {
        const header = current;
        current = [];
        nodes.push({ kind: "block", header, children: parseBody(true) });
      } else if (token === "}") {
        if (!closing) throw new ProtoSyntaxError("unbalanced '}'");
        if (current.length > 0) nodes.push({ kind: "statement", tokens: current });
        return nodes;
      } else {
        current.push(token);
      }
    }
    if (closing) throw new ProtoSyntaxError("missing '}' at end of text");
    if (current.length > 0) throw new ProtoSyntaxError(`statement without ';' at end of text: ${current.join(" ")}`);
    return nodes;
  };
  return parseBody(false);
}

type Container = "file" | "message" | "enum" | "oneof" | "service" | "other";

function nodeKind(node: ProtoNode): string {
  const first = (node.kind === "statement" ? node.tokens[0] : node.header[0]) ?? "";
  if (node.kind === "block" && node.header.includes("group")) return "group";
  switch (first) {
    case "syntax":
    case "edition":
      return "syntax";
    case "package":
    case "import":
    case "option":
    case "message":
    case "enum":
    case "extend":
    case "service":
    case "oneof":
    case "reserved":
    case "extensions":
    case "rpc":
      return first;
    default:
      return "field"; // fields, map fields, enum constants
  }
}

/** Confluent's print order per container (ProtobufSchemaUtils.toString, non-normalised). */
const ORDER: Record<Container, readonly string[]> = {
  file: ["syntax", "package", "import", "option", "message", "enum", "extend", "service"],
  message: ["reserved", "option", "field", "oneof", "group", "extensions", "message", "enum", "extend"],
  enum: ["option", "field"],
  oneof: ["option", "field", "group"],
  service: ["option", "rpc"],
  other: [],
};

/** Confluent drops these when it re-prints, and they do not change encoding. */
const DROPPED: Record<Container, ReadonlySet<string>> = {
  file: new Set(),
  message: new Set(),
  enum: new Set(["reserved"]),
  oneof: new Set(),
  service: new Set(),
  other: new Set(),
};

function containerOf(node: ProtoNode & { kind: "block" }): Container {
  const kind = nodeKind(node);
  if (kind === "message" || kind === "group") return "message";
  if (kind === "enum" || kind === "oneof" || kind === "service") return kind;
  return "other";
}

function reorder(nodes: readonly ProtoNode[], container: Container): ProtoNode[] {
  const order = ORDER[container];
  const rank = (node: ProtoNode): number => {
    const index = order.indexOf(nodeKind(node));
    return index < 0 ? order.length : index; // unknown kinds keep their place after the known
  };
  return nodes
    .filter((node) => !DROPPED[container].has(nodeKind(node)))
    .map((node, index) => ({ node, index, rank: rank(node) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ node }) => (node.kind === "block" ? { ...node, children: reorder(node.children, containerOf(node)) } : node));
}

function flatten(nodes: readonly ProtoNode[], out: ProtoToken[] = []): ProtoToken[] {
  for (const node of nodes) {
    if (node.kind === "statement") {
      out.push(...node.tokens);
    } else {
      out.push(...node.header, "{");
      flatten(node.children, out);
      out.push("}");
    }
  }
  return out;
}

/** The canonical token sequence: tree, Confluent's grouping, back to tokens. */
export function canonicalTokens(tokens: readonly ProtoToken[]): ProtoToken[] {
  return flatten(reorder(parseProto(tokens), "file"));
}

const NO_SPACE_BEFORE = new Set([";", ",", ")", "]", ">", "<"]);
const NO_SPACE_AFTER = new Set(["(", "[", "<", "-", "+"]);

/** Lays tokens out one statement per line, indented by nesting depth. */
export function renderLines(tokens: readonly ProtoToken[]): string[] {
  const lines: string[] = [];
  let depth = 0;
  let line = "";
  let previous = "";
  // Inside [...] or (...) a ";" or "{" never ends a statement line (aggregate option values).
  let bracketDepth = 0;
  const flush = (): void => {
    if (line !== "") lines.push("  ".repeat(Math.max(depth, 0)) + line);
    line = "";
    previous = "";
  };
  for (const token of tokens) {
    if (token === "}" && bracketDepth === 0) {
      flush();
      depth--;
      lines.push(`${"  ".repeat(Math.max(depth, 0))}}`);
      continue;
    }
    const glue = line === "" || NO_SPACE_BEFORE.has(token) || NO_SPACE_AFTER.has(previous) ? "" : " ";
    line += glue + token;
    previous = token;
    if (token === "[" || token === "(") bracketDepth++;
    else if ((token === "]" || token === ")") && bracketDepth > 0) bracketDepth--;
    if (bracketDepth > 0) continue;
    if (token === ";") flush();
    else if (token === "{") {
      flush();
      depth++;
    }
  }
  flush();
  return lines;
}

/** Canonical lines from tokens: what is compared, and what a drift report shows. */
export function canonicalLinesOf(tokens: readonly ProtoToken[]): string[] {
  return renderLines(canonicalTokens(tokens));
}

/** Canonical lines of .proto text. */
export function canonicalLines(text: string): string[] {
  return canonicalLinesOf(tokenizeProto(text));
}

/** One string per schema; equal strings mean no drift. */
export function canonicalProto(text: string): string {
  return canonicalLines(text).join("\n");
}
