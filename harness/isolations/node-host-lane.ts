import type { CallOptions, LaneCall, ReloadingLane, SequencingLane } from './lane.ts';
import { SupervisedLane } from './supervised-lane.ts';

/**
 * A lane in a Node worker thread or child process (harness/isolations/instance-server.ts):
 * supervised, able to `reload` (SupervisedLane's), and able to run a plugin's `init` and
 * `shutdown` as steps of their own and to start afresh, for the fuzz's init/call/shutdown
 * sequences. Each step is held to a deadline like a call: past it the worker or child is killed
 * and replaced.
 */
export class NodeHostLane extends SupervisedLane implements SequencingLane, ReloadingLane {
  init(config: string, options: CallOptions = {}): Promise<LaneCall> {
    return this.step((id) => ({ type: 'init', id, config }), options.deadlineMs);
  }

  shutdown(options: CallOptions = {}): Promise<LaneCall> {
    return this.step((id) => ({ type: 'shutdown', id }), options.deadlineMs);
  }

  reset(options: CallOptions = {}): Promise<LaneCall> {
    return this.step((id) => ({ type: 'reset', id }), options.deadlineMs);
  }
}
