import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const SDK_FILE = 'mellon-recovery.js';

export interface SdkBundle {
  body: Buffer;
  /** First 16 hex digits of the SHA-256 of the body: the versioned name and the ETag. */
  hash: string;
}

/** The repository (or image) root: the nearest directory above `start` with a package.json. */
function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/**
 * The browser client `npm run build` wrote to dist/clients/browser. Read on first use and again
 * whenever the file changes (a rebuild while the service runs), so no restart is needed.
 */
export class SdkBundleSource {
  private cached?: { mtimeMs: number; bundle: SdkBundle };

  constructor(readonly path = join(findRoot(__dirname), 'dist', 'clients', 'browser', SDK_FILE)) {}

  current(): SdkBundle | undefined {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.path).mtimeMs;
    } catch {
      return undefined;
    }
    if (this.cached?.mtimeMs !== mtimeMs) {
      const body = readFileSync(this.path);
      this.cached = { mtimeMs, bundle: { body, hash: createHash('sha256').update(body).digest('hex').slice(0, 16) } };
    }
    return this.cached.bundle;
  }
}
