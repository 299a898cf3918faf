import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Run as `vite build web`: paths are relative to web/.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The polyfill would be an inline <script>, which the server's CSP (script-src 'self') blocks.
    modulePreload: { polyfill: false },
    // No data: URLs for scripts or fonts; every asset is a file under /assets/.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
