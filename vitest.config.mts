import { defineConfig } from 'vitest/config';

// Four projects, run in this order by `npm test`: unit (fast, no external parts), integration (real
// Docker, real kubectl), compat (the kubectl compatibility suite), e2e (lab hosts, Chromium).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'scripts/**/*.test.ts'],
          exclude: ['src/**/*.int.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['src/**/*.int.test.ts', 'e2e/lab/**/*.int.test.ts', 'e2e/integration/**/*.test.ts'],
          // Waits are on conditions; these bounds only end a hung test, sized for a loaded 2-core machine.
          testTimeout: 300_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'compat',
          include: ['e2e/compat/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/specs/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
