/** The work both per-call cost benches time: echo without and with a payload, and a CPU-bound op. */
export const COST_COLUMNS = [
  { label: 'echo 0 B', op: 'echo', input: 'bytes', size: 0 },
  { label: 'echo 1 KiB', op: 'echo', input: 'bytes', size: 1024 },
  { label: 'tokenize 4 KiB', op: 'tokenize', input: 'utf8', size: 4096 },
] as const;
