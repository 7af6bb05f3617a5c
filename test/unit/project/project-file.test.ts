/**
 * The project file (src/project/file.ts): the starter file is valid; every bad field is
 * refused with a message naming it; the canonical hash ignores formatting and key order
 * and changes with any value; on-chain settings are compared field by field; and the
 * `project:init` / `project:validate` / `sequencer:start --project-file` tasks use it.
 */
import { expect } from "chai";
import fc from "fast-check";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { UserError } from "../../../src/errors";
import {
  ProjectFileError,
  canonicalJson,
  compareWithChain,
  parseProjectFile,
  projectFileHash,
  settingsOf,
  starterProjectFile,
  type ProjectFile,
} from "../../../src/project/file";
import { circuitId } from "../../../src/zk/circuits";
import { settlementFixture } from "../../helpers/settlement";
import { runTask } from "../../helpers/tasks";

const starter = () => starterProjectFile("Weather Mesh");

/** The starter file with `value` at `path` (undefined deletes the field). */
function withField(path: string, value: unknown): Record<string, unknown> {
  const file = JSON.parse(JSON.stringify(starter()));
  const keys = path.split(".");
  let at = file;
  for (const k of keys.slice(0, -1)) at = at[k];
  if (value === undefined) delete at[keys[keys.length - 1]];
  else at[keys[keys.length - 1]] = value;
  return file;
}

function problems(json: unknown): { path: string; message: string }[] {
  try {
    parseProjectFile(typeof json === "string" ? json : JSON.stringify(json), "p.json");
  } catch (err) {
    expect(err).to.be.instanceOf(ProjectFileError);
    expect(err).to.be.instanceOf(UserError);
    return (err as ProjectFileError).problems;
  }
  return expect.fail("accepted an invalid project file");
}

