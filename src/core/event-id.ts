import { randomBytes } from 'node:crypto';

/**
 * UUIDv7 ids (RFC 9562) that increase within this process: 48 bits of milliseconds, then a
 * 12-bit counter for events of the same millisecond, then random bits. Events listed newest
 * first by time and then id keep the order in which they were recorded, even within one
 * millisecond (a change and the session endings it causes).
 */
export function createEventIds() {
  let lastMs = -1;
  let counter = 0;
  return (nowMs: number): string => {
    let ms = Math.max(Math.floor(nowMs), lastMs);
    if (ms === lastMs) {
      counter += 1;
      if (counter > 0xfff) {
        ms += 1;
        counter = 0;
      }
    } else {
      counter = 0;
    }
    lastMs = ms;
    const b = randomBytes(16);
    b.writeUIntBE(ms, 0, 6);
    b[6] = 0x70 | (counter >> 8);
    b[7] = counter & 0xff;
    b[8] = 0x80 | (b[8]! & 0x3f);
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
}
