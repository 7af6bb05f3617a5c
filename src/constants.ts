/** Defaults shared by deploy scripts, tasks, services and tests. */

/** Depth of every project's state tree: a project holds 2**depth devices (DESIGN.md §3). */
export const DEFAULT_STATE_DEPTH = 20;

/** How long a signed registry request stays valid when a task signs it, in seconds. */
export const DEFAULT_SIGNATURE_TTL_SECONDS = 3600;

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
export const ZERO_HASH = "0x0000000000000000000000000000000000000000000000000000000000000000";

/** The canonical ERC-6551 registry (v0.3), at the same address on every chain that has it. */
export const CANONICAL_ERC6551_REGISTRY = "0x000000006551c19487814612e58FE06813775758";
