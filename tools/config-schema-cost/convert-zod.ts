// The configuration's JSON Schema as the equivalent zod 4 schema (strict objects, no coercion,
// the same ranges and defaults), so that zod is measured building and checking the same thing.
import type { JsonSchema } from "./json-schema.ts";

// biome-ignore lint/suspicious/noExplicitAny: zod is loaded at run time from outside the project
type Z = any;

export function toZod(z: Z, schema: JsonSchema): Z {
  if (schema.anyOf !== undefined) return z.union(schema.anyOf.map((option) => toZod(z, option)));
  if (schema.enum !== undefined) return z.enum(schema.enum);
  switch (schema.type) {
    case "object": {
      const shape: Record<string, Z> = {};
      for (const [key, inner] of Object.entries(schema.properties ?? {})) {
        let type = toZod(z, inner);
        // prefault: an absent section is parsed from {} so that its own defaults apply.
        if (inner.default !== undefined)
          type = inner.type === "object" ? type.prefault(inner.default) : type.default(inner.default);
        else if (!(schema.required ?? []).includes(key)) type = type.optional();
        shape[key] = type;
      }
      return z.strictObject(shape);
    }
    case "array": {
      const type = z.array(toZod(z, schema.items ?? {}));
      return schema.minItems === undefined ? type : type.min(schema.minItems);
    }
    case "string": {
      let type = z.string();
      if (schema.minLength !== undefined) type = type.min(schema.minLength);
      if (schema.pattern !== undefined) type = type.regex(new RegExp(schema.pattern));
      return type;
    }
    case "integer":
    case "number": {
      let type = schema.type === "integer" ? z.number().int() : z.number();
      if (schema.minimum !== undefined) type = type.min(schema.minimum);
      if (schema.maximum !== undefined) type = type.max(schema.maximum);
      return type;
    }
    case "boolean":
      return z.boolean();
    default:
      throw new Error(`no zod form for ${JSON.stringify(schema).slice(0, 80)}`);
  }
}
