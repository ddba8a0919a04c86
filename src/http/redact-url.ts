/** Query parameters whose values are secrets (tokens, passwords, the simple face's `user` refresh token). */
const SECRET_PARAMS = /^(access_token|refresh_token|token|pass|password|user|code|state|client_secret|new_password|old_password)$/i;

/** The URL with secret query values replaced, for logs. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    let decoded = name;
    try { decoded = decodeURIComponent(name); } catch { /* keep raw */ }
    return eq !== -1 && SECRET_PARAMS.test(decoded) ? `${name}=[redacted]` : pair;
  });
  return `${url.slice(0, q)}?${params.join('&')}`;
}
