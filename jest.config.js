// Two projects: `unit` (fast, fakes allowed, beside the code) and `integration` (real Orthanc, Kafka, Redis
// from deploy/local; files named *.int.test.ts). Packages resolve to their TypeScript sources, so tests need no build.
const shared = {
  preset: 'ts-jest',
  // onnxruntime-node checks tensors with `instanceof Float32Array`; jest's default node environment has its own
  // typed-array constructors, so tensors made inside a test would be rejected. This environment shares the host's.
  testEnvironment: '<rootDir>/test/helpers/hostTypedArraysEnvironment.js',
  moduleNameMapper: { '^@lungflow/([a-z-]+)$': '<rootDir>/libs/$1/src' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json', }] },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{libs,services,test,bench,cli}/**/*.test.ts'], testPathIgnorePatterns: [...shared.testPathIgnorePatterns, '\\.int\\.test\\.ts$', '\\.e2e\\.test\\.ts$'] },
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/{libs,services,test,cli}/**/*.{int,e2e}.test.ts'] },
  ],
};
