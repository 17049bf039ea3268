// Entry of a child process that holds one plugin instance, spoken to over Node's IPC channel.
import { register } from 'tsx/esm/api';

register();
const { serveInstance } = await import('./instance-server.ts');
// The supervisor going away ends the child: no orphan outlives the harness.
process.on('disconnect', () => process.exit(0));
serveInstance({ send: (message) => process.send(message), onMessage: (handler) => process.on('message', handler) });
