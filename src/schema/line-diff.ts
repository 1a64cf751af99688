// A small line diff (longest common subsequence) for drift reports. Schemas are a few
// hundred canonical lines at most and this runs once at start-up, so O(n·m) is fine.

export interface DiffOptions {
  /** Unchanged lines shown around each change. */
  readonly context?: number;
  /** At most this many output lines; the rest is summarised. */
  readonly maxLines?: number;
}

type Op = { readonly kind: " " | "-" | "+"; readonly line: string };

/** Lines of `before` → `after` as "  same", "- removed", "+ added"; empty when equal. */
export function diffLines(before: readonly string[], after: readonly string[], options: DiffOptions = {}): string[] {
  const context = options.context ?? 1;
  const maxLines = options.maxLines ?? 24;
  const ops = editScript(before, after);
  if (ops.every((op) => op.kind === " ")) return [];

  // Keep changed lines and `context` unchanged lines either side; mark the gaps.
  const keep = new Uint8Array(ops.length);
  ops.forEach((op, i) => {
    if (op.kind === " ") return;
    for (let j = Math.max(0, i - context); j <= Math.min(ops.length - 1, i + context); j++) keep[j] = 1;
  });
  const out: string[] = [];
  let skipped = false;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as Op;
    if (keep[i] === 0) {
      skipped = true;
      continue;
    }
    if (skipped && out.length > 0) out.push("  …");
    skipped = false;
    out.push(`${op.kind} ${op.line}`);
  }
  if (out.length > maxLines) {
    const hidden = out.length - maxLines;
    return [...out.slice(0, maxLines), `  … ${hidden} more line${hidden === 1 ? "" : "s"}`];
  }
  return out;
}

function editScript(a: readonly string[], b: readonly string[]): Op[] {
  // Trim the common head and tail first: drift is usually a line or two in a long file.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);

  const n = midA.length;
  const m = midB.length;
  // lcs[i*(m+1)+j] = LCS length of midA[i..] and midB[j..]
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] =
        midA[i] === midB[j]
          ? (lcs[(i + 1) * (m + 1) + j + 1] as number) + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j] as number, lcs[i * (m + 1) + j + 1] as number);
    }
  }
  const ops: Op[] = a.slice(0, head).map((line) => ({ kind: " ", line }));
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && midA[i] === midB[j]) {
      ops.push({ kind: " ", line: midA[i] as string });
      i++;
      j++;
    } else if (i < n && (j >= m || (lcs[(i + 1) * (m + 1) + j] as number) >= (lcs[i * (m + 1) + j + 1] as number))) {
      ops.push({ kind: "-", line: midA[i] as string });
      i++;
    } else {
      ops.push({ kind: "+", line: midB[j] as string });
      j++;
    }
  }
  for (const line of a.slice(a.length - tail)) ops.push({ kind: " ", line });
  return ops;
}
