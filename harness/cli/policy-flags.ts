import type { Argv } from 'yargs';
import { UsageError } from '../contract/errors.ts';
import {
  applyPolicy,
  DEFAULT_QUOTAS,
  type HostPolicy,
  KNOWN_CAPABILITIES,
  type PolicyOverrides,
} from '../contract/policy.ts';
import { type PolicyOptions, resolvePolicy } from '../contract/policy-options.ts';
import { currentProject } from '../project/project.ts';

/** The policy flags every command that loads plugins takes. */
export interface PolicyArgs {
  memoryQuota?: string;
  deadlineQuota?: string;
  grant?: string[];
}

const FLAGS: Record<keyof PolicyOptions, string> = {
  memoryQuota: '--memory-quota',
  deadlineQuota: '--deadline-quota',
  grants: '--grant',
};

/** Adds `--memory-quota`, `--deadline-quota` and `--grant`; `whom` says which plugins they apply to. */
export function withPolicyFlags<T>(yargs: Argv<T>, whom = 'the plugins'): Argv<T & PolicyArgs> {
  return yargs
    .option('memory-quota', {
      type: 'string',
      describe: `largest memory ${whom} may use, e.g. 2GiB (default ${DEFAULT_QUOTAS.memoryBytes / 1024 ** 2}MiB)`,
    })
    .option('deadline-quota', {
      type: 'string',
      describe: `longest deadline ${whom} may ask for, e.g. 30s (default ${DEFAULT_QUOTAS.callTimeoutMs / 1000}s)`,
    })
    .option('grant', {
      type: 'string',
      array: true,
      describe:
        `capabilities granted to ${whom}, exactly, comma list or repeated (default ` +
        `${KNOWN_CAPABILITIES.join(',')})`,
    }) as Argv<T & PolicyArgs>;
}

/** The policy fields the flags set; bad values are a usage error naming each flag and what it takes. */
export function policyOverridesOf(args: PolicyArgs): PolicyOverrides {
  const { overrides, problems } = resolvePolicy(
    {
      ...(args.memoryQuota !== undefined ? { memoryQuota: args.memoryQuota } : {}),
      ...(args.deadlineQuota !== undefined ? { deadlineQuota: args.deadlineQuota } : {}),
      ...(args.grant !== undefined ? { grants: args.grant } : {}),
    },
    (field) => FLAGS[field],
  );
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return overrides;
}

/** The host policy the flags make: the project's (its config's `policy` over the defaults), with what the flags set. */
export const policyOf = (args: PolicyArgs): HostPolicy => applyPolicy(currentProject().policy, policyOverridesOf(args));
