import type { Argv } from 'yargs';
import { readSigningKey, signArtifact } from '../build/sign-artifact.ts';
import { loadOrCreateDevKey } from '../contract/keys.ts';
import { stateDir } from '../paths.ts';
import { type CliCommand, EXIT } from './command.ts';

interface SignArgs {
  artifact: string;
  op?: string[];
  name?: string;
  version?: string;
  key?: string;
  out: string;
}

export const signCommand: CliCommand<SignArgs> = {
  command: 'sign <artifact>',
  describe:
    'Sign a core module built elsewhere (Extism or contract 1.0): copy it, record its SHA-256 and ABI, sign ' +
    'plugin.json',
  builder: (yargs: Argv) =>
    yargs
      .version(false)
      .positional('artifact', { type: 'string', demandOption: true, describe: 'the .wasm file' })
      .option('op', {
        type: 'string',
        array: true,
        describe:
          'NAME[:KIND] of an op, KIND one of bytes (default), utf8, image, u64; default: every exported ' +
          "function that is not a runtime's",
      })
      .option('name', { type: 'string', describe: 'plugin name (default: the file name)' })
      .option('version', { type: 'string', describe: 'plugin version (default: 0.0.0)' })
      .option('key', {
        type: 'string',
        describe: 'Ed25519 private key, PEM (default: the development key in .plugbench/keys/)',
      })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'plugin directory to write',
      }) as unknown as Argv<SignArgs>,
  handler: async (args) => {
    const key = args.key === undefined ? loadOrCreateDevKey(stateDir()) : readSigningKey(args.key);
    const meta = await signArtifact({
      artifact: args.artifact,
      ops: args.op,
      name: args.name,
      version: args.version,
      key,
      outDir: args.out,
    });
    const ops = meta.extism?.ops.map((op) => `${op.name}(${op.input})`).join(' ') ?? 'from `describe`';
    console.error(
      `signed ${meta.name} ${meta.version} (abi ${meta.abi}${meta.extism?.wasi ? ', WASI' : ''}) → ` +
        `${args.out}\n  ops: ${ops}\n  key: ${meta.signature.keyId}`,
    );
    return EXIT.pass;
  },
};
