/**
 * The message a page shows for a name taken from its URL (`?notice=…`, `?error=…`): one of the
 * page's own fixed messages or none, so nothing from the URL is echoed and names an object
 * inherits (`constructor`, `__proto__`) name nothing.
 */
export function fixedMessage(messages: Readonly<Record<string, string>>, name: string | undefined): string | null {
  return name !== undefined && Object.hasOwn(messages, name) ? messages[name]! : null;
}
