/**
 * The password-hash formats Tessera verifies, recognised by shape, with
 * bounds on their cost parameters. The importer refuses a hash outside the
 * bounds (with the reason) so that no login can be made to burn minutes of
 * CPU or gigabytes of memory; verification refuses it too, as a backstop.
 */
export type HashScheme =
  | { kind: 'argon2'; variant: 'i' | 'd' | 'id'; memoryKib: number; time: number; parallelism: number }
  | { kind: 'bcrypt'; cost: number }
  | { kind: 'bcrypt-sha256'; version: 1 | 2; ident: string; cost: number; salt: string; checksum: string }
  | { kind: 'scrypt'; ln: number; r: number; p: number; salt: Buffer; key: Buffer }
  | { kind: 'pbkdf2'; digest: 'sha1' | 'sha256' | 'sha512'; rounds: number; salt: Buffer; key: Buffer; flavour: 'passlib' | 'django' };

export type HashInspection =
  | { status: 'ok'; scheme: HashScheme }
  | { status: 'unknown' }
  | { status: 'refused'; reason: string };

/** Upper bounds on what one login may cost (docs/import.md explains each). */
export const HASH_LIMITS = {
  argon2MemoryKib: 262_144, // 256 MiB
  argon2Time: 32,
  argon2Parallelism: 16,
  // bcryptjs runs on the main thread: cost 14 is already about a second of it.
  bcryptCost: 14,
  scryptMemoryBytes: 256 * 1024 * 1024,
  scryptParallelism: 16,
  pbkdf2Rounds: 3_000_000,
} as const;

const B64 = '[A-Za-z0-9+/]';
const BCRYPT64 = '[./A-Za-z0-9]';
const ARGON2 = new RegExp(`^\\$argon2(id|i|d)\\$(?:v=\\d+\\$)?m=(\\d+),t=(\\d+),p=(\\d+)(?:,[^$]*)?\\$${B64}+\\$${B64}+$`);
const BCRYPT = new RegExp(`^\\$2[aby]\\$(\\d\\d)\\$${BCRYPT64}{53}$`);
const BCRYPT_SHA256 = new RegExp(`^\\$bcrypt-sha256\\$(?:v=2,t=(2[ab]),r=(\\d{1,2})|(2[ab]),(\\d{1,2}))\\$(${BCRYPT64}{22})\\$(${BCRYPT64}{31})$`);
const SCRYPT = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/.]+={0,2})\$([A-Za-z0-9+/.]+={0,2})$/;
const PASSLIB_PBKDF2 = /^\$pbkdf2(?:-(sha256|sha512))?\$(\d+)\$([./A-Za-z0-9]*)\$([./A-Za-z0-9]+)$/;
const DJANGO_PBKDF2 = /^pbkdf2_(sha256|sha1)\$(\d+)\$([^$]+)\$([A-Za-z0-9+/]+={0,2})$/;

/** passlib's "adapted base64": `.` for `+`, no padding. */
const ab64 = (s: string): Buffer => Buffer.from(s.replace(/\./g, '+'), 'base64');

const refused = (reason: string): HashInspection => ({ status: 'refused', reason });

export function inspectHash(hash: string): HashInspection {
  let m: RegExpExecArray | null;
  if ((m = ARGON2.exec(hash))) {
    const [memoryKib, time, parallelism] = [Number(m[2]), Number(m[3]), Number(m[4])];
    if (memoryKib > HASH_LIMITS.argon2MemoryKib) return refused(`argon2 memory ${memoryKib} KiB is over ${HASH_LIMITS.argon2MemoryKib}`);
    if (time < 1 || time > HASH_LIMITS.argon2Time) return refused(`argon2 time cost ${time} is outside 1..${HASH_LIMITS.argon2Time}`);
    if (parallelism < 1 || parallelism > HASH_LIMITS.argon2Parallelism) return refused(`argon2 parallelism ${parallelism} is outside 1..${HASH_LIMITS.argon2Parallelism}`);
    return { status: 'ok', scheme: { kind: 'argon2', variant: m[1] as 'i' | 'd' | 'id', memoryKib, time, parallelism } };
  }
  if ((m = BCRYPT.exec(hash))) {
    const cost = Number(m[1]);
    return bcryptCostProblem(cost) ?? { status: 'ok', scheme: { kind: 'bcrypt', cost } };
  }
  if ((m = BCRYPT_SHA256.exec(hash))) {
    const version = m[1] ? 2 : 1;
    const cost = Number(m[2] ?? m[4]);
    return bcryptCostProblem(cost) ?? {
      status: 'ok', scheme: { kind: 'bcrypt-sha256', version, ident: (m[1] ?? m[3])!, cost, salt: m[5]!, checksum: m[6]! },
    };
  }
  if ((m = SCRYPT.exec(hash))) {
    const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (ln < 1 || ln > 30 || r < 1 || 128 * r * 2 ** ln > HASH_LIMITS.scryptMemoryBytes) return refused(`scrypt ln=${ln},r=${r} needs more than ${HASH_LIMITS.scryptMemoryBytes >> 20} MiB`);
    if (p < 1 || p > HASH_LIMITS.scryptParallelism) return refused(`scrypt p=${p} is outside 1..${HASH_LIMITS.scryptParallelism}`);
    const key = ab64(m[5]!);
    if (key.length < 16) return { status: 'unknown' };
    return { status: 'ok', scheme: { kind: 'scrypt', ln, r, p, salt: ab64(m[4]!), key } };
  }
  if ((m = PASSLIB_PBKDF2.exec(hash))) {
    const digest = (m[1] ?? 'sha1') as 'sha1' | 'sha256' | 'sha512';
    return pbkdf2(digest, Number(m[2]), ab64(m[3]!), ab64(m[4]!), 'passlib');
  }
  if ((m = DJANGO_PBKDF2.exec(hash))) {
    // Django keeps the salt as text and hashes its UTF-8 bytes.
    return pbkdf2(m[1] as 'sha1' | 'sha256', Number(m[2]), Buffer.from(m[3]!, 'utf8'), Buffer.from(m[4]!, 'base64'), 'django');
  }
  return { status: 'unknown' };
}

function bcryptCostProblem(cost: number): HashInspection | undefined {
  if (cost < 4 || cost > HASH_LIMITS.bcryptCost) return refused(`bcrypt cost ${cost} is outside 4..${HASH_LIMITS.bcryptCost}`);
  return undefined;
}

function pbkdf2(digest: 'sha1' | 'sha256' | 'sha512', rounds: number, salt: Buffer, key: Buffer, flavour: 'passlib' | 'django'): HashInspection {
  if (rounds < 1 || rounds > HASH_LIMITS.pbkdf2Rounds) return refused(`pbkdf2 rounds ${rounds} are outside 1..${HASH_LIMITS.pbkdf2Rounds}`);
  if (key.length < 16) return { status: 'unknown' };
  return { status: 'ok', scheme: { kind: 'pbkdf2', digest, rounds, salt, key, flavour } };
}
