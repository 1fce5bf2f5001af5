// The text of a failed task: what a response's err_msg carries (spec/protocols.md §3.3, "the full error chain").
/** The error and its causes, one line: what goes into a response's err_msg. */
export function errorChain(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && depth < 8; depth++) {
    const msg = e instanceof Error ? e.message : String(e);
    if (!parts.some((p) => p.includes(msg))) parts.push(msg);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(": ");
}
