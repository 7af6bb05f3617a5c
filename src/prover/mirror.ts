/**
 * A prover's mirror of one project: the state tree and op chain as the chain has settled
 * them, rebuilt from public data (registry ops, settled batches' content). Batches are
 * built on a copy and committed only once the chain accepted them.
 */
import { OpChain, type RegistryOp } from "../crypto/registry";
import { StateTree } from "../trees/state-tree";
import {
  buildBatch,
  type BatchSettings,
  type BuiltBatch,
  type CircuitShape,
  type DeviceMessages,
} from "../zk/batch";

export interface PendingBatch {
  ops: RegistryOp[];
  devices: DeviceMessages[];
  built: BuiltBatch;
  tree: StateTree;
}

export class ProjectMirror {
  private _tree: StateTree;
  readonly chain = new OpChain();

  constructor(
    readonly shape: CircuitShape,
    readonly domain: bigint,
  ) {
    this._tree = new StateTree(shape.depth);
  }

  /** The settled state tree (read it; do not change it). */
  get tree(): StateTree {
    return this._tree;
  }

  get root(): bigint {
    return this._tree.root;
  }

  /** Builds `ops` and `devices` on top of the settled state, for `prover`. */
  build(ops: RegistryOp[], devices: DeviceMessages[], prover: bigint, settings: BatchSettings): PendingBatch {
    const tree = this._tree.clone();
    const built = buildBatch(
      this.shape,
      tree,
      { domain: this.domain, opsChainFrom: this.chain.head, prover, settings },
      ops,
      devices,
    );
    return { ops, devices, built, tree };
  }

  /** Records a batch the chain settled. */
  commit(batch: PendingBatch): void {
    if (batch.built.signals.oldStateRoot !== this._tree.root)
      throw new Error("batch was built on another state");
    for (const op of batch.ops) this.chain.append(op);
    this._tree = batch.tree;
  }
}
