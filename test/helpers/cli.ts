import { main } from '../../harness/cli/main.ts';

/** Runs the CLI in this process with its console captured: the exit code and everything it said. */
export async function quietly(argv: string[]): Promise<{ code: number; said: string }> {
  const [log, error] = [console.log, console.error];
  const said: string[] = [];
  console.log = console.error = (...parts: unknown[]) => void said.push(parts.join(' '));
  try {
    return { code: await main(argv), said: said.join('\n') };
  } finally {
    [console.log, console.error] = [log, error];
  }
}
