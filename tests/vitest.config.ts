import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'integration',
          // The bundled kubectl, extracted and verified once (see the file).
          globalSetup: ['./support/kubectl-setup.ts'],
          include: ['kubectl/**/*.test.ts', 'integration/**/*.test.ts', 'security/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'conformance',
          include: ['conformance/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
    ],
  },
});
