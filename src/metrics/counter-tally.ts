import { scrapedMetric } from './scraped-metric.js';

/**
 * A counter kept in plain numbers and read by the registry at scrape time
 * (scraped-metric.ts). With every metric kept this way, prom-client itself is
 * loaded only by the first scrape (metrics.ts).
 */
type Labels<L extends string> = Record<L, string>;

export function createCounterTally<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []) {
  const series = new Map<string, { labels: Labels<L>; value: number }>();

  function entry(labels: Labels<L>) {
    const key = labelNames.map((n) => labels[n]).join('\u0000');
    let e = series.get(key);
    if (!e) series.set(key, (e = { labels: { ...labels }, value: 0 }));
    return e;
  }
  // As prom-client does: a counter without labels reads 0 before its first increment.
  if (labelNames.length === 0) entry({} as Labels<L>);

  return {
    inc(labels: Labels<L> = {} as Labels<L>, value = 1): void {
      entry(labels).value += value;
    },
    /** The series of one label set, for a caller that increments it often; as with prom-client, it is exported from its first increment. */
    labels(labels: Labels<L>): { inc(value?: number): void } {
      let e: { value: number } | undefined;
      return { inc: (value = 1) => { (e ??= entry(labels)).value += value; } };
    },
    metric: scrapedMetric(name, help, 'counter', () => [...series.values()].map((e) => ({ value: e.value, labels: e.labels }))),
  };
}
