/**
 * The project file: what ProjectRegistry's config URI points to (schema
 * `depin-kit/project@1`). JSON, validated with zod; amounts are decimal strings (wei or
 * token base units), so nothing loses precision. The on-chain `configHash` is the file's
 * canonical hash: keccak-256 of its canonical JSON (object keys sorted, no whitespace,
 * UTF-8), so reformatting the file does not change it while any edit of a value does.
 *
 * The file states what the project runs (circuit, proof system), its reward rule (rate per
 * unit, reading spacing, units cap, prover fee: the same numbers as the on-chain settings,
 * which `project:validate --project` compares), where its sequencer listens, and the device
 * models it admits.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import { z } from "zod";

import { UserError } from "../errors";
import {
  CIRCUIT_CONFIGS,
  PROOF_SYSTEMS,
  circuitId,
  type CircuitName,
  type ProofSystem,
} from "../zk/circuits";

export const PROJECT_FILE_SCHEMA = "depin-kit/project@1";

const UINT64_MAX = 2n ** 64n - 1n;
const UINT128_MAX = 2n ** 128n - 1n;

/** zod 3: the same message whether the field is missing or of the wrong type. */
const typeErrors = (message: string) => ({ required_error: message, invalid_type_error: message });
const oneOf = (message: string) => ({ errorMap: () => ({ message }) });

const decimal = (max: bigint, what: string) =>
  z
    .string(typeErrors(`expected ${what} as a decimal string (e.g. "1000")`))
    .regex(/^(0|[1-9][0-9]*)$/, `expected ${what} as a decimal string of digits (e.g. "1000")`)
    .refine(
      (s) => !/^[0-9]+$/.test(s) || BigInt(s) <= max,
      `${what} is larger than the contract accepts (≤ ${max})`,
    );

const address = z
  .string(typeErrors("expected an address (0x followed by 40 hex digits)"))
  .regex(/^0x[0-9a-fA-F]{40}$/, "expected an address (0x followed by 40 hex digits)");

const circuitNames = Object.keys(CIRCUIT_CONFIGS) as [CircuitName, ...CircuitName[]];

export const projectFileSchema = z
  .object({
    schema: z.literal(
      PROJECT_FILE_SCHEMA,
      oneOf(`expected "${PROJECT_FILE_SCHEMA}" (this kit reads version 1 project files)`),
    ),
    name: z.string().trim().min(1, "a project needs a name").max(64, "at most 64 characters"),
    description: z.string().max(2000, "at most 2,000 characters").optional(),
    circuit: z
      .object({
        config: z.enum(circuitNames, oneOf(`expected one of ${circuitNames.join(", ")}`)),
        proofSystem: z.enum(
          PROOF_SYSTEMS as [ProofSystem, ...ProofSystem[]],
          oneOf(`expected one of ${PROOF_SYSTEMS.join(", ")}`),
        ),
      })
      .strict()
      .refine(
        (c) => (CIRCUIT_CONFIGS[c.config].systems as readonly string[]).includes(c.proofSystem),
        (c) => ({
          message: `configuration "${c.config}" has keys for ${CIRCUIT_CONFIGS[c.config].systems.join(", ") || "no proof system"} only`,
          path: ["proofSystem"],
        }),
      ),
    rewards: z
      .object({
        ratePerUnit: decimal(UINT128_MAX, "the reward per unit"),
        token: address.optional(),
        minIntervalSeconds: z
          .number(typeErrors("expected a whole number of seconds"))
          .int("expected a whole number of seconds")
          .min(1, "at least 1 second")
          .max(2 ** 32 - 1, "at most 2^32 - 1 seconds"),
        maxUnitsPerReading: decimal(UINT64_MAX, "the units cap per reading").refine(
          (s) => !/^[0-9]+$/.test(s) || BigInt(s) > 0n,
          "a reading must be allowed at least 1 unit",
        ),
      })
      .strict(),
    fees: z.object({ proverFeePerBatch: decimal(UINT128_MAX, "the prover fee per batch") }).strict(),
    sequencer: z
      .object({
        url: z
          .string(typeErrors("expected the sequencer's URL"))
          .url("expected a URL (http:// or https://)")
          .refine((u) => /^https?:\/\//.test(u), "expected an http:// or https:// URL"),
        address: address.optional(),
      })
      .strict(),
    deviceModels: z
      .array(
        z
          .object({
            id: z
              .string(typeErrors("expected a model id"))
              .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "lower-case letters, digits and dashes, at most 64"),
            name: z.string().trim().min(1, "a model needs a name").max(128),
            manufacturer: z.string().max(128).optional(),
            unit: z.string().trim().min(1, 'say what a unit measures (e.g. "Wh")').max(32),
          })
          .strict(),
        typeErrors("expected a list of device models"),
      )
      .min(1, "list at least one device model")
      .max(256, "at most 256 device models")
      .refine((ms) => new Set(ms.map((m) => m.id)).size === ms.length, "device model ids must be unique"),
  })
  .strict();

