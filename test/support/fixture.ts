import { dropDatabase, freshDatabaseUrl } from './database';
import { Service, ServiceOptions, startService } from './service';
import { TestSmtp } from './smtp';

export interface UseServiceOptions {
  /** Start a TestSmtp and point SMTP_URL at it (otherwise mail goes to files under VAR_DIR). */
  smtp?: boolean;
  env?: Record<string, string>;
  runWorker?: boolean;
  /** Instances on the one database and Redis, as in a scaled-out deployment (default 1). */
  instances?: number;
  /**
   * Runs after the database URL and SMTP server exist and before the first instance starts, and
   * may override its start options (a proxied database URL, a private Redis, a fixed port).
   */
  prepare?: (ctx: { databaseUrl: string; smtp?: TestSmtp }) => Promise<Partial<ServiceOptions> | void>;
}

export interface ServiceContext {
  /** The file's own database (known at once; created and migrated by the first instance). */
  readonly databaseUrl: string;
  /** The (first) running instance. */
  readonly svc: Service;
  readonly instances: readonly Service[];
  readonly smtp: TestSmtp;
}

/**
 * Boots the service for the enclosing describe block: beforeAll starts a fresh database, the SMTP
 * server if asked and the instance(s); afterAll stops them and always drops the database, even
 * when start-up failed half way. Read the context inside hooks and tests (it is filled in
 * beforeAll): `const t = useService('otp_flow', { smtp: true }); ... t.svc.http()`.
 */
export function useService(label: string, opts: UseServiceOptions = {}): ServiceContext {
  const databaseUrl = freshDatabaseUrl(label);
  const instances: Service[] = [];
  let smtp: TestSmtp | undefined;

  beforeAll(async () => {
    if (opts.smtp) smtp = await new TestSmtp().start();
    const overrides = (await opts.prepare?.({ databaseUrl, smtp })) ?? {};
    for (let i = 0; i < (opts.instances ?? 1); i++) {
      instances.push(await startService({ databaseUrl, smtpUrl: smtp?.url, runWorker: opts.runWorker, ...overrides, env: { ...opts.env, ...overrides.env } }));
    }
  });

  afterAll(async () => {
    // A teardown that hangs fails only as jest's hook timeout; this says which step it hung in.
    let step = 'closing the service';
    const watch = setTimeout(() => process.stderr.write(`useService(${label}) teardown: still ${step} after 20 s\n`), 20_000);
    try {
      await Promise.all(instances.map((s) => s.close()));
      step = 'stopping the SMTP server';
      await smtp?.stop();
    } finally {
      step = 'dropping the database';
      await dropDatabase(databaseUrl).finally(() => clearTimeout(watch));
    }
  });

  const started = <T>(what: string, value: T | undefined): T => {
    if (value === undefined) throw new Error(`useService(${label}): no ${what} (read the context inside a hook or test, after start-up)`);
    return value;
  };
  return {
    databaseUrl,
    get svc() {
      return started('service', instances[0]);
    },
    get instances() {
      return instances;
    },
    get smtp() {
      return started('SMTP server (pass smtp: true)', smtp);
    },
  };
}
