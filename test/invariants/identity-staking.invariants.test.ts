/**
 * @title Identity and staking invariants (stateful, fast-check model-based commands)
 * @notice Random command sequences run against the in-process Hardhat chain and a TypeScript
 * model; after every command each invariant below is checked against the chain.
 *
 * DeviceRegistry / ProjectRegistry (commands: register — random owner and project, often a
 * device already registered —, rotate key, revoke by a random account, transfer the ioID):
 * - ONE_ACTIVE_IOID_PER_DEVICE: a device address has at most one live identity: registering
 *   a registered device (active, or revoked: the registry never re-issues an ioID) fails,
 *   only an active device rotates its key, and in the op chains the provers replay a device's
 *   key is live in at most one (project, index) slot, in exactly one iff its ioID is active.
 * - OP_CHAIN_MATCHES_EVENTS: for each project, `opCount` and every checkpoint `opsChainAt(n)`
 *   equal the op chain replayed off-chain (src/crypto/registry `OpChain`, `keyHash`) from the
 *   registry's DeviceRegistered / DeviceKeyRotated / DeviceRevoked events, and each
 *   RegistryOpAppended event carries the replayed op and checkpoint.
 * - DEVICE_INDICES_DENSE: a project's `deviceCount` is the number of devices registered in it
 *   and they hold indices 0..count−1, one each, for good.
 * - IOID_OWNERSHIP_TRACKED: every ioID belongs to its registrant or its last transferee,
 *   revoked or not; balances agree.
 * - REVOKE_ONLY_AUTHORIZED: a revocation succeeds exactly when the caller owns the ioID or
 *   operates the device's own project (another project's operator is refused).
 *
 * ProverPool (commands: stake, request unstake, withdraw around the unbonding deadline, wait,
 * slash by the authorised slasher or by a stranger, pause/unpause, selectProver(seed)):
 * - POOL_STAKE_CONSERVED: each prover's stake + unbonding = deposits − withdrawals − slashed,
 *   the split between them is the model's, the pool's token balance equals Σ deposits −
 *   Σ withdrawals − Σ slashed (so it covers every prover's stake), and every token that left
 *   the pool reached the prover, the beneficiary or the treasury as the model says.
 * - UNBONDING_STAYS_SLASHABLE: a slash takes min(amount, stake + unbonding): stake requested
 *   for withdrawal (matured or not) but not yet withdrawn is still taken, after the active stake.
 * - UNBONDING_DELAY_ENFORCED: a withdrawal before `unbondingEndsAt` fails, one at or after it
 *   pays exactly the unbonding queue; each request restarts the period.
 * - ONLY_SLASHER_SLASHES: a slash by an account that is not an authorised slasher fails.
 * - SELECTION_ONLY_ELIGIBLE: `selectProver(seed)` returns only a prover that is eligible (not
 *   paused, stake ≥ minStake) and reverts with NoEligibleProver exactly when none is; a prover
 *   holds a slot exactly while its stake is at least the minimum (freed slots are reused).
 * - SELECTION_WEIGHTS_MATCH_STAKE: `weightOf`/`totalWeight` are the eligible stakes and
 *   `selectProver(seed)` is the prover whose stake-weighted range (in slot order) holds
 *   `seed mod totalWeight`.
 *
 * The pool under test is a fresh ProverPool (small minimum stake and unbonding period, a
 * beneficiary share that rounds) whose one slasher is a test account; the registries are the
 * deploy scripts' (tag "registries") with two projects, each with an owner and an operator.
 *
 * Mutants: each of the five main invariants is also run, alone, against a contract broken on
 * purpose (contracts/test/mutants/, never deployed by deploy/), and fast-check must find a
 * counterexample that names that invariant, so none of them can pass vacuously:
 * ONE_ACTIVE_IOID_PER_DEVICE ← MutantDeviceRegistryRotationForks (a rotation forks a second
 * live slot), OP_CHAIN_MATCHES_EVENTS ← MutantDeviceRegistrySkipRevocationOp (revocations
 * never reach the op chain), POOL_STAKE_CONSERVED ← MutantProverPoolSlashKeepsUnbonding (a
 * slash pays out unbonding stake it leaves in the queue), UNBONDING_STAYS_SLASHABLE ←
 * MutantProverPoolNoSlashUnbonding (a slash takes active stake only), SELECTION_ONLY_ELIGIBLE
 * ← MutantProverPoolSelectsIneligible (paused and under-staked provers keep their weight).
 *
 * Profile (test/invariants/profile.ts): the quick one runs in `npm test`; INVARIANT_PROFILE=full
 * runs ≥ 200 sequences of up to 60 (identity) / 90 (staking) commands per property;
 * INVARIANT_SEED replays a run; INVARIANT_VERBOSE=1 prints which paths ran and how fast each
 * mutant was caught.
 */
import { expect } from "chai";
import fc from "fast-check";
import { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet, type ContractTransactionReceipt, type ContractTransactionResponse } from "ethers";

import { DEPLOYMENTS, TAGS } from "../../src/chain/deployments";
import {
  OpChain,
  deviceIdOf,
  deviceRegistryDomain,
  keyHash,
  signKeyRotation,
  signRegistration,
} from "../../src/crypto";
import { SNARK_SCALAR_FIELD } from "../../src/crypto/field";
import { makeRequest } from "../helpers/devices";
import { SUITE_TIMEOUT_MS, stateful } from "./profile";
import {
  DeviceRegistry__factory,
  MockERC20__factory,
  MutantDeviceRegistryRotationForks__factory,
  MutantDeviceRegistrySkipRevocationOp__factory,
  MutantProverPoolNoSlashUnbonding__factory,
  MutantProverPoolSelectsIneligible__factory,
  MutantProverPoolSlashKeepsUnbonding__factory,
  ProjectRegistry__factory,
  ProverPool__factory,
  type DeviceRegistry,
  type MockERC20,
  type ProverPool,
} from "../../typechain-types";

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

export const ONE_ACTIVE_IOID_PER_DEVICE = "ONE_ACTIVE_IOID_PER_DEVICE";
export const OP_CHAIN_MATCHES_EVENTS = "OP_CHAIN_MATCHES_EVENTS";
export const DEVICE_INDICES_DENSE = "DEVICE_INDICES_DENSE";
export const IOID_OWNERSHIP_TRACKED = "IOID_OWNERSHIP_TRACKED";
export const REVOKE_ONLY_AUTHORIZED = "REVOKE_ONLY_AUTHORIZED";
export const POOL_STAKE_CONSERVED = "POOL_STAKE_CONSERVED";
export const UNBONDING_STAYS_SLASHABLE = "UNBONDING_STAYS_SLASHABLE";
export const UNBONDING_DELAY_ENFORCED = "UNBONDING_DELAY_ENFORCED";
export const ONLY_SLASHER_SLASHES = "ONLY_SLASHER_SLASHES";
export const SELECTION_ONLY_ELIGIBLE = "SELECTION_ONLY_ELIGIBLE";
export const SELECTION_WEIGHTS_MATCH_STAKE = "SELECTION_WEIGHTS_MATCH_STAKE";