export type ProjectFile = z.infer<typeof projectFileSchema>;

/** A validation failure: one line per problem, each naming the field (`rewards.ratePerUnit`). */
export class ProjectFileError extends UserError {
  constructor(
    readonly source: string,
    readonly problems: { path: string; message: string }[],
  ) {
    super(
      `${source} is not a valid project file:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`,
    );
    this.name = "ProjectFileError";
  }
}

const fieldPath = (path: PropertyKey[]) =>
  path.length === 0
    ? "(file)"
    : path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i > 0 ? "." : ""}${String(p)}`)).join("");

/** Parses and validates a project file's text; throws ProjectFileError naming every bad field. */
export function parseProjectFile(text: string, source = "the project file"): ProjectFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ProjectFileError(source, [{ path: "(file)", message: `not JSON: ${(err as Error).message}` }]);
  }
  const parsed = projectFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ProjectFileError(
      source,
      parsed.error.issues.map((i) => ({
        path: fieldPath(i.path),
        message: i.code === "unrecognized_keys" ? `unknown field(s) ${i.keys.join(", ")}` : i.message,
      })),
    );
  }
  return parsed.data;
}

/** Canonical JSON: object keys sorted by code point, no whitespace; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error("not representable in JSON");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** The on-chain config hash of a project file: keccak-256 of its canonical JSON. */
export function projectFileHash(file: ProjectFile): string {
  return keccak256(toUtf8Bytes(canonicalJson(file)));
}

/** The ProjectRegistry settings a project file asks for (what `setSettings` takes). */
export function settingsOf(file: ProjectFile) {
  return {
    circuitId: circuitId(file.circuit.config),
    proofSystem: PROOF_SYSTEMS.indexOf(file.circuit.proofSystem),
    minInterval: file.rewards.minIntervalSeconds,
    maxUnits: BigInt(file.rewards.maxUnitsPerReading),
    proverFee: BigInt(file.fees.proverFeePerBatch),
    rewardRate: BigInt(file.rewards.ratePerUnit),
  };
}

/** A valid starter file to edit (`project:init`). */
export function starterProjectFile(name: string, sequencerUrl = "http://127.0.0.1:7070"): ProjectFile {
  return projectFileSchema.parse({
    schema: PROJECT_FILE_SCHEMA,
    name,
    description: "Weather stations reporting signed readings; rewarded per proven unit.",
    circuit: { config: "dev", proofSystem: "groth16" },
    rewards: { ratePerUnit: "1000000000000000", minIntervalSeconds: 60, maxUnitsPerReading: "100" },
    fees: { proverFeePerBatch: "10000000000000000" },
    sequencer: { url: sequencerUrl },
    deviceModels: [{ id: "ws-1", name: "Weather station", manufacturer: "Example Devices", unit: "reading" }],
  });
}

/** Reads and validates a project file from disk. */
export async function readProjectFile(file: string): Promise<ProjectFile> {
  const { promises: fs } = await import("node:fs");
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    throw new UserError(`cannot read project file ${file}: ${(err as NodeJS.ErrnoException).code}`);
  }
  return parseProjectFile(text, file);
}

export interface OnChainProject {
  configHash: string;
  settings: {
    circuitId: string;
    proofSystem: bigint | number;
    minInterval: bigint | number;
    maxUnits: bigint;
    proverFee: bigint;
    rewardRate: bigint;
  };
}

/**
 * Where a project's on-chain record disagrees with a project file: its config hash and
 * each setting the file states. Empty when they agree.
 */
export function compareWithChain(
  file: ProjectFile,
  chain: OnChainProject,
): { field: string; chain: string; file: string }[] {
  const out: { field: string; chain: string; file: string }[] = [];
  const hash = projectFileHash(file);
  if (chain.configHash.toLowerCase() !== hash)
    out.push({ field: "configHash", chain: chain.configHash, file: hash });
  const want = settingsOf(file);
  const pairs: [string, string, unknown, unknown][] = [
    ["circuit.config", "circuitId", chain.settings.circuitId.toLowerCase(), want.circuitId.toLowerCase()],
    ["circuit.proofSystem", "proofSystem", BigInt(chain.settings.proofSystem), BigInt(want.proofSystem)],
    [
      "rewards.minIntervalSeconds",
      "minInterval",
      BigInt(chain.settings.minInterval),
      BigInt(want.minInterval),
    ],
    ["rewards.maxUnitsPerReading", "maxUnits", chain.settings.maxUnits, want.maxUnits],
    ["fees.proverFeePerBatch", "proverFee", chain.settings.proverFee, want.proverFee],
    ["rewards.ratePerUnit", "rewardRate", chain.settings.rewardRate, want.rewardRate],
  ];
  for (const [field, setting, c, f] of pairs)
    if (c !== f) out.push({ field: `${field} (setting ${setting})`, chain: String(c), file: String(f) });
  return out;
}
