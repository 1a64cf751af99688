// The configuration schema as plain JSON Schema (keys, types, ranges, patterns, defaults), the
// neutral form the other candidates are built from for the measurement.
import type { GenericSchema } from "valibot";
import { inspect } from "../../src/cli/config/schema-info.ts";

export interface JsonSchema {
  type?: string;
  anyOf?: JsonSchema[];
  enum?: string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: false;
  items?: JsonSchema;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  pattern?: string;
}

export function toJsonSchema(schema: GenericSchema): JsonSchema {
  const info = inspect(schema);
  const out: JsonSchema = {};
  if (info.default !== undefined) out.default = info.default;
  switch (info.kind) {
    case "object": {
      out.type = "object";
      out.additionalProperties = false;
      out.properties = {};
      out.required = [];
      for (const [key, inner] of Object.entries(info.entries ?? {})) {
        out.properties[key] = toJsonSchema(inner);
        if (!inspect(inner).optional) out.required.push(key);
      }
      return out;
    }
    case "array":
      out.type = "array";
      out.items = toJsonSchema(info.item!);
      if (info.minLength !== undefined) out.minItems = info.minLength;
      return out;
    case "choice":
      out.type = "string";
      out.enum = [...info.choices!];
      return out;
    case "union": {
      // The only union is a secret: a string or an {env} / {file} reference.
      const reference = (key: string): JsonSchema => ({
        type: "object",
        additionalProperties: false,
        required: [key],
        properties: { [key]: { type: "string", minLength: 1 } },
      });
      out.anyOf = [{ type: "string", minLength: 1 }, reference("env"), reference("file")];
      return out;
    }
    default:
      out.type = info.kind;
      if (info.minimum !== undefined) out.minimum = info.minimum;
      if (info.maximum !== undefined) out.maximum = info.maximum;
      if (info.minLength !== undefined) out.minLength = info.minLength;
      if (info.pattern !== undefined) out.pattern = info.pattern.source;
      return out;
  }
}