const IDENTITY_INVARIANTS = [
  ONE_ACTIVE_IOID_PER_DEVICE,
  OP_CHAIN_MATCHES_EVENTS,
  DEVICE_INDICES_DENSE,
  IOID_OWNERSHIP_TRACKED,
  REVOKE_ONLY_AUTHORIZED,
] as const;
const STAKING_INVARIANTS = [
  POOL_STAKE_CONSERVED,
  UNBONDING_STAYS_SLASHABLE,
  UNBONDING_DELAY_ENFORCED,
  ONLY_SLASHER_SLASHES,
  SELECTION_ONLY_ELIGIBLE,
  SELECTION_WEIGHTS_MATCH_STAKE,
] as const;
type Invariant = (typeof IDENTITY_INVARIANTS)[number] | (typeof STAKING_INVARIANTS)[number];

/** A broken invariant: the counterexample fast-check reports names it. */
class InvariantViolation extends Error {
  constructor(
    readonly invariant: Invariant,
    detail: string,
  ) {
    super(`${invariant} violated: ${detail}`);
    this.name = "InvariantViolation";
  }
}

/** The chain did something the model cannot follow, outside any checked invariant. */
class ModelDiverged extends Error {
  constructor(detail: string) {
    super(`model diverged: ${detail}`);
    this.name = "ModelDiverged";
  }
}

interface Checked {
  /** The invariants checked in this run (all of them, or only a mutant's target). */
  enabled: ReadonlySet<Invariant>;
}

function holds(ctx: Checked, invariant: Invariant, condition: boolean, detail: () => string): void {
  if (ctx.enabled.has(invariant) && !condition) throw new InvariantViolation(invariant, detail());
}

function equal<T>(ctx: Checked, invariant: Invariant, actual: T, expected: T, what: string): void {
  holds(ctx, invariant, actual === expected, () => `${what}: chain ${actual}, model ${expected}`);
}

const OK = "ok";

/** How often the interesting paths ran (printed with INVARIANT_VERBOSE=1). */
const coverage = new Map<string, number>();
const hit = (path: string) => coverage.set(path, (coverage.get(path) ?? 0) + 1);

/** The custom error a call reverted with; rethrows anything that is not a revert. */
function revertName(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const custom = /reverted with custom error '(\w+)\(/.exec(message);
  if (custom) return custom[1];
  if (/reverted/.test(message)) return "revert";
  throw e;
}

/**
 * Sends a transaction and compares its outcome (OK or the custom error's name) with the
 * model's. A mismatch is a violation of `invariant` when it is checked, and otherwise a
 * divergence (which fails a run just the same, so a mutant run can never pass by it).
 */
async function expectOutcome(
  ctx: Checked,
  invariant: Invariant | undefined,
  send: () => Promise<ContractTransactionResponse>,
  expected: string,
  what: string,
): Promise<ContractTransactionReceipt | undefined> {
  let actual = OK;
  let receipt: ContractTransactionReceipt | undefined;
  try {
    receipt = (await (await send()).wait()) ?? undefined;
  } catch (e) {
    actual = revertName(e);
  }
  if (actual !== expected) {
    const detail = `${what}: chain ${actual}, model ${expected}`;
    if (invariant !== undefined && ctx.enabled.has(invariant))
      throw new InvariantViolation(invariant, detail);
    throw new ModelDiverged(detail);
  }
  return receipt;
}

// ---------------------------------------------------------------------------------------------
// Identity: DeviceRegistry + ProjectRegistry
// ---------------------------------------------------------------------------------------------

const DEVICES = 5;
const PROJECTS = 2;
const HOLDERS = 3;
const DEADLINE = 2n ** 62n;
const STATUS = { None: 0n, Active: 1n, Revoked: 2n } as const;

type IdentityVariant = "real" | "rotationForks" | "skipRevocationOp";

const identityFixture = deployments.createFixture(async (_hre, options?: { variant: IdentityVariant }) => {
  await deployments.fixture([TAGS.registries]);
  const [deployer, ownerA, operatorA, ownerB, operatorB, relayer, ...rest] = await ethers.getSigners();
  const holders = rest.slice(0, HOLDERS);
  const projectRegistryAddress = (await deployments.get(DEPLOYMENTS.projectRegistry)).address;
  const deployed = DeviceRegistry__factory.connect(
    (await deployments.get(DEPLOYMENTS.deviceRegistry)).address,
    relayer,
  );
  const depth = await deployed.stateDepth();
  const libraries = {
    "contracts/libraries/poseidon/PoseidonT4.sol:PoseidonT4": (await deployments.get(DEPLOYMENTS.poseidonT4))
      .address,
  };
  const variant = options?.variant ?? "real";
  let registry: DeviceRegistry = deployed;
  if (variant === "rotationForks") {
    const mutant = await new MutantDeviceRegistryRotationForks__factory(libraries, deployer).deploy(
      projectRegistryAddress,
      depth,
    );
    registry = DeviceRegistry__factory.connect(await mutant.getAddress(), relayer);
  } else if (variant === "skipRevocationOp") {
    const mutant = await new MutantDeviceRegistrySkipRevocationOp__factory(libraries, deployer).deploy(
      projectRegistryAddress,
      depth,
    );
    registry = DeviceRegistry__factory.connect(await mutant.getAddress(), relayer);
  }
  const projectRegistry = ProjectRegistry__factory.connect(projectRegistryAddress, deployer);
  const projectIds: bigint[] = [];
  for (const [owner, operator] of [
    [ownerA, operatorA],
    [ownerB, operatorB],
  ]) {
    await projectRegistry
      .connect(owner)
      .register(`invariants-${owner.address.slice(2, 8)}`, "ipfs://x", ethers.ZeroHash);
    const id = await projectRegistry.projectCount();
    await projectRegistry.connect(owner).setOperator(id, operator.address, true);
    projectIds.push(id);
  }
  const { chainId } = await ethers.provider.getNetwork();
  return {
    registry,
    projectIds,
    /** Accounts allowed to revoke in each project: its owner and its operator. */
    operators: [
      [ownerA.address, operatorA.address],
      [ownerB.address, operatorB.address],
    ],
    holders,
    /** Everyone who may try to revoke: both projects' owners and operators, and the holders. */
    actors: [ownerA, operatorA, ownerB, operatorB, ...holders],
    domain: deviceRegistryDomain(chainId, await registry.getAddress()),
    fromBlock: (await ethers.provider.getBlockNumber()) + 1,
  };
});

