// Entry of a child process that holds one plugin instance, spoken to over Node's IPC channel.
// Beside the compiled harness (the package) it loads instance-server.js, in a checkout the
// TypeScript source through tsx.
import { existsSync } from 'node:fs';

const compiled = new URL('./instance-server.js', import.meta.url);
if (!existsSync(compiled)) (await import('tsx/esm/api')).register();
const { serveInstance } = await import(existsSync(compiled) ? compiled.href : './instance-server.ts');
// The supervisor going away ends the child: no orphan outlives the harness.
process.on('disconnect', () => process.exit(0));
serveInstance({ send: (message) => process.send(message), onMessage: (handler) => process.on('message', handler) });
