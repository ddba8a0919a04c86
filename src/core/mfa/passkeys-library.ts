import { lazy } from '../../lazy.js';

/**
 * @simplewebauthn/server costs several hundred milliseconds to import (its attestation
 * formats pull in ASN.1 and certificate code), about what the rest of the start costs:
 * loaded at the first ceremony, once, so a server whose users never use passkeys never pays.
 */
export const webauthnLibrary = lazy(() => import('@simplewebauthn/server'));

/** Base64url text of bytes, and back (WebAuthn's JSON encoding). */
export const toBase64Url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
export const fromBase64Url = (text: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(text, 'base64url'));
