import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { abiProblem } from '../abi/abi.ts';
import { signArtifact } from '../build/sign-artifact.ts';
import { keyIdOf, type TrustedKey } from '../contract/keys.ts';
import type { HostPolicy } from '../contract/policy.ts';
import { openLane } from '../lanes/open-lane.ts';
import { laneKind } from '../lanes/registry.ts';
import { type LaneId, laneName } from '../isolations/lane.ts';
import { BACKSTOP_DEADLINE_MS, CHECK_DEADLINE_MS, EXTISM_FAULTS } from './matrix.ts';
import { type CheckResult } from '../report/results.ts';
import { callFault, type CheckFigures, type CheckOptions, judge, refusalCheck, tamperedCopy } from './check-steps.ts';

/**
 * The smallest Extism module that imports `http_request`: one op `run` that returns 0. Made
 * here, not built, so the refusal is checked without a fixture whose only job is to be refused.
 */
const HTTP_IMPORTING_MODULE = Uint8Array.from([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  0x01,
  0x0b,
  0x02,
  0x60,
  0x02,
  0x7e,
  0x7e,
  0x01,
  0x7e,
  0x60,
  0x00,
  0x01,
  0x7f,
  0x02,
  0x20,
  0x01,
  0x0f,
  ...Buffer.from('extism:host/env'),
  0x0c,
  ...Buffer.from('http_request'),
  0x00,
  0x00,
  0x03,
  0x02,
  0x01,
  0x01,
  0x05,
  0x03,
  0x01,
  0x00,
  0x01,
  0x07,
  0x10,
  0x02,
  0x03,
  ...Buffer.from('run'),
  0x00,
  0x01,
  0x06,
  ...Buffer.from('memory'),
  0x02,
  0x00,
  0x0a,
  0x06,
  0x01,
  0x04,
  0x00,
  0x41,
  0x00,
  0x0b,
]);

/** The HTTP-importing module signed with a key made for it, and that key to trust. */
async function httpPlugin(): Promise<{ dir: string; key: TrustedKey }> {
  const work = mkdtempSync(join(tmpdir(), 'plugbench-extism-http-'));
  const file = join(work, 'fetcher.wasm');
  writeFileSync(file, HTTP_IMPORTING_MODULE);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await signArtifact({ artifact: file, key: privateKey, outDir: join(work, 'signed') });
  return { dir: join(work, 'signed'), key: { keyId: keyIdOf(publicKey), key: publicKey, source: 'check' } };
}

/**
 * The safety matrix for the Extism ABI on one lane: each fault of `ext-faulty` followed by a
 * healthy call on the replaced instance, a tampered artifact and an `http_request` import
 * refused. Lanes other than wasm-core say they are not for Extism plugins.
 */
export async function extismChecks(
  laneId: LaneId,
  dirs: { faulty: string; healthy: string },
  options: CheckOptions,
  policy: HostPolicy,
  figure: CheckFigures,
): Promise<CheckResult[]> {
  const name = laneName(laneId);
  const plugin = 'ext-faulty';
  const ids = [...EXTISM_FAULTS.map((f) => `extism.fault.${f.op}`), 'extism.load.tampered', 'extism.load.http'];
  const problem = abiProblem('extism', laneKind(laneId).engine.abis);
  if (problem !== undefined)
    return ids.map((id) => ({ id, plugin, lane: name, status: 'unsupported', detail: problem }));
  const checks: CheckResult[] = [];
  const lane = await openLane(dirs.faulty, laneId, { trusted: options.trusted, policy });
  try {
    for (const fault of EXTISM_FAULTS) {
      const expectation = fault.expectOn(laneId);
      if ('unsupported' in expectation) {
        checks.push({
          id: `extism.fault.${fault.op}`,
          plugin,
          lane: name,
          status: 'unsupported',
          detail: expectation.unsupported,
        });
        continue;
      }
      // Only a spin needs the short deadline; the others get a backstop that a loaded machine does not hit.
      const call = await callFault(
        lane,
        fault.op,
        figure,
        fault.needsDeadline ? CHECK_DEADLINE_MS : BACKSTOP_DEADLINE_MS,
      );
      checks.push({ id: `extism.fault.${fault.op}`, plugin, lane: name, ...judge(expectation, call) });
      const after = await lane.call(
        'echo',
        new Uint8Array([1, 2, 3]),
        lane.deadline.enforced ? { deadlineMs: BACKSTOP_DEADLINE_MS } : {},
      );
      const detail = after.outcome.ok
        ? 'a healthy call after the fault succeeded'
        : `a healthy call after the fault failed: ${after.outcome.failure.kind}: ${after.outcome.failure.message}`;
      checks.push({
        id: `extism.recovery.${fault.op}`,
        plugin,
        lane: name,
        status: after.outcome.ok ? 'pass' : 'fail',
        detail,
      });
    }
    figure.recycles.push(...lane.recycles);
  } finally {
    await lane.close();
  }
  checks.push(
    await refusalCheck(
      'extism.load.tampered',
      'ext-textkit (tampered)',
      tamperedCopy(dirs.healthy),
      laneId,
      'rejected',
      options,
    ),
  );
  const http = await httpPlugin();
  checks.push(
    await refusalCheck('extism.load.http', 'fetcher (imports http_request)', http.dir, laneId, 'incompatible', {
      ...options,
      trusted: [...options.trusted, http.key],
    }),
  );
  return checks;
}
