// `npm run cli` and `npm run worker` build first only when dist/ is older than the sources, so an
// operator command on a current build starts at once instead of recompiling for seconds.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const output = join(root, 'dist', 'src', 'main.js');
const sources = ['src', 'migrations', 'bench', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs);
}

const stale = !existsSync(output) || sources.some((s) => existsSync(join(root, s)) && newest(join(root, s)) > statSync(output).mtimeMs);
if (stale) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
