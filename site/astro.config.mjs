import react from '@astrojs/react';
import { defineConfig } from 'astro/config';

// A static build: the runner serves site/dist and its own API on one port.
export default defineConfig({
  output: 'static',
  integrations: [react()],
  telemetry: false,
});
