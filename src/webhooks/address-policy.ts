import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where webhooks may not go unless TESSERA_WEBHOOK_ALLOW_PRIVATE=true: this host and the networks
 * behind it (loopback, private, link-local, unspecified, carrier-grade NAT, multicast, reserved), so
 * an admin cannot aim the server at its own neighbours.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['100::', 64],
] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address an IPv6 address carries (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`), if any. */
function embeddedV4(v6: string): string | undefined {
  const lower = v6.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const [hi, lo] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True for an address webhooks may not reach without the flag (an IPv6 address is judged by the IPv4 it carries too). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse rather than guess
  const v4 = embeddedV4(address);
  if (v4 && isIP(v4) === 4 && blocked.check(v4, 'ipv4')) return true;
  return blocked.check(address, 'ipv6');
}

/** The URL's host as a bare name or address (IPv6 literals lose their brackets). */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

const LOOKUP_TIMEOUT_MS = 5_000;

export type UrlRefusal = 'invalid' | 'private' | 'unresolvable';

/**
 * Why an endpoint URL is refused at creation, or undefined when it is acceptable: `http`/`https`
 * only, and (without `allowPrivate`) every address its host resolves to must be public.
 */
export async function refuseUrl(raw: string, allowPrivate: boolean): Promise<UrlRefusal | undefined> {
  let url: URL;
  try { url = new URL(raw); } catch { return 'invalid'; }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return 'invalid';
  if (allowPrivate) return undefined;
  const host = hostOf(url);
  if (isIP(host)) return isPrivateAddress(host) ? 'private' : undefined;
  const addresses = await new Promise<LookupAddress[] | undefined>((resolve) => {
    // A resolver that never answers must not hold the admin's request: unresolvable after a while.
    const timer = setTimeout(() => resolve(undefined), LOOKUP_TIMEOUT_MS);
    dnsLookup(host, { all: true, verbatim: true }, (err, list) => { clearTimeout(timer); resolve(err ? undefined : list); });
  });
  if (!addresses || addresses.length === 0) return 'unresolvable';
  return addresses.some((a) => isPrivateAddress(a.address)) ? 'private' : undefined;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that refuses private addresses: the check is made on the addresses
 * the socket will connect to, so a name that resolved to a public address at creation and to a
 * private one now (DNS rebinding) is refused at delivery.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, list) => {
    if (err) return callback(err, []);
    if (list.length === 0 || list.some((a) => isPrivateAddress(a.address))) {
      return callback(Object.assign(new Error('webhook address refused: private network'), { code: 'EADDRREFUSED' }), []);
    }
    if (options.all) return callback(null, list);
    const first = list.find((a) => !options.family || a.family === options.family) ?? list[0]!;
    return callback(null, first.address, first.family);
  });
}
