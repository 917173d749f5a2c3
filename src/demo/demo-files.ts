import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const DEMO_FILES = Symbol('DEMO_FILES');

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/** The repository's `demo/` folder, found upward from here so it works from src/ (jest) and dist/src/. */
export function findDemoDir(start = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'demo');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`demo/index.html not found above ${start}`);
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

/** The handful of files the demo page needs, read once at start-up: URL name → file (the browser client it imports is served at /sdk/). */
export function loadDemoFiles(dir = findDemoDir()): Map<string, StaticFile> {
  const read = (path: string): StaticFile => ({ body: readFileSync(path), contentType: TYPES[path.slice(path.lastIndexOf('.'))] });
  return new Map([
    ['index.html', read(join(dir, 'index.html'))],
    ['demo.css', read(join(dir, 'demo.css'))],
    ['demo.js', read(join(dir, 'demo.js'))],
    // A classic script that defines the global `qrcode` (the authenticator-app QR code).
    ['qrcode.js', read(require.resolve('qrcode-generator'))],
  ]);
}
