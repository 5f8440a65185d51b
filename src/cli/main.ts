import { parseArgs } from 'node:util';
import { isAppError } from '../core/errors';
import { moderateCommand } from './moderate';
import { moderatorCommand } from './moderator';
import { serveCommand, workerCommand } from './serve';
import { tenantCommand } from './tenant';

const USAGE = `likeness <command>

  serve [--no-worker]            API (+ workers unless --no-worker); embedded PGlite and S3 by default
  worker                         workers only (needs DATABASE_URL and S3_ENDPOINT: shared state)
  moderate <file> --kind K [--json] [--only moderation]
                                 run the kind's pipeline on a local file, print the decision
  moderate - [--kind K] [--only moderation] [--concurrency N]
                                 JSON Lines on stdin ({"id","kind","text"|"path"}), one result line each, in order
  tenant create <name>           create a tenant and print its API key once
  tenant key <tenant> [--approver] [--label L]
                                 another API key; --approver may approve reads of children's data
  moderator create --email E [--role moderator|senior|admin] [--name N] [--tenant ID]... [--queue Q]... [--password-stdin]
                                 a review console account (the first admin); prints a generated password once

Configuration comes from the environment; see the README.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { 'no-worker': { type: 'boolean', default: false } } });
      return serveCommand({ worker: !values['no-worker'] });
    }
    case 'worker':
      return workerCommand();
    case 'moderate':
      return moderateCommand(rest);
    case 'tenant':
      return tenantCommand(rest);
    case 'moderator':
      return moderatorCommand(rest);
    default:
      console.error(USAGE);
      return command === undefined || command === '--help' || command === 'help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (e: unknown) => {
    // A coded refusal (db.in_use: another process owns the embedded database) names its code, so scripts can tell it apart.
    console.error(isAppError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : e);
    process.exitCode = 1;
  },
);
