// What may be repeated about a provider's failure; no openid-client here, so it loads only with a provider.
import { safeErrorCode } from '../core/identity-provider.js';

/** Called with what went wrong talking to a provider (no tokens); the caller logs it. */
export type ProviderErrorLog = (provider: string, err: unknown) => void;

/** What is safe to log about a provider failure: names and codes, never bodies (which may hold tokens). */
export function describeProviderError(err: unknown): Record<string, unknown> {
  const e = err as { name?: unknown; code?: unknown; error?: unknown; status?: unknown; message?: unknown };
  return {
    type: typeof e?.name === 'string' ? e.name : typeof err,
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.error === 'string' ? { error: safeErrorCode(e.error) } : {}),
    ...(typeof e?.status === 'number' ? { status: e.status } : {}),
    ...(typeof e?.message === 'string' ? { message: e.message.slice(0, 200) } : {}),
  };
}