type IdentityWorld = Awaited<ReturnType<typeof identityFixture>>;

interface IdentityReal extends Checked {
  w: IdentityWorld;
  devices: Wallet[];
  /** Per project, the checkpoints already compared (later ones are read each check). */
  verified: number[];
}

interface DeviceModel {
  status: bigint;
  project: number;
  index: bigint;
  owner: string;
  nonce: bigint;
}

interface IdentityModel {
  devices: (DeviceModel | undefined)[];
  deviceCount: number[];
  chains: OpChain[];
  /** Which device each key hash the model produced belongs to. */
  keyOwner: Map<bigint, number>;
}

/** The registry's events since the fixture, in chain order. */
async function registryEvents(r: IdentityReal) {
  const { registry, fromBlock } = r.w;
  const [registered, rotated, revoked, appended] = await Promise.all([
    registry.queryFilter(registry.filters.DeviceRegistered(), fromBlock),
    registry.queryFilter(registry.filters.DeviceKeyRotated(), fromBlock),
    registry.queryFilter(registry.filters.DeviceRevoked(), fromBlock),
    registry.queryFilter(registry.filters.RegistryOpAppended(), fromBlock),
  ]);
  const byOrder = <T extends { blockNumber: number; index: number }>(a: T, b: T) =>
    a.blockNumber - b.blockNumber || a.index - b.index;
  const deviceEvents = [
    ...registered.map((e) => ({ e, kind: "registered" as const })),
    ...rotated.map((e) => ({ e, kind: "rotated" as const })),
    ...revoked.map((e) => ({ e, kind: "revoked" as const })),
  ].sort((a, b) => byOrder(a.e, b.e));
  return { deviceEvents, appended: appended.sort(byOrder) };
}

async function checkIdentity(m: IdentityModel, r: IdentityReal): Promise<void> {
  const { registry, projectIds } = r.w;
  const { deviceEvents, appended } = await registryEvents(r);

  // OP_CHAIN_MATCHES_EVENTS: replay the device events with the TypeScript library.
  const replay = projectIds.map(() => new OpChain());
  const slotOf = new Map<bigint, { project: number; index: bigint }>();
  for (const { e, kind } of deviceEvents) {
    if (kind === "registered") {
      const a = e.args as unknown as {
        deviceId: bigint;
        projectId: bigint;
        index: bigint;
        ax: bigint;
        ay: bigint;
        keyHash: bigint;
      };
      const project = projectIds.indexOf(a.projectId);
      const kh = keyHash(a.deviceId, a.ax, a.ay);
      equal(r, OP_CHAIN_MATCHES_EVENTS, a.keyHash, kh, `DeviceRegistered(${a.deviceId}).keyHash`);
      slotOf.set(a.deviceId, { project, index: a.index });
      replay[project].append({ index: a.index, keyHash: kh });
    } else {
      const deviceId = (e.args as unknown as { deviceId: bigint }).deviceId;
      const slot = slotOf.get(deviceId);
      holds(
        r,
        OP_CHAIN_MATCHES_EVENTS,
        slot !== undefined,
        () => `${kind} event for unregistered ${deviceId}`,
      );
      if (slot === undefined) continue;
      if (kind === "rotated") {
        const a = e.args as unknown as { ax: bigint; ay: bigint; keyHash: bigint };
        const kh = keyHash(deviceId, a.ax, a.ay);
        equal(r, OP_CHAIN_MATCHES_EVENTS, a.keyHash, kh, `DeviceKeyRotated(${deviceId}).keyHash`);
        replay[slot.project].append({ index: slot.index, keyHash: kh });
      } else {
        replay[slot.project].append({ index: slot.index, keyHash: 0n });
      }
    }
  }
  const appendedBy: { index: bigint; keyHash: bigint; opsChain: bigint; opNumber: bigint }[][] =
    projectIds.map(() => []);
  for (const e of appended) {
    const project = projectIds.indexOf(e.args.projectId);
    appendedBy[project].push({
      index: e.args.index,
      keyHash: e.args.keyHash,
      opsChain: e.args.opsChain,
      opNumber: e.args.opNumber,
    });
  }
  for (let p = 0; p < projectIds.length; p++) {
    const chain = replay[p];
    const onChainCount = await registry.opCount(projectIds[p]);
    equal(r, OP_CHAIN_MATCHES_EVENTS, onChainCount, BigInt(chain.opCount), `opCount(project ${p})`);
    equal(r, OP_CHAIN_MATCHES_EVENTS, chain.head, m.chains[p].head, `replayed head vs model (project ${p})`);
    const n = Number(onChainCount < BigInt(chain.opCount) ? onChainCount : BigInt(chain.opCount));
    for (let i = Math.min(r.verified[p], n); i <= n; i++) {
      equal(
        r,
        OP_CHAIN_MATCHES_EVENTS,
        await registry.opsChainAt(projectIds[p], i),
        chain.checkpoints[i],
        `opsChainAt(${p}, ${i})`,
      );
    }
    r.verified[p] = n;
    equal(
      r,
      OP_CHAIN_MATCHES_EVENTS,
      appendedBy[p].length,
      chain.opCount,
      `RegistryOpAppended count (project ${p})`,
    );
    appendedBy[p].forEach((op, i) => {
      const expected = chain.ops[i];
      holds(
        r,
        OP_CHAIN_MATCHES_EVENTS,
        expected !== undefined &&
          op.opNumber === BigInt(i + 1) &&
          op.index === expected.index &&
          op.keyHash === expected.keyHash &&
          op.opsChain === chain.checkpoints[i + 1],
        () => `RegistryOpAppended #${i + 1} of project ${p} is not the replayed op`,
      );
    });
  }

  // ONE_ACTIVE_IOID_PER_DEVICE: live key slots per device in the ops the provers apply.
  const live = new Map<string, bigint>();
  for (let p = 0; p < projectIds.length; p++) {
    for (const op of appendedBy[p]) live.set(`${p}:${op.index}`, op.keyHash);
  }
  const liveSlots = Array<number>(DEVICES).fill(0);
  for (const kh of live.values()) {
    if (kh === 0n) continue;
    const d = m.keyOwner.get(kh);
    holds(r, ONE_ACTIVE_IOID_PER_DEVICE, d !== undefined, () => `live key hash ${kh} of no device`);
    if (d !== undefined) liveSlots[d]++;
  }

  const indexed = Array.from({ length: PROJECTS }, () => new Set<bigint>());
  const balances = new Map<string, bigint>();
  for (let d = 0; d < DEVICES; d++) {
    const id = deviceIdOf(r.devices[d].address);
    const md = m.devices[d];
    let status: bigint = STATUS.None;
    let onChain: { projectId: bigint; index: bigint } | undefined;
    try {
      const dv = await registry.deviceOf(id);
      status = dv.status;
      onChain = { projectId: dv.projectId, index: dv.index };
    } catch (e) {
      if (revertName(e) !== "UnknownDevice") throw e;
    }
    equal(r, ONE_ACTIVE_IOID_PER_DEVICE, status, md?.status ?? STATUS.None, `status of device ${d}`);
    holds(
      r,
      ONE_ACTIVE_IOID_PER_DEVICE,
      liveSlots[d] <= 1,
      () => `device ${d} is live in ${liveSlots[d]} slots`,
    );
    equal(
      r,
      ONE_ACTIVE_IOID_PER_DEVICE,
      liveSlots[d] === 1,
      status === STATUS.Active,
      `device ${d} live ⇔ active`,
    );
    if (md === undefined || onChain === undefined) continue;
    equal(r, DEVICE_INDICES_DENSE, onChain.projectId, projectIds[md.project], `project of device ${d}`);
    equal(r, DEVICE_INDICES_DENSE, onChain.index, md.index, `index of device ${d}`);
    holds(
      r,
      DEVICE_INDICES_DENSE,
      !indexed[md.project].has(onChain.index),
      () => `index ${onChain.index} taken twice`,
    );
    indexed[md.project].add(onChain.index);
    const owner = await registry.ownerOf(id);
    equal(r, IOID_OWNERSHIP_TRACKED, owner, md.owner, `owner of ioID ${d}`);
    balances.set(md.owner, (balances.get(md.owner) ?? 0n) + 1n);
  }
  for (let p = 0; p < projectIds.length; p++) {
    const count = await registry.deviceCount(projectIds[p]);
    equal(r, DEVICE_INDICES_DENSE, count, BigInt(m.deviceCount[p]), `deviceCount(project ${p})`);
    holds(
      r,
      DEVICE_INDICES_DENSE,
      indexed[p].size === m.deviceCount[p],
      () => `indices of project ${p} not dense`,
    );
    for (const i of indexed[p]) holds(r, DEVICE_INDICES_DENSE, i < count, () => `index ${i} ≥ deviceCount`);
  }
  for (const h of r.w.holders) {
    equal(
      r,
      IOID_OWNERSHIP_TRACKED,
      await registry.balanceOf(h.address),
      balances.get(h.address) ?? 0n,
      `balanceOf(${h.address})`,
    );
  }
}

