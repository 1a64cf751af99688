// The error a mapper throws for bad legacy data. Its message is trusted to reach the DLQ headers
// and logs, so by contract it names fields and expected shapes only — never a value (decrypted data).

export class LegacyDataError extends Error {
  override readonly name = "LegacyDataError";
}
