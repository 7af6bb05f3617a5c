import { task, types } from "hardhat/config";

import { kitAction, parseIntegerArg } from "./lib/action";

/** Resolves on SIGINT/SIGTERM, or after `ms` when given (scripted and test runs). */
function untilStopped(ms?: number): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (ms !== undefined && ms > 0) setTimeout(stop, ms);
  });
}

task("sequencer:start", "Runs the sequencer service for projects whose sequencer is the signer")
  .addParam("project", "Project id (comma-separated for several)")
  .addOptionalParam("host", "Listen address", "127.0.0.1")
  .addOptionalParam("port", "Listen port (0: any free port)", 7070, types.int)
  .addOptionalParam("db", "SQLite database file", "sequencer.db")
  .addOptionalParam("publicUrl", "URL clients and provers reach this service at (batch data URIs)")
  .addOptionalParam("circuit", "Circuit configuration whose R, D, K size the batches", "dev")
  .addOptionalParam("maxAgeMs", "Cut a batch when its oldest reading waited this long", 10_000, types.int)
  .addOptionalParam("skew", "Accepted clock skew of readings, seconds", 300, types.int)
  .addOptionalParam(
    "maxPerRequest",
    "Most messages one request may carry, 413 beyond (default: the service's; at most its admission bound)",
    undefined,
    types.int,
  )
  .addOptionalParam("durationMs", "Stop after this long (0: run until interrupted)", 0, types.int)
  .addOptionalParam(
    "projectFile",
    "The project file: validated and checked against each project's config hash and settings before starting",
  )
  .setAction(
    kitAction("sequencer:start", async (args, hre) => {
      const { settlementFromHardhat } = await import("../src/chain/hardhat");
      const { DEFAULT_CONFIG, startSequencer } = await import("../src/sequencer");
      const { CIRCUIT_CONFIGS } = await import("../src/zk/circuits");
      const { UserError } = await import("../src/errors");
      const shape = CIRCUIT_CONFIGS[args.circuit as keyof typeof CIRCUIT_CONFIGS];
      if (!shape) throw new UserError(`--circuit: unknown configuration "${args.circuit}"`);
      const { maxPending } = DEFAULT_CONFIG.ingest;
      if (args.maxPerRequest !== undefined && !(args.maxPerRequest >= 1 && args.maxPerRequest <= maxPending))
        throw new UserError(
          `--max-per-request: from 1 to the admission bound ${maxPending}, not ${args.maxPerRequest}`,
        );
      const { kit, settlement, signer } = await settlementFromHardhat(hre);
      const projectIds = await Promise.all(
        String(args.project)
          .split(",")
          .map((p) => parseIntegerArg("project", p.trim())),
      );
      const me = await signer.getAddress();
      for (const id of projectIds) {
        if ((await kit.projectRegistry.sequencerOf(id)) !== me)
          throw new UserError(`the signer ${me} is not project ${id}'s sequencer (project:set-sequencer)`);
      }
      if (args.projectFile !== undefined) {
        const { compareWithChain, readProjectFile } = await import("../src/project/file");
        const file = await readProjectFile(args.projectFile);
        for (const id of projectIds) {
          const mismatches = compareWithChain(file, await kit.projectRegistry.project(id));
          if (mismatches.length > 0)
            throw new UserError(
              `project ${id} does not match ${args.projectFile}:\n` +
                mismatches.map((m) => `  ${m.field}: chain ${m.chain}, file ${m.file}`).join("\n"),
            );
        }
      }
      const seq = await startSequencer(
        {
          ...DEFAULT_CONFIG,
          host: args.host,
          port: args.port,
          dbPath: args.db,
          publicUrl: args.publicUrl,
          projectIds,
          shape: { R: shape.R, D: shape.D, K: shape.K },
          maxBatchAgeMs: args.maxAgeMs,
          ingest: {
            ...DEFAULT_CONFIG.ingest,
            skewSeconds: args.skew,
            ...(args.maxPerRequest !== undefined && { maxPerRequest: args.maxPerRequest }),
          },
          fromBlock: kit.fromBlock,
        },
        {
          deviceRegistry: kit.deviceRegistry,
          projectRegistry: kit.projectRegistry,
          manager: settlement.manager,
        },
      );
      console.log(`sequencer at ${seq.url} for project(s) ${projectIds.join(", ")}`);
      await untilStopped(args.durationMs);
      const counts = seq.store.counts();
      await seq.close();
      return { url: seq.url, ...counts };
    }),
  );

