/**
 * Progress for long runs: on a terminal, one live line rewritten in place; elsewhere (CI logs),
 * a plain line at most every `everyMs` per subject, so logs stay short.
 */
export function progressPrinter(
  stream: NodeJS.WriteStream = process.stderr,
  everyMs = 5000,
): { update(subject: string, line: string): void; done(): void } {
  const last = new Map<string, number>();
  let live = false;
  return {
    update(subject, line) {
      if (stream.isTTY) {
        stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
        live = true;
        return;
      }
      const now = Date.now();
      if (now - (last.get(subject) ?? 0) < everyMs) return;
      last.set(subject, now);
      stream.write(`${line}\n`);
    },
    done() {
      if (live) stream.write('\n');
      live = false;
    },
  };
}

/** Green or red on a terminal, plain otherwise. */
export function colour(text: string, ok: boolean, stream: NodeJS.WriteStream = process.stdout): string {
  return stream.isTTY && !process.env.NO_COLOR ? `\x1b[${ok ? 32 : 31}m${text}\x1b[0m` : text;
}
