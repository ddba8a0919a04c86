/** One sample of a metric as prom-client's Registry reads it; `metricName` names a histogram's `_bucket`, `_sum`, `_count`. */
export interface Sample { value: number; labels: Record<string, string>; metricName?: string }

/**
 * A metric whose samples are read from plain numbers when scraped, in the shape prom-client's
 * Registry reads its own metrics (a name, a help line, a type and `get()`): what lets the hot
 * paths count without prom-client, and prom-client load only at the first scrape (metrics.ts).
 */
export function scrapedMetric(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', samples: () => Sample[]) {
  return {
    name, help, type, aggregator: 'sum',
    async get() {
      return { name, help, type, aggregator: 'sum', values: samples() };
    },
  };
}
