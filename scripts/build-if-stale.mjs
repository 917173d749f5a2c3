// `npm run cli`, `npm run worker` and `npm test` build first only when dist/ is older than the
// sources, so a command on a current build starts at once instead of recompiling for seconds.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
// What `npm run build` produces that the commands need: the service and the clients it serves.
const outputs = ['dist/src/main.js', 'dist/clients/browser/mellon-recovery.js', 'dist/clients/node/index.js'].map((p) => join(root, p));
const sources = ['src', 'clients', 'migrations', 'bench', 'scripts', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs);
}

const built = outputs.every((o) => existsSync(o)) ? Math.min(...outputs.map((o) => statSync(o).mtimeMs)) : 0;
const stale = !built || sources.some((s) => existsSync(join(root, s)) && newest(join(root, s)) > built);
if (stale) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
