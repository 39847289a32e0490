import { defineConfig } from 'vitest/config';

// One run over every runner package's unit tests (they sit beside the code).
export default defineConfig({
  test: {
    include: ['*/src/**/*.test.ts'],
    environment: 'node',
  },
});
