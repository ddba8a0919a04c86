/** A write hit a unique index; `field` names the logical column (email, username, …). */
export class UniqueViolation extends Error {
  constructor(readonly field: string) {
    super(`unique violation on ${field}`);
    this.name = 'UniqueViolation';
  }
}

const INDEX_FIELDS: Record<string, string> = {
  users_email_uq: 'email',
  'users.email_normalized': 'email',
  users_username_uq: 'username',
  'users.username_normalized': 'username',
  users_username_skeleton_uq: 'username',
  'users.username_skeleton': 'username',
  users_account_number_uq: 'account_number',
  'users.account_number': 'account_number',
  scope_definitions_name_key: 'scope_name',
  'scope_definitions.name': 'scope_name',
  scope_definitions_value_key: 'scope_value',
  'scope_definitions.value': 'scope_value',
  roles_name_key: 'role_name',
  'roles.name': 'role_name',
};

/** Maps SQLite and PostgreSQL unique-constraint errors to UniqueViolation; rethrows anything else. */
export function rethrowUnique(err: unknown): never {
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e?.code === '23505' && e.constraint) throw new UniqueViolation(INDEX_FIELDS[e.constraint] ?? e.constraint);
  if (e?.code === 'SQLITE_CONSTRAINT_UNIQUE' && e.message) {
    const col = e.message.replace(/^UNIQUE constraint failed: /, '').split(',')[0]!.trim();
    throw new UniqueViolation(INDEX_FIELDS[col] ?? col);
  }
  throw err;
}