describe("project file (depin-kit/project@1)", function () {
  it("accepts the starter file and maps it to the registry's settings", function () {
    const file = starter();
    expect(parseProjectFile(JSON.stringify(file))).to.deep.equal(file);
    expect(settingsOf(file)).to.deep.equal({
      circuitId: circuitId("dev"),
      proofSystem: 0,
      minInterval: 60,
      maxUnits: 100n,
      proverFee: 10n ** 16n,
      rewardRate: 10n ** 15n,
    });
  });

  const BAD: [string, unknown, string][] = [
    ["schema", "depin-kit/project@2", 'expected "depin-kit/project@1"'],
    ["schema", undefined, 'expected "depin-kit/project@1"'],
    ["name", "   ", "a project needs a name"],
    ["name", 7, "Expected string"],
    ["circuit.config", "huge", "expected one of dev, tiny"],
    ["circuit.proofSystem", "snark", "expected one of groth16, plonk, fflonk"],
    ["circuit.proofSystem", "plonk", 'configuration "dev" has keys for groth16 only'],
    ["rewards.ratePerUnit", 1000, "as a decimal string"],
    ["rewards.ratePerUnit", "1e18", "decimal string of digits"],
    ["rewards.ratePerUnit", "-1", "decimal string of digits"],
    ["rewards.ratePerUnit", (2n ** 128n).toString(), "larger than the contract accepts"],
    ["rewards.token", "0x1234", "expected an address"],
    ["rewards.minIntervalSeconds", 1.5, "whole number of seconds"],
    ["rewards.minIntervalSeconds", 0, "at least 1 second"],
    ["rewards.minIntervalSeconds", "60", "whole number of seconds"],
    ["rewards.maxUnitsPerReading", "0", "at least 1 unit"],
    ["rewards.maxUnitsPerReading", (2n ** 64n).toString(), "larger than the contract accepts"],
    ["fees.proverFeePerBatch", "0x10", "decimal string of digits"],
    ["sequencer.url", "ftp://x.example", "http:// or https://"],
    ["sequencer.url", "not a url", "expected a URL"],
    ["sequencer.address", "0xZZ", "expected an address"],
    ["deviceModels", [], "at least one device model"],
    ["deviceModels", "ws-1", "expected a list of device models"],
  ];
  for (const [field, value, message] of BAD) {
    it(`refuses ${field} = ${JSON.stringify(value) ?? "(missing)"}, naming the field`, function () {
      const found = problems(withField(field, value));
      const hit = found.find((p) => p.path === field);
      expect(hit, JSON.stringify(found)).to.not.equal(undefined);
      expect(hit!.message).to.include(message);
    });
  }

  it("names fields inside device models, unknown fields, duplicates and non-JSON", function () {
    const bad = withField("deviceModels", [
      { id: "Bad Id", name: "x", unit: "Wh" },
      { id: "ok", name: "", unit: "Wh" },
    ]);
    const found = problems(bad);
    expect(found.map((p) => p.path)).to.include.members(["deviceModels[0].id", "deviceModels[1].name"]);
    expect(problems({ ...starter(), colour: "blue" })[0]).to.deep.equal({
      path: "(file)",
      message: "unknown field(s) colour",
    });
    const dup = withField("deviceModels", [
      { id: "a", name: "A", unit: "Wh" },
      { id: "a", name: "B", unit: "Wh" },
    ]);
    expect(problems(dup)[0].message).to.include("unique");
    expect(problems("{ not json")[0].message).to.include("not JSON");
    // The message lists every problem on its own line, with the file's name.
    expect(() => parseProjectFile(JSON.stringify(withField("fees.proverFeePerBatch", 1)), "p.json")).to.throw(
      /p\.json is not a valid project file:\n {2}fees\.proverFeePerBatch: /,
    );
  });

  it("canonical hash: same for any key order and whitespace, different for any changed value", function () {
    const file = starter();
    const shuffled = (v: unknown, rnd: () => number): unknown => {
      if (Array.isArray(v)) return v.map((x) => shuffled(x, rnd));
      if (v === null || typeof v !== "object") return v;
      const entries = Object.entries(v).sort(() => rnd() - 0.5);
      return Object.fromEntries(entries.map(([k, x]) => [k, shuffled(x, rnd)]));
    };
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 8 }), (seed, indent) => {
        let s = seed;
        const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
        const text = JSON.stringify(shuffled(file, rnd), null, indent);
        expect(projectFileHash(parseProjectFile(text))).to.equal(projectFileHash(file));
      }),
      { numRuns: 50 },
    );
    const changed: ProjectFile = { ...file, rewards: { ...file.rewards, ratePerUnit: "1000000000000001" } };
    expect(projectFileHash(changed)).to.not.equal(projectFileHash(file));
    expect(canonicalJson({ b: [2, { d: 1, c: null }], a: "x" })).to.equal(
      '{"a":"x","b":[2,{"c":null,"d":1}]}',
    );
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(canonicalJson(v))).to.deep.equal(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 200 },
    );
  });

  it("compares a file with a project's on-chain record field by field", function () {
    const file = starter();
    const chain = { configHash: projectFileHash(file), settings: settingsOf(file) };
    expect(compareWithChain(file, chain)).to.deep.equal([]);
    const off = compareWithChain(file, {
      configHash: "0x" + "00".repeat(32),
      settings: { ...settingsOf(file), rewardRate: 1n, proofSystem: 2 },
    });
    expect(off.map((m) => m.field)).to.deep.equal([
      "configHash",
      "circuit.proofSystem (setting proofSystem)",
      "rewards.ratePerUnit (setting rewardRate)",
    ]);
  });

  describe("tasks", function () {
    this.timeout(120_000);

    it("project:init writes a valid file; project:validate checks it and, with --project, the chain", async function () {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), "depin-project-"));
      const out = path.join(dir, "project.json");
      const init = await runTask<{ hash: string }>("project:init", { out, name: "Mesh", force: false });
      await expect(runTask("project:init", { out, name: "Mesh", force: false })).to.be.rejectedWith(
        UserError,
        "exists (pass --force",
      );
      const valid = await runTask<{ hash: string }>("project:validate", { file: out });
      expect(valid.hash).to.equal(init.hash);

      const f = await settlementFixture();
      const file = parseProjectFile(await fs.readFile(out, "utf8"));
      // The fixture's project has other settings and no config yet: every difference is named.
      const refused = await runTask("project:validate", { file: out, project: f.projectId.toString() }).then(
        () => expect.fail("validated a project whose record differs"),
        (e: Error) => e,
      );
      expect(refused).to.be.instanceOf(UserError);
      expect(refused.message).to.include(`project ${f.projectId} does not match`).and.include("configHash");
      await f.projectRegistry.connect(f.projectOwner).setConfig(f.projectId, "ipfs://project", init.hash);
      await f.projectRegistry.connect(f.projectOwner).setSettings(f.projectId, settingsOf(file));
      const ok = await runTask<{ mismatches: unknown[] }>("project:validate", {
        file: out,
        project: f.projectId.toString(),
      });
      expect(ok.mismatches).to.deep.equal([]);

      // The sequencer refuses to start for a project whose record does not match its file.
      await f.projectRegistry.connect(f.projectOwner).setSequencer(f.projectId, f.deployer.address);
      await f.projectRegistry
        .connect(f.projectOwner)
        .setSettings(f.projectId, { ...settingsOf(file), rewardRate: 7n });
      await expect(
        runTask("sequencer:start", {
          project: f.projectId.toString(),
          host: "127.0.0.1",
          port: 0,
          db: ":memory:",
          circuit: "dev",
          maxAgeMs: 1,
          skew: 300,
          durationMs: 1,
          projectFile: out,
        }),
      ).to.be.rejectedWith(UserError, "rewards.ratePerUnit (setting rewardRate): chain 7");

      await fs.writeFile(out, JSON.stringify(withField("circuit.proofSystem", "plonk")));
      await expect(runTask("project:validate", { file: out })).to.be.rejectedWith(
        UserError,
        "circuit.proofSystem: configuration",
      );
      await expect(runTask("project:validate", { file: path.join(dir, "missing.json") })).to.be.rejectedWith(
        UserError,
        "cannot read project file",
      );
    });
  });
});
