// Builds the client libraries after `nest build`: the browser ES module (esbuild, bundling
// @simplewebauthn/browser; its .d.ts by tsc) and the Node client (tsc, CommonJS + .d.ts).
//   dist/clients/browser/mellon-recovery.js   served at /sdk/mellon-recovery.js
//   dist/clients/node/index.js               require('mellon-recovery/node')
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', '.bin', 'tsc');

execFileSync(tsc, ['-p', 'clients/node/tsconfig.json'], { cwd: root, stdio: 'inherit' });
execFileSync(tsc, ['-p', 'clients/browser/tsconfig.json'], { cwd: root, stdio: 'inherit' });
await build({
  absWorkingDir: root,
  entryPoints: ['clients/browser/index.ts'],
  outfile: 'dist/clients/browser/mellon-recovery.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  sourcemap: false,
  legalComments: 'eof',
  logLevel: 'warning',
});
