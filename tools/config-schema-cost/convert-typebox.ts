// The configuration's JSON Schema rebuilt with TypeBox's builders (what declaring it in TypeBox
// costs at import), for ajv to compile.
import type { JsonSchema } from "./json-schema.ts";

// biome-ignore lint/suspicious/noExplicitAny: TypeBox is loaded at run time from outside the project
type T = any;

export function toTypeBox(Type: T, schema: JsonSchema): T {
  const options = schema.default === undefined ? {} : { default: schema.default };
  if (schema.anyOf !== undefined)
    return Type.Union(
      schema.anyOf.map((option) => toTypeBox(Type, option)),
      options,
    );
  if (schema.enum !== undefined)
    return Type.Union(
      schema.enum.map((value) => Type.Literal(value)),
      options,
    );
  switch (schema.type) {
    case "object": {
      const properties: Record<string, T> = {};
      for (const [key, inner] of Object.entries(schema.properties ?? {})) {
        const type = toTypeBox(Type, inner);
        properties[key] = (schema.required ?? []).includes(key) || inner.default !== undefined ? type : Type.Optional(type);
      }
      return Type.Object(properties, { additionalProperties: false, ...options });
    }
    case "array":
      return Type.Array(toTypeBox(Type, schema.items ?? {}), { ...options, minItems: schema.minItems });
    case "string":
      return Type.String({ ...options, minLength: schema.minLength, pattern: schema.pattern });
    case "integer":
    case "number":
      return (schema.type === "integer" ? Type.Integer : Type.Number)({
        ...options,
        minimum: schema.minimum,
        maximum: schema.maximum,
      });
    case "boolean":
      return Type.Boolean(options);
    default:
      throw new Error(`no TypeBox form for ${JSON.stringify(schema).slice(0, 80)}`);
  }
}
