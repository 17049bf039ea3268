import { main } from '../../harness/cli/main.ts';

/** Runs the CLI in this process with its console captured: the exit code and everything it said. */
export async function quietly(argv: string[]): Promise<{ code: number; said: string }> {
  let code = 0;
  const said = await printedBy(async () => void (code = await main(argv)));
  return { code, said };
}

/** Everything `work` printed on the console (stdout and stderr), which it does not reach meanwhile. */
export async function printedBy(work: () => unknown): Promise<string> {
  const [log, error] = [console.log, console.error];
  const said: string[] = [];
  console.log = console.error = (...parts: unknown[]) => void said.push(parts.join(' '));
  try {
    await work();
    return said.join('\n');
  } finally {
    [console.log, console.error] = [log, error];
  }
}