task("prover:start", "Runs a prover worker for the signer: proves and settles the batches assigned to it")
  .addOptionalParam("circuit", "Circuit configuration of the project", "dev")
  .addOptionalParam("system", "Proof system", "groth16")
  .addOptionalParam("rapidsnark", "Path of a rapidsnark prover binary (Groth16)")
  .addOptionalParam("pollMs", "Polling interval", 2_000, types.int)
  .addOptionalParam("account", "Which of the network's accounts proves (local nodes)", 0, types.int)
  .addOptionalParam("durationMs", "Stop after this long (0: run until interrupted)", 0, types.int)
  .setAction(
    kitAction("prover:start", async (args, hre) => {
      const { settlementFromHardhat } = await import("../src/chain/hardhat");
      const { ProverWorker } = await import("../src/prover/worker");
      const { CIRCUIT_CONFIGS } = await import("../src/zk/circuits");
      const { wasmPath, zkeyPath } = await import("../src/zk/build");
      const { UserError } = await import("../src/errors");
      const { existsSync } = await import("node:fs");
      const pino = (await import("pino")).default;
      const shape = CIRCUIT_CONFIGS[args.circuit as keyof typeof CIRCUIT_CONFIGS];
      if (!shape) throw new UserError(`--circuit: unknown configuration "${args.circuit}"`);
      const key = { wasm: wasmPath(args.circuit, args.system), zkey: zkeyPath(args.circuit, args.system) };
      for (const f of [key.wasm, key.zkey])
        if (!existsSync(f)) throw new UserError(`${f} is missing: run \`npm run circuits:build\` first`);
      const { kit, settlement } = await settlementFromHardhat(hre);
      const signer = (await hre.ethers.getSigners())[args.account];
      if (!signer) throw new UserError(`--account ${args.account}: the network has no such account`);
      const log = pino({ level: process.env.LOG_LEVEL ?? "info" });
      const worker = new ProverWorker({
        manager: settlement.manager.connect(signer),
        deviceRegistry: kit.deviceRegistry,
        shape,
        system: args.system,
        key,
        rapidsnark: args.rapidsnark,
        fromBlock: kit.fromBlock,
        log,
      });
      log.info({ prover: await signer.getAddress() }, "prover worker started");
      let running = true;
      const loop = (async () => {
        while (running) {
          await worker.tick().catch((err) => log.error({ err }, "prover round failed"));
          await new Promise((r) => setTimeout(r, args.pollMs));
        }
      })();
      await untilStopped(args.durationMs);
      running = false;
      await loop;
      return { settled: worker.settled.length };
    }),
  );

task("devices:simulate", "Simulates devices streaming signed readings to a sequencer, with injected faults")
  .addParam("project", "Project id")
  .addParam("url", "Sequencer URL")
  .addOptionalParam("count", "Devices to generate and register (owned by the signer)", 4, types.int)
  .addOptionalParam("identities", "A directory of identity files (registered devices) instead of --count")
  .addOptionalParam("rate", "Readings per device per second", 0.2, types.float)
  .addOptionalParam("seconds", "How long to run", 30, types.int)
  .addOptionalParam(
    "faults",
    "Fault probabilities, e.g. badSignature=0.05,replay=0.05,skew=0.02,unregistered=0.02,burst=0.02",
    "",
  )
  .addOptionalParam("seed", "Seed of every random choice (0 to 2^32 − 1; default: drawn and printed)")
  .setAction(
    kitAction("devices:simulate", async (args, hre) => {
      const { kitFromHardhat } = await import("../src/chain/hardhat");
      const { DeviceClient, FAULTS, drawSeed, generateIdentity, loadIdentity, parseSeed, simulateDevices } =
        await import("../src/device");
      const { UserError } = await import("../src/errors");
      const { readdirSync } = await import("node:fs");
      const path = await import("node:path");
      const { kit, signer } = await kitFromHardhat(hre);
      const projectId = await parseIntegerArg("project", args.project);
      const seed = args.seed === undefined ? drawSeed() : parseSeed(String(args.seed), "--seed");
      const faults: Record<string, number> = {};
      for (const part of String(args.faults).split(",").filter(Boolean)) {
        const [name, p] = part.split("=");
        if (!(FAULTS as readonly string[]).includes(name) || !(Number(p) >= 0))
          throw new UserError(`--faults: bad entry "${part}"`);
        faults[name] = Number(p);
      }
      const devices = [];
      if (args.identities) {
        for (const file of readdirSync(args.identities).filter((f) => f.endsWith(".json"))) {
          const identity = await loadIdentity(path.join(args.identities, file));
          devices.push({ identity, deviceId: BigInt(identity.wallet.address) });
        }
      } else {
        const latest = await signer.provider!.getBlock("latest");
        for (let i = 0; i < args.count; i++) {
          const identity = generateIdentity();
          const client = new DeviceClient(identity, kit.deviceRegistry.connect(signer));
          await client.register({
            owner: await signer.getAddress(),
            projectId,
            deadline: BigInt(latest!.timestamp) + 3600n,
          });
          devices.push({ identity, deviceId: client.deviceId });
        }
      }
      if (devices.length === 0) throw new UserError("no devices to simulate");
      const settings = await kit.projectRegistry.settingsOf(projectId);
      const { createProgress } = await import("../src/progress");
      const progress = createProgress(`simulating ${devices.length} devices`, args.seconds);
      const started = Date.now();
      let shown = 0;
      const stats = await simulateDevices({
        url: args.url,
        devices,
        domain: await (
          await import("../src/chain/hardhat")
        )
          .settlementFromHardhat(hre)
          .then((s) => s.settlement.manager.domainOf(projectId)),
        minInterval: Number(settings.minInterval),
        rate: args.rate,
        jitter: 0.3,
        durationMs: args.seconds * 1000,
        maxUnits: Number(settings.maxUnits),
        faults,
        seed,
        onProgress: (s) => {
          for (; shown < Math.min(args.seconds, Math.floor((Date.now() - started) / 1000)); shown++)
            progress.step(`${s.accepted} accepted`);
        },
      });
      progress.done(`${stats.accepted} accepted`);
      console.log(
        `sent ${stats.sent}, accepted ${stats.accepted}, duplicates ${stats.duplicates}, rejected ${JSON.stringify(stats.rejected)}, unexpected ${stats.unexpected.length}, seed ${stats.seed} (--seed ${stats.seed} replays the choices)`,
      );
      return stats;
    }),
  );
