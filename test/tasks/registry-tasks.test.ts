/**
 * The project and device tasks, run in-process against the hardhat network from keygen to
 * show, and from the command line for the one-line errors.
 */
import { expect } from "chai";
import hre from "hardhat";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

import { registriesFixture } from "../helpers/fixtures";
import { loadIdentity } from "../../src/device/identity";
import { UserError } from "../../src/errors";
import { runTask } from "../helpers/tasks";

const run = promisify(execFile);
const CLI_TIMEOUT_MS = 60_000;

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), "depin-tasks-"));
}

/** Runs the Hardhat CLI; resolves with its exit code and output. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run("npx", ["hardhat", ...args], {
      env: { ...process.env, ...env },
      timeout: CLI_TIMEOUT_MS,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** stderr without npm's own configuration warnings. */
function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("npm warn"));
}

describe("tasks: project and device", function () {
  it("runs keygen → project:register → device:register → rotate → show → revoke", async function () {
    const { projectRegistry, deviceRegistry, deployer } = await registriesFixture();
    const dir = await tempDir();
    const file = path.join(dir, "device.json");
    const configFile = path.join(dir, "project.json");
    const init = await runTask<{ hash: string }>("project:init", { out: configFile, force: false });

    const key = await runTask<{ address: string; did: string }>("device:keygen", { out: file, force: false });
    expect(key.did).to.equal(`did:io:${key.address.toLowerCase()}`);

    const project = await runTask<{ projectId: bigint }>("project:register", {
      name: "Weather Mesh",
      configUri: "ipfs://config",
      configFile,
    });
    expect(await projectRegistry.ownerOf(project.projectId)).to.equal(deployer.address);
    // The canonical hash: keccak-256 of the file's canonical JSON, not of its bytes.
    expect((await projectRegistry.project(project.projectId)).configHash).to.equal(init.hash);
    expect(init.hash).to.not.equal(hre.ethers.keccak256(await fs.readFile(configFile)));

    await runTask("project:set-config", {
      project: project.projectId.toString(),
      configUri: "ipfs://config-v2",
      configHash: "0x" + "12".repeat(32),
    });
    await runTask("project:set-sequencer", {
      project: project.projectId.toString(),
      sequencer: deployer.address,
    });
    const shown = await runTask<{ configURI: string; sequencer: string }>("project:show", {
      project: project.projectId.toString(),
    });
    expect(shown.configURI).to.equal("ipfs://config-v2");
    expect(shown.sequencer).to.equal(deployer.address);

    const registered = await runTask<{ deviceId: bigint; index: bigint }>("device:register", {
      identity: file,
      project: project.projectId.toString(),
      didUri: "ipfs://did",
      ttl: 600,
    });
    expect(registered.deviceId).to.equal(BigInt(key.address));
    expect(await deviceRegistry.ownerOf(registered.deviceId)).to.equal(deployer.address);

    const before = await loadIdentity(file);
    const rotated = await runTask<{ ax: bigint }>("device:rotate", { identity: file, ttl: 600 });
    const after = await loadIdentity(file);
    expect(after.babyJub.ax).to.equal(rotated.ax).and.not.equal(before.babyJub.ax);
    expect(after.wallet.address).to.equal(before.wallet.address);

    const d = await runTask<{ status: string; nonce: bigint; keyHash: bigint; didURI: string }>(
      "device:show",
      {
        identity: file,
      },
    );
    expect(d.status).to.equal("active");
    expect(d.nonce).to.equal(2n);
    expect(d.didURI).to.equal("ipfs://did");
    const { keyHash } = await import("../../src/crypto/registry");
    expect(d.keyHash).to.equal(keyHash(registered.deviceId, after.babyJub.ax, after.babyJub.ay));

    await runTask("device:revoke", { device: key.did });
    const revoked = await runTask<{ status: string; keyHash: bigint }>("device:show", {
      device: key.address,
    });
    expect(revoked.status).to.equal("revoked");
    expect(revoked.keyHash).to.equal(0n);
  });

  it("reports bad input in-process as a UserError", async function () {
    await registriesFixture();
    const dir = await tempDir();
    await expect(
      runTask("device:register", { identity: path.join(dir, "none.json"), project: "1", ttl: 60 }),
    ).to.be.rejectedWith(UserError, "no identity file");
    const file = path.join(dir, "d.json");
    await runTask("device:keygen", { out: file, force: false });
    await expect(runTask("device:keygen", { out: file, force: false })).to.be.rejectedWith(
      UserError,
      "refusing to overwrite",
    );
    await expect(runTask("device:register", { identity: file, project: "99", ttl: 60 })).to.be.rejectedWith(
      UserError,
      "project 99 does not exist",
    );
    await expect(
      runTask("device:register", { identity: file, project: "1", deadline: "5", ttl: 60 }),
    ).to.be.rejectedWith(UserError, "deadline 5 has passed");
    await expect(runTask("device:show", { device: "nonsense" })).to.be.rejectedWith(UserError, "--device");
    await expect(runTask("device:revoke", { identity: file })).to.be.rejectedWith(
      UserError,
      "is not registered",
    );
  });

  describe("from the command line: one line and a non-zero exit", function () {
    this.timeout(4 * CLI_TIMEOUT_MS);
    let file: string;

    before(async function () {
      file = path.join(await tempDir(), "device.json");
      const made = await cli(["device:keygen", "--out", file]);
      expect(made.code).to.equal(0);
    });

    const cases: [string, () => string[], NodeJS.ProcessEnv, RegExp][] = [
      [
        "a missing identity file",
        () => ["device:register", "--identity", file + ".missing", "--project", "1"],
        {},
        /^error: no identity file at /,
      ],
      [
        "an unknown project",
        () => ["device:register", "--identity", file, "--project", "7"],
        {},
        /^error: project 7 does not exist/,
      ],
      [
        "an expired deadline",
        () => ["device:register", "--identity", file, "--project", "1", "--deadline", "5"],
        {},
        /^error: deadline 5 has passed \(chain time is \d+\)$/,
      ],
      [
        "a live network without a key",
        () => ["device:register", "--identity", file, "--project", "1", "--network", "iotexTestnet"],
        { DEPLOYER_PRIVATE_KEY: "" },
        /^error: no signing key for this network/,
      ],
      [
        "a network with no node",
        () => ["device:show", "--identity", file, "--network", "localhost"],
        {},
        /^error: Cannot connect to the network localhost/,
      ],
    ];
    for (const [name, args, env, pattern] of cases) {
      it(`rejects ${name}`, async function () {
        const result = await cli(args(), env);
        expect(result.code).to.equal(1);
        const lines = errorLines(result.stderr);
        expect(lines, result.stderr).to.have.length(1);
        expect(lines[0]).to.match(pattern);
      });
    }
  });
});
