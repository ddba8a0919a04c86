#!/usr/bin/env node
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/config-error.js';
import { loadConfig } from '../config/load-config.js';
import { createContainer, namingTheSetting } from '../container.js';
import { createLogger } from '../http/logger.js';
import { openDatabase } from '../store/create-db.js';
import { exportCommand, importCommand } from './transfer-commands.js';
import { UsageError } from './usage-error.js';

/** A command runs for a moment: webhook deliveries are left to the servers. */
const ONE_SHOT = { autoStart: false };

const USAGE = `usage: tessera <command>
  serve                                   run the server (same as npm start)
  migrate                                 apply database migrations
  users create --email E --password P [--username U] [--superuser]
  keys rotate                             make a new signing key; old tokens keep verifying until they expire
  import <format> <source> [--dry-run] [--update]
                                          bring users with their passwords from fastapi-users, wisdom, ipseity or jsonl (--help)
  export <file>                           write every user as JSON lines (--help)`;

async function run(argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  if (cmd === 'serve') {
    await import('../main.js');
    return -1; // keeps running
  }
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  if (cmd === 'migrate') {
    const db = await openDatabase({ url: config.databaseUrl }).catch(namingTheSetting);
    await db.destroy();
    console.log('migrations applied');
    return 0;
  }
  if (cmd === 'users' && sub === 'create') {
    const { values } = parseArgs({ args: rest, options: {
      email: { type: 'string' }, password: { type: 'string' }, username: { type: 'string' }, superuser: { type: 'boolean', default: false },
    } });
    if (!values.email || !values.password) throw new UsageError('users create needs --email and --password');
    const c = await createContainer({ config, logger, webhooks: ONE_SHOT });
    try {
      const u = await c.users.create({ email: values.email, password: values.password, username: values.username ?? null,
        isSuperuser: values.superuser, isVerified: values.superuser }, { client: { face: 'cli' } });
      console.log(`created user ${u.id}${u.isSuperuser ? ' (superuser)' : ''}`);
    } finally {
      await c.close();
    }
    return 0;
  }
  if (cmd === 'keys' && sub === 'rotate') {
    const c = await createContainer({ config, logger, webhooks: ONE_SHOT });
    try {
      console.log(`new signing key ${await c.keys.rotate()}`);
    } finally {
      await c.close();
    }
    return 0;
  }
  if (cmd === 'import') return importCommand(argv.slice(1), config);
  if (cmd === 'export') return exportCommand(argv.slice(1), config);
  throw new UsageError(cmd ? `unknown command: ${[cmd, sub].filter(Boolean).join(' ')}` : 'no command');
}

run(process.argv.slice(2)).then((code) => { if (code >= 0) process.exit(code); }, (err) => {
  if (err instanceof UsageError) process.stderr.write(`tessera: ${err.message}\n${USAGE}\n`);
  else if (err instanceof ConfigError) process.stderr.write(`tessera: invalid configuration: ${err.message}\n`);
  else process.stderr.write(`tessera: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError || err instanceof UsageError ? 2 : 1);
});
