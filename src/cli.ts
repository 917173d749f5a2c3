import { NestFactory } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { parseArgs } from 'node:util';
import { toPublicApplication } from './applications/application.model';
import { ApplicationsService } from './applications/applications.service';
import { CreateApplicationDto, UpdateApplicationDto } from './applications/dto/application.dto';
import { ApiError } from './common/api-error';
import { CliModule } from './cli.module';
import { ConfigError, loadConfig } from './config/config';
import { prepareDatabase } from './database/prepare-database';
import { SigningKeysService } from './sessions/signing-keys.service';

const USAGE = `Usage: npm run cli -- <command> [options]

  migrate                          apply pending migrations (also done on every start)
  apps:list                        list applications
  apps:create --name N --mode sandbox|production --origin URL [--origin URL …]
              --rp-id ID --rp-name N --recovery-url URL --mail-from ADDR [--locale en] [--otp-length 6]
              [--support-reset-cooling-off 0s..72h] [--recovery-policy email|email+second_factor]
  apps:update <appId> [same options] [--rotate-secret]
  keys:rotate                      new token signing key; old tokens stay valid until they expire
`;

const OPTIONS = {
  name: { type: 'string' },
  mode: { type: 'string' },
  origin: { type: 'string', multiple: true },
  'rp-id': { type: 'string' },
  'rp-name': { type: 'string' },
  'recovery-url': { type: 'string' },
  'mail-from': { type: 'string' },
  locale: { type: 'string' },
  'otp-length': { type: 'string' },
  'support-reset-cooling-off': { type: 'string' },
  'recovery-policy': { type: 'string' },
  'rotate-secret': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const CLI_OPERATOR = { actor: 'operator:cli' };

function toDto(v: Record<string, unknown>) {
  const dto: Record<string, unknown> = {
    name: v.name,
    mode: v.mode,
    allowedOrigins: v.origin,
    rpId: v['rp-id'],
    rpName: v['rp-name'],
    recoveryUrl: v['recovery-url'],
    mailFrom: v['mail-from'],
    locale: v.locale,
    otpLength: v['otp-length'] !== undefined ? Number(v['otp-length']) : undefined,
    supportResetCoolingOff: v['support-reset-cooling-off'],
    recoveryPolicy: v['recovery-policy'],
    rotateSecretKey: v['rotate-secret'],
  };
  return Object.fromEntries(Object.entries(dto).filter(([, x]) => x !== undefined));
}

async function checked<T extends object>(cls: new () => T, plain: object): Promise<T> {
  const dto = plainToInstance(cls, plain);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) {
    const lines = errors.flatMap((e) => Object.values(e.constraints ?? {}).map((p) => `  ${e.property}: ${p}`));
    throw new ConfigError(`Invalid options:\n${lines.join('\n')}`);
  }
  return dto;
}

/** The operator CLI; `write` receives what it prints (stdout when run as `npm run cli`). */
/** `env` defaults to the process environment (read by loadConfig). */
export async function runCli(argv: string[], env: Record<string, string | undefined> | undefined, write: (s: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [command, target] = positionals;
  if (!command || values.help) {
    write(USAGE);
    return;
  }
  const config = loadConfig(env);
  const applied = await prepareDatabase(config.databaseUrl);
  if (command === 'migrate') {
    write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    return;
  }
  const ctx = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['warn', 'error', 'fatal'] });
  try {
    const apps = ctx.get(ApplicationsService);
    const print = (o: unknown) => write(JSON.stringify(o, null, 2) + '\n');
    switch (command) {
      case 'apps:list':
        print((await apps.list()).map(toPublicApplication));
        break;
      case 'apps:create': {
        const { app, secretKey } = await apps.create(await checked(CreateApplicationDto, toDto(values)), { by: CLI_OPERATOR });
        print({ ...toPublicApplication(app), secretKey });
        break;
      }
      case 'apps:update': {
        if (!target) throw new ConfigError('apps:update needs an appId');
        const { app, secretKey } = await apps.update(target, await checked(UpdateApplicationDto, toDto(values)), CLI_OPERATOR);
        print({ ...toPublicApplication(app), ...(secretKey ? { secretKey } : {}) });
        break;
      }
      case 'keys:rotate':
        print({ kid: await ctx.get(SigningKeysService).rotate() });
        break;
      default:
        throw new ConfigError(`Unknown command ${command}\n\n${USAGE}`);
    }
  } finally {
    await ctx.close();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), undefined, (s) => process.stdout.write(s)).then(
    () => process.exit(0),
    (err) => {
      if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
      else if (err instanceof ApiError) process.stderr.write(`${err.code}: ${err.message} ${JSON.stringify(err.details)}\n`);
      else process.stderr.write(`${err?.stack ?? err}\n`);
      process.exit(err instanceof ConfigError || err instanceof ApiError ? 2 : 1);
    },
  );
}
