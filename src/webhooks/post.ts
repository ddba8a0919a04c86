import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, hostOf, isPrivateAddress } from './address-policy.js';

export interface PostOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
}

/**
 * POSTs one webhook and resolves to the receiver's status, or null when it did not answer (refused
 * address, connection error, timeout). Redirects are not followed: a 3xx is an answer like any other.
 */
export function postWebhook(rawUrl: string, body: string, headers: Record<string, string>, opts: PostOptions): Promise<number | null> {
  const url = new URL(rawUrl);
  const host = hostOf(url);
  // A literal address never goes through `lookup`: it is checked here.
  if (!opts.allowPrivate && isIP(host) && isPrivateAddress(host)) return Promise.resolve(null);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Tessera-Webhooks' },
      timeout: opts.timeoutMs,
      ...(opts.allowPrivate ? {} : { lookup: guardedLookup as never }),
      ...(opts.signal ? { signal: opts.signal } : {}),
    }, (res) => {
      // The body is not needed: read and dropped so the socket is freed.
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? null));
      res.on('error', () => resolve(res.statusCode ?? null));
      res.on('close', () => resolve(res.statusCode ?? null));
    });
    // One overall deadline, whatever the receiver does (slow headers, a trickling body).
    const deadline = setTimeout(() => req.destroy(new Error('timeout')), opts.timeoutMs);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(null));
    req.on('close', () => clearTimeout(deadline));
    req.end(body);
  });
}
