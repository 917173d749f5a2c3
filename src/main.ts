import { Logger } from '@nestjs/common';
import { ApplicationsService } from './applications/applications.service';
import { createApp } from './bootstrap';
import { UnreachableError } from './common/backend-down';
import { ConfigError, loadConfig } from './config/config';
import { closeApi, exitOnSignal } from './shutdown';

async function main() {
  const config = loadConfig();
  const app = await createApp(config);
  const log = new Logger('Main');
  exitOnSignal(() => closeApi(app), log);
  await app.listen({ port: config.port, host: config.host });
  log.log(`Mellon Recovery listening on ${config.publicUrl} (API docs ${config.publicUrl}/docs, demo ${config.publicUrl}/demo)`);
  if (config.demoApp) await announceDemoApp(app.get(ApplicationsService), config.publicUrl, config.adminTokenGenerated ? config.adminToken : undefined);
}

/** In development, one sandbox demo application is created on first start and its ids printed. */
async function announceDemoApp(apps: ApplicationsService, publicUrl: string, newAdminToken?: string) {
  let demo = await apps.findDemo();
  let secretKey: string | undefined;
  if (!demo) ({ app: demo, secretKey } = await apps.create(apps.demoDefaults(), { isDemo: true, by: { actor: 'system' } }));
  const lines = [
    '',
    '  Sandbox demo application',
    `    appId     ${demo.id}`,
    `    clientId  ${demo.clientId}`,
    secretKey ? `    secretKey ${secretKey}   (shown once; keep it)` : '    secretKey (shown on first start only; rotate with npm run cli -- apps:update <appId> --rotate-secret)',
    `    demo page ${publicUrl}/demo`,
    newAdminToken ? `    ADMIN_TOKEN ${newAdminToken}   (generated, kept in var/admin.token)` : '    ADMIN_TOKEN in var/admin.token (or your environment)',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof UnreachableError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(err instanceof ConfigError ? 78 : 69);
  }
  process.stderr.write(`Mellon Recovery failed to start: ${err?.stack ?? err}\n`);
  process.exit(1);
});
