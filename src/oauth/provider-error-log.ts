// What may be repeated about a provider's failure; no openid-client here, so it loads only with a provider.

/** RFC 6749 error codes are printable ASCII without quote or backslash; anything else is not echoed. */
const ERROR_CODE = /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

export const safeErrorCode = (code: unknown): string =>
  typeof code === 'string' && ERROR_CODE.test(code) ? code : 'provider_error';

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
