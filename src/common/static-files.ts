import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

/** A file served as it is, read once at start-up. */
export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/**
 * The repository's (or image's) folder `name`, recognised by `marker` inside it, found upward
 * from `start`: the same code runs from src/ (jest) and from dist/src/.
 */
export function findRepoFolder(name: string, marker: string, start = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, name);
    if (existsSync(join(candidate, marker))) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name}/${marker} not found above ${start}`);
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

export function readStaticFile(path: string): StaticFile {
  return { body: readFileSync(path), contentType: TYPES[extname(path)] };
}
