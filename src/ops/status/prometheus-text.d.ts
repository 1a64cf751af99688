// Types of prometheus-text.js (a plain browser module, served as is by the ops server).
export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}
export function parsePrometheusText(text: string): { samples: PrometheusSample[]; errors: number };
