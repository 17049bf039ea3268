import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canReload } from '../../harness/isolations/lane.ts';
import { openLane } from '../../harness/lanes/open-lane.ts';
import { parseLane } from '../../harness/lanes/registry.ts';
import { fixture, trusted } from '../helpers/plugins.ts';

for (const lane of ['native@process', 'wasm-core@worker', 'wasm-core@go', 'native@go']) {
  test(`${lane}: reload puts another plugin in the same host, and a crash's replacement loads that one`, async () => {
    const opened = await openLane(fixture('textkit'), parseLane(lane), { trusted });
    try {
      assert.ok(canReload(opened));
      const pid = (opened as unknown as { pid?: number }).pid;
      const reloaded = await opened.reload(fixture('faulty'), '{}');
      assert.ok(reloaded.outcome.ok, JSON.stringify(reloaded.outcome));
      assert.is((opened as unknown as { pid?: number }).pid, pid, 'the same worker or child');
      const echo = await opened.call('echo', new Uint8Array([7]));
      assert.equal(echo.outcome.ok && [...echo.outcome.output], [7], 'faulty answers now');
      const panic = await opened.call('panic', new Uint8Array());
      assert.is(!panic.outcome.ok && panic.outcome.failure.kind, 'panic');
      const after = await opened.call('echo', new Uint8Array([8]));
      assert.equal(after.outcome.ok && [...after.outcome.output], [8], 'the recycled instance is faulty too');
      const refused = await opened.reload('/nonexistent/plugin', '{}');
      assert.ok(!refused.outcome.ok && refused.outcome.failure.message.length > 0, JSON.stringify(refused.outcome));
    } finally {
      await opened.close();
    }
  });
}

test.run();
