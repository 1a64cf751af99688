// Starts a source as the bridge does: with a deliver function, the shared budget and a stop signal.
import type { InFlightBudget } from "../../src/pipeline/budget.ts";
import type { Deliver, Source } from "../../src/sources/source.ts";

export function startWith(
  source: Source,
  budget: InFlightBudget,
  deliver: Deliver,
  signal: AbortSignal = new AbortController().signal,
): Promise<void> {
  return source.start({ deliver, budget, signal });
}
