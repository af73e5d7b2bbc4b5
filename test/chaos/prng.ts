/** mulberry32: a seeded PRNG, so a failing chaos run is replayed exactly with CHAOS_SEED. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Random {
  next(): number;
  chance(p: number): boolean;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  /** A random subset, in the original order; `min` items at least. */
  subset<T>(items: readonly T[], p: number, min?: number): T[];
}

export function random(seed: number): Random {
  const next = prng(seed);
  const r: Random = {
    next,
    chance: (p) => next() < p,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    subset: (items, p, min = 0) => {
      const chosen = items.filter(() => next() < p);
      while (chosen.length < min) {
        const extra = items[Math.floor(next() * items.length)]!;
        if (!chosen.includes(extra)) chosen.push(extra);
      }
      return items.filter((i) => chosen.includes(i));
    },
  };
  return r;
}

/** CHAOS_SEED when given (to replay a failure), else a fresh one that the test prints. */
export function chaosSeed(): number {
  const given = process.env['CHAOS_SEED'];
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isInteger(n)) throw new Error(`CHAOS_SEED must be an integer, got '${given}'`);
    return n;
  }
  return Math.floor(Math.random() * 2 ** 31);
}
