import type { PasswordHasher } from '../../src/crypto/password-hasher.js';

/**
 * A hasher wrapper (ContainerOptions.wrapHasher) that can hold the next password verification
 * after it has run, so a test can change the account between a login's password check and the
 * session it opens, deterministically.
 */
export function heldVerification() {
  let armed: { reached: () => void; gate: Promise<void> } | undefined;
  let release = () => {};
  return {
    wrap: (inner: PasswordHasher): PasswordHasher => ({
      hash: (password) => inner.hash(password),
      needsRehash: (phc) => inner.needsRehash(phc),
      burn: (password) => inner.burn(password),
      close: () => inner.close(),
      async verify(phc, password) {
        const ok = await inner.verify(phc, password);
        const hold = armed;
        armed = undefined;
        if (hold) {
          hold.reached();
          await hold.gate;
        }
        return ok;
      },
    }),

    /** Holds the next verification once it has checked the password; resolves when one is held. */
    arm(): Promise<void> {
      const gate = new Promise<void>((r) => { release = r; });
      return new Promise<void>((reached) => { armed = { reached, gate }; });
    },

    /** Lets the held verification return. */
    release: () => release(),
  };
}