type IdentityCommand = fc.AsyncCommand<IdentityModel, IdentityReal>;

interface BabyJubKey {
  ax: bigint;
  ay: bigint;
}

class RegisterCmd implements IdentityCommand {
  constructor(
    readonly device: number,
    readonly holder: number,
    readonly project: number,
    readonly key: BabyJubKey,
  ) {}
  check = () => true;
  async run(m: IdentityModel, r: IdentityReal) {
    const wallet = r.devices[this.device];
    const owner = r.w.holders[this.holder].address;
    const request = makeRequest({
      owner,
      projectId: r.w.projectIds[this.project],
      device: wallet.address,
      deadline: DEADLINE,
      ...this.key,
    });
    const signature = await signRegistration(wallet, r.w.domain, request);
    const already = m.devices[this.device] !== undefined;
    await expectOutcome(
      r,
      ONE_ACTIVE_IOID_PER_DEVICE,
      () => r.w.registry.register(request, signature),
      already ? "DeviceAlreadyRegistered" : OK,
      `register device ${this.device}${already ? " again" : ""}`,
    );
    hit(already ? "register refused (already registered)" : "register");
    if (!already) {
      const index = BigInt(m.deviceCount[this.project]++);
      const kh = keyHash(deviceIdOf(wallet.address), this.key.ax, this.key.ay);
      m.chains[this.project].append({ index, keyHash: kh });
      m.keyOwner.set(kh, this.device);
      m.devices[this.device] = { status: STATUS.Active, project: this.project, index, owner, nonce: 1n };
    }
    await checkIdentity(m, r);
  }
  toString = () => `register(device ${this.device} → holder ${this.holder}, project ${this.project})`;
}

/**
 * The device a command acts on: a `pick` below 4·DEVICES chooses among the devices the
 * model says are registered, when any is; a larger one, or none registered, any device.
 */
function chooseDevice(m: IdentityModel, pick: number, activeOnly: boolean): number {
  const registered = m.devices
    .map((d, i) => ({ d, i }))
    .filter((x) => x.d !== undefined && (!activeOnly || x.d.status === STATUS.Active));
  if (pick < 4 * DEVICES && registered.length > 0) return registered[pick % registered.length].i;
  return pick % DEVICES;
}

class RotateCmd implements IdentityCommand {
  device = -1;
  constructor(
    readonly pick: number,
    readonly key: BabyJubKey,
  ) {}
  check = () => true;
  async run(m: IdentityModel, r: IdentityReal) {
    this.device = chooseDevice(m, this.pick, true);
    const wallet = r.devices[this.device];
    const md = m.devices[this.device];
    const rotation = { device: wallet.address, ...this.key, nonce: md?.nonce ?? 1n, deadline: DEADLINE };
    const signature = await signKeyRotation(wallet, r.w.domain, rotation);
    const expected =
      md === undefined ? "UnknownDevice" : md.status === STATUS.Revoked ? "DeviceIsRevoked" : OK;
    await expectOutcome(
      r,
      ONE_ACTIVE_IOID_PER_DEVICE,
      () => r.w.registry.rotateKey(rotation, signature),
      expected,
      `rotate device ${this.device}`,
    );
    hit(`rotate: ${expected}`);
    if (expected === OK && md !== undefined) {
      const kh = keyHash(deviceIdOf(wallet.address), this.key.ax, this.key.ay);
      m.chains[md.project].append({ index: md.index, keyHash: kh });
      m.keyOwner.set(kh, this.device);
      md.nonce++;
    }
    await checkIdentity(m, r);
  }
  toString = () => `rotate(device ${this.device})`;
}

class RevokeCmd implements IdentityCommand {
  device = -1;
  constructor(
    readonly pick: number,
    readonly actor: number,
  ) {}
  check = () => true;
  async run(m: IdentityModel, r: IdentityReal) {
    this.device = chooseDevice(m, this.pick, true);
    const caller = r.w.actors[this.actor];
    const md = m.devices[this.device];
    const authorized =
      md !== undefined && (caller.address === md.owner || r.w.operators[md.project].includes(caller.address));
    const expected =
      md === undefined
        ? "UnknownDevice"
        : md.status === STATUS.Revoked
          ? "DeviceIsRevoked"
          : authorized
            ? OK
            : "NotAuthorizedToRevoke";
    await expectOutcome(
      r,
      REVOKE_ONLY_AUTHORIZED,
      () => r.w.registry.connect(caller).revoke(deviceIdOf(r.devices[this.device].address)),
      expected,
      `revoke device ${this.device} by actor ${this.actor}`,
    );
    hit(`revoke: ${expected}`);
    if (expected === OK && md !== undefined) {
      md.status = STATUS.Revoked;
      m.chains[md.project].append({ index: md.index, keyHash: 0n });
    }
    await checkIdentity(m, r);
  }
  toString = () => `revoke(device ${this.device} by actor ${this.actor})`;
}

