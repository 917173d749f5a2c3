// Unit specs live beside the code (src, *.spec.ts); integration and browser tests in test/ (*.e2e-spec.ts).
// NestJS 12, jose, @simplewebauthn and others ship only ES modules while jest runs CommonJS, so swc
// compiles every package whose package.json says "type": "module" (cached after the first run).
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

function esmPackages(root = join(__dirname, 'node_modules')) {
  const names = [];
  const isEsm = (dir) => {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type === 'module';
    } catch {
      return false;
    }
  };
  if (!existsSync(root)) return names;
  for (const entry of readdirSync(root)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const sub of readdirSync(join(root, entry))) if (isEsm(join(root, entry, sub))) names.push(`${entry}/${sub}`);
    } else if (isEsm(join(root, entry))) names.push(entry);
  }
  return names;
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs', ignoreDynamic: false },
  sourceMaps: 'inline',
};

module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: { '^.+\\.(t|m?j)s$': ['@swc/jest', swc] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages().map(escapeRegExp).join('|')})/)`],
  testTimeout: 60000,
  maxWorkers: 1,
  // In CI a test that fails while a service is half started must not keep jest waiting on its sockets.
  forceExit: Boolean(process.env.CI),
};
