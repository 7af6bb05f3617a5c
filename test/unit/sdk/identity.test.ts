import { expect } from "chai";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import {
  IdentityFileError,
  generateIdentity,
  identityToJson,
  loadIdentity,
  saveIdentity,
} from "../../../src/device";

async function tempFile(name = "device.json"): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "depin-identity-"));
  return path.join(dir, name);
}

describe("device identity file", function () {
  it("round-trips through save and load with mode 0600", async function () {
    const file = await tempFile();
    const identity = generateIdentity();
    await saveIdentity(file, identity);
    const loaded = await loadIdentity(file);
    expect(loaded.wallet.address).to.equal(identity.wallet.address);
    expect(loaded.babyJub.ax).to.equal(identity.babyJub.ax);
    expect(loaded.babyJub.ay).to.equal(identity.babyJub.ay);
    expect((await fs.stat(file)).mode & 0o777).to.equal(0o600);
  });

  it("refuses to overwrite a device's keys unless asked", async function () {
    const file = await tempFile();
    await saveIdentity(file, generateIdentity());
    await expect(saveIdentity(file, generateIdentity())).to.be.rejectedWith(
      IdentityFileError,
      "refusing to overwrite",
    );
    await saveIdentity(file, generateIdentity(), { overwrite: true });
  });

  it("rejects a missing file, non-JSON and a wrong format", async function () {
    const file = await tempFile();
    await expect(loadIdentity(file)).to.be.rejectedWith(IdentityFileError, "no identity file");
    await fs.writeFile(file, "{");
    await expect(loadIdentity(file)).to.be.rejectedWith(IdentityFileError, "not JSON");
    await fs.writeFile(file, JSON.stringify({ ...identityToJson(generateIdentity()), format: "other" }));
    await expect(loadIdentity(file)).to.be.rejectedWith(IdentityFileError, "format");
  });

  it("rejects a file whose public values disagree with its private keys", async function () {
    const file = await tempFile();
    const json = identityToJson(generateIdentity());
    await fs.writeFile(file, JSON.stringify({ ...json, babyjub: { ...json.babyjub, ax: "1" } }));
    await expect(loadIdentity(file)).to.be.rejectedWith(
      IdentityFileError,
      "BabyJubJub public key does not match",
    );
    await fs.writeFile(
      file,
      JSON.stringify({ ...json, address: identityToJson(generateIdentity()).address }),
    );
    await expect(loadIdentity(file)).to.be.rejectedWith(IdentityFileError, "address does not match");
  });
});