class TransferIoIdCmd implements IdentityCommand {
  constructor(
    readonly device: number,
    readonly to: number,
  ) {}
  check = (m: Readonly<IdentityModel>) => m.devices[this.device] !== undefined;
  async run(m: IdentityModel, r: IdentityReal) {
    const md = m.devices[this.device]!;
    const from = r.w.holders.find((h) => h.address === md.owner)!;
    const to = r.w.holders[this.to].address;
    const id = deviceIdOf(r.devices[this.device].address);
    await expectOutcome(
      r,
      IOID_OWNERSHIP_TRACKED,
      () => r.w.registry.connect(from).transferFrom(from.address, to, id),
      OK,
      `transfer ioID ${this.device}`,
    );
    md.owner = to;
    hit("transfer ioID");
    await checkIdentity(m, r);
  }
  toString = () => `transfer(ioID ${this.device} → holder ${this.to})`;
}

const fieldElement = (min: bigint) => fc.bigInt({ min, max: SNARK_SCALAR_FIELD - 1n });
const babyJubKey = fc.record({ ax: fieldElement(1n), ay: fieldElement(0n) });
const deviceArb = fc.integer({ min: 0, max: DEVICES - 1 });
const holderArb = fc.integer({ min: 0, max: HOLDERS - 1 });
/** Mostly a registered device (see `chooseDevice`), sometimes any. */
const devicePick = fc.integer({ min: 0, max: 5 * DEVICES - 1 });

function identityCommands(maxCommands: number) {
  const register = fc
    .tuple(deviceArb, holderArb, fc.integer({ min: 0, max: PROJECTS - 1 }), babyJubKey)
    .map(([d, h, p, k]) => new RegisterCmd(d, h, p, k));
  return fc.commands(
    [
      register,
      register,
      fc.tuple(devicePick, babyJubKey).map(([d, k]) => new RotateCmd(d, k)),
      fc.tuple(devicePick, fc.integer({ min: 0, max: 4 + HOLDERS - 1 })).map(([d, a]) => new RevokeCmd(d, a)),
      fc.tuple(devicePick, fc.integer({ min: 0, max: 4 + HOLDERS - 1 })).map(([d, a]) => new RevokeCmd(d, a)),
      fc.tuple(deviceArb, holderArb).map(([d, h]) => new TransferIoIdCmd(d, h)),
    ],
    { maxCommands, size: "max" },
  );
}

/** Device keys derived from fixed seeds, so that a failing seed replays exactly. */
const DEVICE_WALLETS = Array.from(
  { length: DEVICES },
  (_, i) => new Wallet(ethers.id(`identity-staking invariants device ${i}`)),
);

