// Reads a valibot schema back: its kind, range, default, description and our annotations. The
// error messages, the redaction, and the generated docs all read the one schema through this.
import type { GenericSchema } from "valibot";

/** Our own annotations, given with v.metadata(). */
export interface Annotations {
  /** Words for "expected ..." in errors and the docs, where type and range alone say too little. */
  readonly expected?: string;
  /** The value is a secret: resolved from a reference, redacted wherever configuration is printed. */
  readonly secret?: true;
}

export interface SchemaInfo extends Annotations {
  readonly kind: "object" | "array" | "string" | "integer" | "number" | "boolean" | "choice" | "union" | "other";
  /** May be absent (with or without a default). */
  readonly optional: boolean;
  readonly default?: unknown;
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly pattern?: RegExp;
  readonly choices?: readonly string[];
  readonly entries?: Readonly<Record<string, GenericSchema>>;
  readonly item?: GenericSchema;
  /** The alternatives of a union. */
  readonly options?: readonly GenericSchema[];
}

interface Inner {
  type: string;
  pipe?: readonly Inner[];
  wrapped?: Inner;
  default?: unknown;
  entries?: Record<string, GenericSchema>;
  item?: GenericSchema;
  options?: readonly unknown[];
  requirement?: unknown;
  description?: string;
  metadata?: Annotations;
}

export function inspect(schema: GenericSchema): SchemaInfo {
  let node = schema as unknown as Inner;
  const info: { -readonly [K in keyof SchemaInfo]: SchemaInfo[K] } = { kind: "other", optional: false };
  if (node.type === "optional") {
    info.optional = true;
    if (node.default !== undefined) info.default = node.default;
    node = node.wrapped!;
  }
  for (const action of node.pipe?.slice(1) ?? []) {
    if (action.type === "min_value") info.minimum = action.requirement as number;
    else if (action.type === "max_value") info.maximum = action.requirement as number;
    else if (action.type === "min_length") info.minLength = action.requirement as number;
    else if (action.type === "regex") info.pattern = action.requirement as RegExp;
    else if (action.type === "integer") info.kind = "integer";
    else if (action.type === "description") info.description = action.description;
    else if (action.type === "metadata") Object.assign(info, action.metadata);
  }
  if (node.type === "strict_object") {
    info.kind = "object";
    info.entries = node.entries;
  } else if (node.type === "array") {
    info.kind = "array";
    info.item = node.item;
  } else if (node.type === "picklist") {
    info.kind = "choice";
    info.choices = (node.options ?? []).map(String);
  } else if (node.type === "number") {
    if (info.kind !== "integer") info.kind = "number";
  } else if (node.type === "string" || node.type === "boolean" || node.type === "union") {
    info.kind = node.type;
    if (node.type === "union") info.options = (node.options ?? []) as GenericSchema[];
  }
  return info;
}

/** The schema of the value at `path` (keys and list indexes), or undefined. */
export function schemaAt(root: GenericSchema, path: readonly (string | number)[]): GenericSchema | undefined {
  let schema: GenericSchema | undefined = root;
  for (const key of path) {
    if (schema === undefined) return undefined;
    const info = inspect(schema);
    if (info.kind === "union") {
      // A key inside one of the union's object forms (e.g. kafka.tls.ca of `true | {ca}`).
      schema = info.options?.map((option) => inspect(option).entries?.[String(key)]).find((entry) => entry !== undefined);
    } else schema = info.kind === "array" ? info.item : info.entries?.[String(key)];
  }
  return schema;
}
