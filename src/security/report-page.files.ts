import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StaticFile } from '../demo/demo-files';

export const REPORT_FILES = Symbol('REPORT_FILES');

/** The repository's `report/` folder, found upward from here so it works from src/ (jest) and dist/src/. */
export function findReportDir(start = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'report');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`report/index.html not found above ${start}`);
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

/** The page's three files, read once at start-up: URL name → file. */
export function loadReportFiles(dir = findReportDir()): Map<string, StaticFile> {
  return new Map(['index.html', 'report.css', 'report.js'].map((name) => [name, { body: readFileSync(join(dir, name)), contentType: TYPES[name.slice(name.lastIndexOf('.'))] }]));
}
