// Entry of a worker thread that holds one plugin instance. Plain JavaScript so that a worker
// can start it; beside the compiled harness (the package) it loads instance-server.js, in a
// checkout it loads the TypeScript source through tsx.
import { existsSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

const compiled = new URL('./instance-server.js', import.meta.url);
if (!existsSync(compiled)) (await import('tsx/esm/api')).register();
const { serveInstance } = await import(existsSync(compiled) ? compiled.href : './instance-server.ts');
serveInstance({
  send: (message) => parentPort.postMessage(message),
  onMessage: (handler) => parentPort.on('message', handler),
});
