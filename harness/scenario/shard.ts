import { UsageError } from '../contract/errors.ts';

/** `I/N`: the I-th of N shards, 1-based. */
export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count)
    throw new UsageError(`\`--shard ${text}\` must be I/N with 1 ≤ I ≤ N, e.g. \`--shard 2/4\``);
  return { index, count };
}

/** The shard's slice of items already in a stable order: item k belongs to shard (k mod N) + 1. */
export function sliceForShard<T>(items: readonly T[], shard: Shard): T[] {
  return items.filter((_, k) => k % shard.count === shard.index - 1);
}