function identityProperty(variant: IdentityVariant, enabled: ReadonlySet<Invariant>, maxCommands: number) {
  return fc.asyncProperty(identityCommands(maxCommands), async (cmds) => {
    const w = await identityFixture({ variant });
    const model: IdentityModel = {
      devices: Array<DeviceModel | undefined>(DEVICES).fill(undefined),
      deviceCount: Array<number>(PROJECTS).fill(0),
      chains: Array.from({ length: PROJECTS }, () => new OpChain()),
      keyOwner: new Map(),
    };
    await fc.asyncModelRun(
      () => ({ model, real: { w, devices: DEVICE_WALLETS, enabled, verified: [0, 0] } }),
      cmds,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Staking: ProverPool
// ---------------------------------------------------------------------------------------------

const PROVERS = 5;
const MIN_STAKE = 100n;
const UNBONDING = 1_000n;
/** Not a divisor of 10,000, so that slashes round. */
const BENEFICIARY_BPS = 3_333n;
const CAPACITY = 8n;
const INITIAL_BALANCE = 1_000_000n;

type PoolVariant = "real" | "noSlashUnbonding" | "slashKeepsUnbonding" | "selectsIneligible";

const POOL_FACTORIES = {
  real: ProverPool__factory,
  noSlashUnbonding: MutantProverPoolNoSlashUnbonding__factory,
  slashKeepsUnbonding: MutantProverPoolSlashKeepsUnbonding__factory,
  selectsIneligible: MutantProverPoolSelectsIneligible__factory,
} as const;

const poolFixture = deployments.createFixture(async (_hre, options?: { variant: PoolVariant }) => {
  const [deployer, slasher, stranger, treasury, beneficiary, ...rest] = await ethers.getSigners();
  const provers = rest.slice(0, PROVERS);
  const token: MockERC20 = await new MockERC20__factory(deployer).deploy("Stake", "STK");
  const Factory = POOL_FACTORIES[options?.variant ?? "real"];
  const deployedPool = await new Factory(deployer).deploy(
    deployer.address,
    await token.getAddress(),
    MIN_STAKE,
    UNBONDING,
    BENEFICIARY_BPS,
    treasury.address,
    CAPACITY,
  );
  const pool: ProverPool = ProverPool__factory.connect(await deployedPool.getAddress(), deployer);
  await pool.setSlasher(slasher.address, true);
  for (const p of provers) {
    await token.mint(p.address, INITIAL_BALANCE);
    await token.connect(p).approve(await pool.getAddress(), ethers.MaxUint256);
  }
  return { token, pool, slasher, stranger, treasury, beneficiary, provers };
});

type PoolWorld = Awaited<ReturnType<typeof poolFixture>>;

interface PoolReal extends Checked {
  w: PoolWorld;
}

interface ProverModel {
  stake: bigint;
  unbonding: bigint;
  endsAt: bigint;
  paused: boolean;
  slot: number;
  deposited: bigint;
  withdrawn: bigint;
  slashed: bigint;
}

interface PoolModel {
  provers: ProverModel[];
  slots: number;
  /** Slots given back (stake below the minimum), reused last-in first-out. */
  free: number[];
  /** Expected token balances of everyone tokens move between. */
  wallet: Map<string, bigint>;
}

const eligible = (p: ProverModel) => p.slot > 0 && !p.paused && p.stake >= MIN_STAKE;

/** A prover holds a slot exactly while its active stake is at least the minimum. */
function updateSlot(m: PoolModel, p: ProverModel): void {
  if (p.slot === 0 && p.stake >= MIN_STAKE) p.slot = m.free.pop() ?? ++m.slots;
  else if (p.slot !== 0 && p.stake < MIN_STAKE) {
    m.free.push(p.slot);
    p.slot = 0;
  }
}
const weight = (p: ProverModel) => (eligible(p) ? p.stake : 0n);

/** The model's draw: the prover whose weight range, in slot order, holds `seed mod total`. */
function modelDraw(m: PoolModel, seed: bigint): number | undefined {
  const order = m.provers.map((p, i) => ({ p, i })).sort((a, b) => a.p.slot - b.p.slot);
  const total = order.reduce((s, x) => s + weight(x.p), 0n);
  if (total === 0n) return undefined;
  let target = seed % total;
  for (const { p, i } of order) {
    if (target < weight(p)) return i;
    target -= weight(p);
  }
  return undefined;
}

/** Seeds that hit the first and last unit of every eligible prover's range. */
function boundarySeeds(m: PoolModel): bigint[] {
  const seeds: bigint[] = [0n];
  let lo = 0n;
  for (const p of [...m.provers].sort((a, b) => a.slot - b.slot)) {
    const w = weight(p);
    if (w === 0n) continue;
    seeds.push(lo, lo + w - 1n);
    lo += w;
  }
  return seeds;
}

async function checkSelection(m: PoolModel, r: PoolReal, seeds: bigint[]): Promise<void> {
  const addresses = r.w.provers.map((p) => p.address);
  const anyEligible = m.provers.some(eligible);
  for (const seed of seeds) {
    let chosen: string | undefined;
    let error = OK;
    try {
      chosen = await r.w.pool.selectProver(seed);
    } catch (e) {
      error = revertName(e);
    }
    hit(anyEligible ? "selectProver with eligible provers" : "selectProver with none eligible");
    if (!anyEligible) {
      equal(
        r,
        SELECTION_ONLY_ELIGIBLE,
        error,
        "NoEligibleProver",
        `selectProver(${seed}) with none eligible`,
      );
      continue;
    }
    equal(r, SELECTION_ONLY_ELIGIBLE, error, OK, `selectProver(${seed})`);
    const i = chosen === undefined ? -1 : addresses.indexOf(chosen);
    holds(
      r,
      SELECTION_ONLY_ELIGIBLE,
      i >= 0 && eligible(m.provers[i]),
      () => `selectProver(${seed}) chose ${chosen} (prover ${i}), not eligible`,
    );
    const expected = modelDraw(m, seed);
    equal(r, SELECTION_WEIGHTS_MATCH_STAKE, i, expected, `selectProver(${seed})`);
  }
}

async function checkPool(m: PoolModel, r: PoolReal): Promise<void> {
  const { pool, token, provers } = r.w;
  let books = 0n;
  let ledger = 0n;
  let totalWeight = 0n;
  for (let i = 0; i < PROVERS; i++) {
    const mp = m.provers[i];
    const onChain = await pool.proverOf(provers[i].address);
    const net = mp.deposited - mp.withdrawn - mp.slashed;
    equal(
      r,
      POOL_STAKE_CONSERVED,
      onChain.stake + onChain.unbonding,
      net,
      `stake + unbonding of prover ${i}`,
    );
    equal(r, POOL_STAKE_CONSERVED, onChain.stake, mp.stake, `stake of prover ${i}`);
    equal(r, POOL_STAKE_CONSERVED, onChain.unbonding, mp.unbonding, `unbonding of prover ${i}`);
    equal(r, SELECTION_ONLY_ELIGIBLE, onChain.slot, BigInt(mp.slot), `slot of prover ${i}`);
    equal(r, UNBONDING_DELAY_ENFORCED, onChain.unbondingEndsAt, mp.endsAt, `unbondingEndsAt of prover ${i}`);
    equal(
      r,
      SELECTION_WEIGHTS_MATCH_STAKE,
      await pool.weightOf(provers[i].address),
      weight(mp),
      `weightOf(${i})`,
    );
    books += onChain.stake + onChain.unbonding;
    ledger += net;
    totalWeight += weight(mp);
  }
  const balance = await token.balanceOf(await pool.getAddress());
  equal(r, POOL_STAKE_CONSERVED, balance, ledger, "pool balance vs Σ deposits − withdrawals − slashed");
  holds(r, POOL_STAKE_CONSERVED, balance >= books, () => `pool holds ${balance} < Σ stake ${books}`);
  for (const [account, expected] of m.wallet) {
    equal(r, POOL_STAKE_CONSERVED, await token.balanceOf(account), expected, `token balance of ${account}`);
  }
  equal(r, SELECTION_WEIGHTS_MATCH_STAKE, await pool.totalWeight(), totalWeight, "totalWeight");
  await checkSelection(m, r, boundarySeeds(m));
}

type PoolCommand = fc.AsyncCommand<PoolModel, PoolReal>;

const credit = (m: PoolModel, account: string, amount: bigint) =>
  m.wallet.set(account, (m.wallet.get(account) ?? 0n) + amount);

/**
 * The prover a command acts on: `pick` chooses among the provers the model says are
 * interesting for it (with stake, unbonding, ...), or among all when none is.
 */
function choose(m: PoolModel, pick: number, interesting: (p: ProverModel) => boolean): number {
  const candidates = m.provers.map((p, i) => ({ p, i })).filter((x) => interesting(x.p));
  return candidates.length > 0 ? candidates[pick % candidates.length].i : pick % PROVERS;
}

async function blockTime(receipt: ContractTransactionReceipt): Promise<bigint> {
  return BigInt((await receipt.getBlock()).timestamp);
}

class StakeCmd implements PoolCommand {
  constructor(
    readonly prover: number,
    readonly amount: bigint,
  ) {}
  check = () => true;
  async run(m: PoolModel, r: PoolReal) {
    const signer = r.w.provers[this.prover];
    await expectOutcome(
      r,
      POOL_STAKE_CONSERVED,
      () => r.w.pool.connect(signer).stake(this.amount),
      OK,
      `stake(${this.amount})`,
    );
    const p = m.provers[this.prover];
    p.stake += this.amount;
    updateSlot(m, p);
    p.deposited += this.amount;
    credit(m, signer.address, -this.amount);
    await checkPool(m, r);
  }
  toString = () => `stake(prover ${this.prover}, ${this.amount})`;
}

class RequestUnstakeCmd implements PoolCommand {
  prover = -1;
  constructor(
    readonly pick: number,
    readonly percent: bigint,
  ) {}
  check = () => true;
  async run(m: PoolModel, r: PoolReal) {
    this.prover = choose(m, this.pick, (x) => x.stake > 0n);
    const p = m.provers[this.prover];
    const amount = (p.stake * this.percent) / 100n + (this.percent > 100n ? 1n : 0n);
    const expected = amount === 0n ? "ZeroAmount" : amount > p.stake ? "InsufficientStake" : OK;
    const receipt = await expectOutcome(
      r,
      UNBONDING_DELAY_ENFORCED,
      () => r.w.pool.connect(r.w.provers[this.prover]).requestUnstake(amount),
      expected,
      `requestUnstake(${amount})`,
    );
    hit(`requestUnstake: ${expected}`);
    if (receipt !== undefined) {
      p.stake -= amount;
      updateSlot(m, p);
      p.unbonding += amount;
      p.endsAt = (await blockTime(receipt)) + UNBONDING;
    }
    await checkPool(m, r);
  }
  toString = () => `requestUnstake(prover ${this.prover}, ${this.percent}% of stake)`;
}

class WithdrawCmd implements PoolCommand {
  prover = -1;
  /** `offset` seconds from the end of unbonding (or from now when nothing is unbonding). */
  constructor(
    readonly pick: number,
    readonly offset: bigint,
  ) {}
  check = () => true;
  async run(m: PoolModel, r: PoolReal) {
    this.prover = choose(m, this.pick, (x) => x.unbonding > 0n);
    const p = m.provers[this.prover];
    const now = BigInt(await time.latest()) + 1n;
    const wanted = (p.unbonding > 0n ? p.endsAt : now) + this.offset;
    const at = wanted > now ? wanted : now;
    await time.setNextBlockTimestamp(at);
    const expected = p.unbonding === 0n ? "NothingToWithdraw" : at < p.endsAt ? "UnbondingNotFinished" : OK;
    const signer = r.w.provers[this.prover];
    const receipt = await expectOutcome(
      r,
      UNBONDING_DELAY_ENFORCED,
      () => r.w.pool.connect(signer).withdraw(),
      expected,
      `withdraw at ${at} (unbonding ends ${p.endsAt})`,
    );
    hit(`withdraw: ${expected}`);
    if (receipt !== undefined) {
      const paid = receipt.logs
        .map((l) => r.w.pool.interface.parseLog(l))
        .find((e) => e?.name === "Withdrawn")?.args.amount as bigint | undefined;
      equal(r, UNBONDING_DELAY_ENFORCED, paid, p.unbonding, "Withdrawn amount");
      credit(m, signer.address, p.unbonding);
      p.withdrawn += p.unbonding;
      p.unbonding = 0n;
    }
    await checkPool(m, r);
  }
  toString = () => `withdraw(prover ${this.prover}, end ${this.offset >= 0n ? "+" : ""}${this.offset}s)`;
}

class WaitCmd implements PoolCommand {
  constructor(readonly seconds: number) {}
  check = () => true;
  async run(m: PoolModel, r: PoolReal) {
    await time.increase(this.seconds);
    await checkPool(m, r);
  }
  toString = () => `wait(${this.seconds}s)`;
}

class SlashCmd implements PoolCommand {
  prover = -1;
  /** An even `pick` prefers provers with unbonding stake, an odd one any prover with stake. */
  constructor(
    readonly pick: number,
    readonly amount: bigint,
    readonly toProver: number | undefined,
    readonly authorized: boolean,
  ) {}
  check = () => true;
  async run(m: PoolModel, r: PoolReal) {
    const { pool, slasher, stranger, treasury } = r.w;
    this.prover = choose(m, this.pick >> 1, (x) =>
      this.pick % 2 === 0 ? x.unbonding > 0n : x.stake + x.unbonding > 0n,
    );
    const p = m.provers[this.prover];
    const beneficiary =
      this.toProver === undefined ? r.w.beneficiary.address : r.w.provers[this.toProver].address;
    const target = r.w.provers[this.prover].address;
    const receipt = await expectOutcome(
      r,
      ONLY_SLASHER_SLASHES,
      () => pool.connect(this.authorized ? slasher : stranger).slash(target, this.amount, beneficiary),
      this.authorized ? OK : "NotSlasher",
      `slash by ${this.authorized ? "the slasher" : "a stranger"}`,
    );
    if (!this.authorized) hit("slash refused (not a slasher)");
    if (receipt !== undefined) {
      const fromStake = this.amount < p.stake ? this.amount : p.stake;
      const rest = this.amount - fromStake;
      const fromUnbonding = rest < p.unbonding ? rest : p.unbonding;
      const expected = fromStake + fromUnbonding;
      hit(fromUnbonding > 0n ? "slash reaching unbonding stake" : "slash from active stake only");
      const event = receipt.logs.map((l) => pool.interface.parseLog(l)).find((e) => e?.name === "Slashed");
      const slashed = event?.args.amount as bigint | undefined;
      equal(
        r,
        UNBONDING_STAYS_SLASHABLE,
        slashed,
        expected,
        `slashed (stake ${p.stake}, unbonding ${p.unbonding})`,
      );
      const after = await pool.proverOf(target);
      equal(
        r,
        UNBONDING_STAYS_SLASHABLE,
        after.unbonding,
        p.unbonding - fromUnbonding,
        "unbonding after the slash",
      );
      p.stake -= fromStake;
      updateSlot(m, p);
      p.unbonding -= fromUnbonding;
      p.slashed += expected;
      const toBeneficiary = (expected * BENEFICIARY_BPS) / 10_000n;
      credit(m, beneficiary, toBeneficiary);
      credit(m, treasury.address, expected - toBeneficiary);
    }
    await checkPool(m, r);
  }
  toString = () =>
    `slash(prover ${this.prover}, ${this.amount}, to ${this.toProver ?? "beneficiary"}${this.authorized ? "" : ", by a stranger"})`;
}

class PauseCmd implements PoolCommand {
  constructor(
    readonly prover: number,
    readonly pause: boolean,
  ) {}
  check = () => true;
  async run(m: PoolModel, r: PoolReal) {
    const p = m.provers[this.prover];
    const signer = r.w.pool.connect(r.w.provers[this.prover]);
    await expectOutcome(
      r,
      undefined,
      () => (this.pause ? signer.pause() : signer.unpause()),
      p.paused === this.pause ? "PauseUnchanged" : OK,
      this.pause ? "pause" : "unpause",
    );
    p.paused = this.pause;
    await checkPool(m, r);
  }
  toString = () => `${this.pause ? "pause" : "unpause"}(prover ${this.prover})`;
}

class SelectCmd implements PoolCommand {
  constructor(readonly seeds: bigint[]) {}
  check = () => true;
  async run(m: PoolModel, r: PoolReal) {
    await checkSelection(m, r, this.seeds);
  }
  toString = () => `selectProver(${this.seeds.join(", ")})`;
}

const proverArb = fc.integer({ min: 0, max: PROVERS - 1 });

function poolCommands(maxCommands: number) {
  const stake = fc
    .tuple(proverArb, fc.oneof(fc.bigInt({ min: 1n, max: 150n }), fc.bigInt({ min: 100n, max: 400n })))
    .map(([p, a]) => new StakeCmd(p, a));
  const unstake = fc
    .tuple(fc.nat(), fc.oneof(fc.bigInt({ min: 0n, max: 100n }), fc.constantFrom(50n, 100n, 101n)))
    .map(([p, pct]) => new RequestUnstakeCmd(p, pct));
  const slash = fc
    .tuple(
      fc.nat(),
      fc.oneof(fc.bigInt({ min: 0n, max: 50n }), fc.bigInt({ min: 0n, max: 1_000n })),
      fc.option(proverArb, { nil: undefined }),
      fc.boolean(),
    )
    .map(([p, a, b, auth]) => new SlashCmd(p, a, b, auth || a % 5n !== 0n));
  return fc.commands(
    [
      stake,
      stake,
      unstake,
      unstake,
      fc
        .tuple(
          fc.nat(),
          fc.oneof(fc.bigInt({ min: -3n, max: 3n }), fc.bigInt({ min: -UNBONDING, max: UNBONDING })),
        )
        .map(([p, o]) => new WithdrawCmd(p, o)),
      fc.integer({ min: 1, max: Number(UNBONDING) * 2 }).map((s) => new WaitCmd(s)),
      slash,
      slash,
      fc.tuple(proverArb, fc.boolean()).map(([p, s]) => new PauseCmd(p, s)),
      fc
        .array(fc.bigInt({ min: 0n, max: ethers.MaxUint256 }), { minLength: 1, maxLength: 3 })
        .map((s) => new SelectCmd(s)),
    ],
    { maxCommands, size: "max" },
  );
}

function poolProperty(variant: PoolVariant, enabled: ReadonlySet<Invariant>, maxCommands: number) {
  return fc.asyncProperty(poolCommands(maxCommands), async (cmds) => {
    const w = await poolFixture({ variant });
    const wallet = new Map<string, bigint>();
    for (const p of w.provers) wallet.set(p.address, INITIAL_BALANCE);
    for (const a of [w.treasury, w.beneficiary]) wallet.set(a.address, await w.token.balanceOf(a.address));
    const model: PoolModel = {
      provers: Array.from({ length: PROVERS }, () => ({
        stake: 0n,
        unbonding: 0n,
        endsAt: 0n,
        paused: false,
        slot: 0,
        deposited: 0n,
        withdrawn: 0n,
        slashed: 0n,
      })),
      slots: 0,
      free: [],
      wallet,
    };
    await fc.asyncModelRun(() => ({ model, real: { w, enabled } }), cmds);
  });
}

// ---------------------------------------------------------------------------------------------
// Suites
// ---------------------------------------------------------------------------------------------

const IDENTITY_RUN = stateful({ numRuns: 10, maxCommands: 20 });
const POOL_RUN = stateful({ numRuns: 30, maxCommands: 30 });
/** Mutant runs: a fixed seed, no shrinking, stop at the first counterexample. */
const MUTANT_SEED = 20_261_123;
const MUTANT_MAX_RUNS = 60;

/** Runs `property` against a mutant and returns the invariant its counterexample broke. */
async function caughtBy<Ts extends [unknown]>(
  property: fc.IAsyncProperty<Ts>,
): Promise<{ invariant: string; runs: number }> {
  const details = await fc.check(property, {
    seed: MUTANT_SEED,
    numRuns: MUTANT_MAX_RUNS,
    endOnFailure: true,
  });
  expect(details.failed, "fast-check found no counterexample against the mutant").to.equal(true);
  const error = details.errorInstance;
  expect(error, String(error)).to.be.instanceOf(InvariantViolation);
  if (process.env.INVARIANT_VERBOSE)
    console.log(`    caught after ${details.numRuns} run(s): ${String(error)}`);
  return { invariant: (error as InvariantViolation).invariant, runs: details.numRuns };
}

describe("Identity and staking invariants (stateful)", function () {
  this.timeout(SUITE_TIMEOUT_MS);

  beforeEach(() => coverage.clear());
  afterEach(function () {
    if (process.env.INVARIANT_VERBOSE && coverage.size > 0) {
      console.log("    paths exercised:", Object.fromEntries(coverage));
    }
  });

  describe("DeviceRegistry + ProjectRegistry", function () {
    it(`keeps ${IDENTITY_INVARIANTS.join(", ")} under any command sequence`, async function () {
      await fc.assert(identityProperty("real", new Set(IDENTITY_INVARIANTS), IDENTITY_RUN.maxCommands), {
        numRuns: IDENTITY_RUN.numRuns,
        seed: IDENTITY_RUN.seed,
      });
    });
  });

  describe("ProverPool", function () {
    it(`keeps ${STAKING_INVARIANTS.join(", ")} under any command sequence`, async function () {
      await fc.assert(poolProperty("real", new Set(STAKING_INVARIANTS), POOL_RUN.maxCommands), {
        numRuns: POOL_RUN.numRuns,
        seed: POOL_RUN.seed,
      });
    });
  });

  describe("mutants: each invariant alone finds its bug", function () {
    it(`${ONE_ACTIVE_IOID_PER_DEVICE} catches MutantDeviceRegistryRotationForks`, async function () {
      const { invariant } = await caughtBy(
        identityProperty("rotationForks", new Set([ONE_ACTIVE_IOID_PER_DEVICE]), 20),
      );
      expect(invariant).to.equal(ONE_ACTIVE_IOID_PER_DEVICE);
    });

    it(`${OP_CHAIN_MATCHES_EVENTS} catches MutantDeviceRegistrySkipRevocationOp`, async function () {
      const { invariant } = await caughtBy(
        identityProperty("skipRevocationOp", new Set([OP_CHAIN_MATCHES_EVENTS]), 20),
      );
      expect(invariant).to.equal(OP_CHAIN_MATCHES_EVENTS);
    });

    it(`${POOL_STAKE_CONSERVED} catches MutantProverPoolSlashKeepsUnbonding`, async function () {
      const { invariant } = await caughtBy(
        poolProperty("slashKeepsUnbonding", new Set([POOL_STAKE_CONSERVED]), 25),
      );
      expect(invariant).to.equal(POOL_STAKE_CONSERVED);
    });

    it(`${UNBONDING_STAYS_SLASHABLE} catches MutantProverPoolNoSlashUnbonding`, async function () {
      const { invariant } = await caughtBy(
        poolProperty("noSlashUnbonding", new Set([UNBONDING_STAYS_SLASHABLE]), 25),
      );
      expect(invariant).to.equal(UNBONDING_STAYS_SLASHABLE);
    });

    it(`${SELECTION_ONLY_ELIGIBLE} catches MutantProverPoolSelectsIneligible`, async function () {
      const { invariant } = await caughtBy(
        poolProperty("selectsIneligible", new Set([SELECTION_ONLY_ELIGIBLE]), 25),
      );
      expect(invariant).to.equal(SELECTION_ONLY_ELIGIBLE);
    });
  });
});
