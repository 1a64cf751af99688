// A label whose values come from outside (tenant ids read from envelopes): at most `max` distinct
// values get a series of their own, later ones share "other", and a value that fails validation is
// "invalid" — an attacker choosing tenant ids cannot grow /metrics or inject into it.
export const OTHER_LABEL = "other";
export const INVALID_LABEL = "invalid";

export class BoundedLabels {
  readonly #max: number;
  readonly #valid: (value: string) => boolean;
  readonly #known = new Set<string>();
  constructor(max: number, valid: (value: string) => boolean) {
    this.#max = max;
    this.#valid = valid;
  }

  /** The label value to use for `value`. */
  label(value: string | undefined): string {
    if (value === undefined || !this.#valid(value)) return INVALID_LABEL;
    if (this.#known.has(value)) return value;
    if (this.#known.size >= this.#max) return OTHER_LABEL;
    this.#known.add(value);
    return value;
  }
}
