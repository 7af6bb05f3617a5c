/**
 * Property: for any sequence of register, rotate and revoke, the op chain the contract
 * stores (every checkpoint) equals the one the TypeScript library computes.
 */
import { expect } from "chai";
import fc from "fast-check";

import { deadlineIn, deviceClient, projectFixture } from "../../helpers/fixtures";
import { OpChain, generateBabyJubKey, keyHash } from "../../../src/crypto";
import type { DeviceClient } from "../../../src/device";

type Step = { kind: "register" } | { kind: "rotate"; pick: number } | { kind: "revoke"; pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Step>({ kind: "register" }) },
  { weight: 2, arbitrary: fc.nat().map<Step>((pick) => ({ kind: "rotate", pick })) },
  { weight: 1, arbitrary: fc.nat().map<Step>((pick) => ({ kind: "revoke", pick })) },
);

const RUNS = 8;
const MAX_STEPS = 8;

describe("DeviceRegistry op chain (property)", function () {
  it("equals the TypeScript op chain for random register/rotate/revoke sequences", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: MAX_STEPS }), async (steps) => {
        const base = await projectFixture();
        const { deviceRegistry, projectId, deviceOwner } = base;
        const chain = new OpChain();
        const active: { client: DeviceClient; index: bigint }[] = [];
        let registered = 0n;
        for (const s of steps) {
          const deadline = await deadlineIn();
          if (s.kind === "register" || active.length === 0) {
            const client = deviceClient(base);
            await client.register({ owner: deviceOwner.address, projectId, deadline });
            const { ax, ay } = client.identity.babyJub;
            chain.append({ index: registered, keyHash: keyHash(client.deviceId, ax, ay) });
            active.push({ client, index: registered });
            registered++;
          } else if (s.kind === "rotate") {
            const { client, index } = active[s.pick % active.length];
            const next = generateBabyJubKey();
            await client.rotateKey(next, deadline);
            chain.append({ index, keyHash: keyHash(client.deviceId, next.ax, next.ay) });
          } else {
            const [{ client, index }] = active.splice(s.pick % active.length, 1);
            await deviceRegistry.connect(deviceOwner).revoke(client.deviceId);
            chain.append({ index, keyHash: 0n });
          }
        }
        expect(await deviceRegistry.opCount(projectId)).to.equal(BigInt(chain.opCount));
        for (let n = 0; n <= chain.opCount; n++) {
          expect(await deviceRegistry.opsChainAt(projectId, n)).to.equal(chain.checkpoints[n]);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
