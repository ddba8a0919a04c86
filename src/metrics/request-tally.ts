/**
 * The HTTP request counter and duration histogram, tallied in plain numbers
 * per (face, route, method) and turned into Prometheus series only when
 * scraped. prom-client's own Counter and Histogram hash their label set on
 * every call, even through a cached child: at ~20k requests/s that cost a
 * tenth of the throughput of the cheapest routes (docs/benchmarks.md, run H).
 * The objects returned here are registered in a prom-client Registry like its
 * own metrics (scraped-metric.ts).
 */
import { scrapedMetric, type Sample } from './scraped-metric.js';

type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  counts: number[];
  sum: number;
  count: number;
  byStatus: Map<number, number>;
}

export function createRequestTally(names: { requests: string; duration: string }, help: { requests: string; duration: string }, buckets: number[]) {
  const series = new Map<string, Series>();

  function record(face: string, route: string, method: string, status: number, seconds: number): void {
    const key = `${face} ${method} ${route}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { labels: { face, route, method }, counts: new Array<number>(buckets.length + 1).fill(0), sum: 0, count: 0, byStatus: new Map() }));
    let i = 0;
    while (i < buckets.length && seconds > buckets[i]!) i++;
    s.counts[i]!++;
    s.sum += seconds;
    s.count++;
    s.byStatus.set(status, (s.byStatus.get(status) ?? 0) + 1);
  }

  const requests = scrapedMetric(names.requests, help.requests, 'counter', () => {
    const values: Sample[] = [];
    for (const s of series.values()) {
      for (const [status, n] of s.byStatus) values.push({ value: n, labels: { ...s.labels, status: String(status) } });
    }
    return values;
  });

  const duration = scrapedMetric(names.duration, help.duration, 'histogram', () => {
    const values: Sample[] = [];
    for (const s of series.values()) {
      let acc = 0;
      buckets.forEach((le, i) => {
        acc += s.counts[i]!;
        values.push({ value: acc, labels: { ...s.labels, le: String(le) }, metricName: `${names.duration}_bucket` });
      });
      values.push({ value: s.count, labels: { ...s.labels, le: '+Inf' }, metricName: `${names.duration}_bucket` });
      values.push({ value: s.sum, labels: s.labels, metricName: `${names.duration}_sum` });
      values.push({ value: s.count, labels: s.labels, metricName: `${names.duration}_count` });
    }
    return values;
  });

  return { record, requests, duration };
}

export type RequestTally = ReturnType<typeof createRequestTally>;
