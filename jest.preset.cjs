// Jest does not create the folder for --outputFile; the results feed scripts/test-summary.mjs.
require('node:fs').mkdirSync('test-artifacts', { recursive: true });

// Shared jest settings. @swc/jest compiles TypeScript (type-checking is `tsc --noEmit`)
// and also the ESM-only dependencies that CommonJS jest cannot require on Node 20.
const esmOnly = [
  '@kubernetes/client-node',
  'content-disposition',
  'cookie',
  'light-my-request',
  'openid-client',
  'oauth4webapi',
  'jose',
  'hpagent',
  'undici',
  'fetch-blob',
  'node-fetch',
  'data-uri-to-buffer',
  'formdata-polyfill',
  'p-limit',
  'yocto-queue',
  'playwright-core',
  // CommonJS, but its lazy `import('node-fetch')` needs a VM flag jest does not set.
  'gaxios',
];

const swc = {
  jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
  module: { type: 'commonjs' },
};

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    '^.+\\.m?js$': [
      '@swc/jest',
      { ...swc, jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } } },
    ],
  },
  transformIgnorePatterns: [
    `node_modules/(?!(\\.pnpm/[^/]+/node_modules/)?(${esmOnly.join('|')})/)`,
  ],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json', 'node'],
  testTimeout: 60000,
};
