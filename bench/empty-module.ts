// Intentionally empty: bench/logs-metrics.ts imports it first so that Node's type stripping is
// loaded before the measured import, and the numbers show only the module's own cost.
export {};
