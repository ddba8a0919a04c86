/** Who we are to authenticators: the RP ID assertions are scoped to, and the page origins we accept. */
export interface RelyingParty {
  id: string;
  name: string;
  origins: string[];
}

/** `scheme://host[:port]` of an http(s) URL, or undefined. */
function originOf(value: string): string | undefined {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The relying party of this server: the host of the public URL (or the configured parent
 * domain, validated at boot), and as origins the public URL's own plus the CORS origins:
 * the pages allowed to run a ceremony.
 */
export function relyingParty(publicUrl: string, corsOrigins: string[], rpId?: string): RelyingParty {
  const id = rpId ?? new URL(publicUrl).hostname;
  const origins = [...new Set([publicUrl, ...corsOrigins].map(originOf).filter((o): o is string => o !== undefined))];
  return { id, name: id, origins };
}
