// Entry of a worker thread that holds one plugin instance. Plain JavaScript so that a
// worker can start it; it loads the TypeScript server through tsx.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { serveInstance } = await import('./instance-server.ts');
serveInstance({ send: (message) => parentPort.postMessage(message), onMessage: (handler) => parentPort.on('message', handler) });
