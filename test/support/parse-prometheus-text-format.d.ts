// Types for parse-prometheus-text-format (a port of Prometheus' prom2json parser; ships none).
declare module "parse-prometheus-text-format" {
  export interface Sample {
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  export interface MetricFamily {
    name: string;
    help: string;
    /** Upper case: COUNTER, GAUGE, HISTOGRAM, SUMMARY or UNTYPED when no TYPE line came. */
    type: string;
    metrics: Sample[];
  }
  /** Throws InvalidLineError on a malformed sample, HELP or TYPE line. */
  export default function parsePrometheusTextFormat(text: string): MetricFamily[];
}
