/** Timing statistics for the bench: median, min and max of several runs. */
export interface Timing {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function timing(runs: number[]): Timing {
  if (runs.length === 0) throw new Error("no runs");
  const s = [...runs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], runs };
}

/** Runs `fn` once to warm up, then `runs` times; returns the timings in milliseconds. */
export async function timed(runs: number, fn: () => Promise<unknown>): Promise<Timing> {
  await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return timing(out);
}
