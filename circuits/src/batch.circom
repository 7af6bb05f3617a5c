pragma circom 2.2.0;

// BatchProof(R, D, K, STATE_DEPTH): one proof of physical work for one batch of a project.
//
// Proves, for the public signals (DESIGN.md §3, in this order)
//   domain, oldStateRoot, newStateRoot, opsChainFrom, opsChainTo, messagesHash,
//   totalUnits, prover, minInterval, maxUnits, rewardRate
// that there are up to R registry ops and up to D device slots of up to K messages each
// such that:
//   1. the ops, applied in order, extend the op chain from opsChainFrom to exactly
//      opsChainTo (opsChain(n+1) = Poseidon(opsChain(n), index, keyHash)), and each
//      replaces the key hash of leaf `index` along one Merkle path, keeping the leaf's
//      other fields;
//   2. each enabled device slot opens its leaf (keyHash, cumulativeUnits, lastTimestamp,
//      accruedReward) under the running root; keyHash is non-zero and equals
//      Poseidon(deviceId, Ax, Ay); every enabled message in the slot is signed by (Ax, Ay)
//      over Poseidon(domain, deviceId, timestamp, units, payloadHash), has
//      units <= maxUnits, and a timestamp at least minInterval after the previous
//      message's (the first one after the leaf's lastTimestamp); the leaf becomes
//      (keyHash, cumulative + Σunits, last timestamp, accrued + Σunits·rewardRate) on the
//      same path;
//   3. the running root goes from oldStateRoot to newStateRoot; messagesHash is the
//      Poseidon chain h(i+1) = Poseidon(h(i), digest(i)), h(0) = 0, over the enabled
//      messages in slot order; totalUnits is their Σunits.
// Padding (enabled = 0) changes no output. A slot the batch needs cannot be disabled: the
// op chain and messagesHash bind every enabled op and message, in order. Messages of a
// slot are a prefix (no enabled message after a disabled one), and a slot's messages are
// enabled only if the slot is.
//
// Range checks: units and timestamps 64 bits, maxUnits 64, minInterval 32, rewardRate 128,
// leaf indices STATE_DEPTH bits, so that no sum wraps the field.
//
// NOTE: left to the contract: domain (computed on-chain from chain id, batch manager and
// project), oldStateRoot and opsChainFrom (from its storage), opsChainTo (from the
// registry's checkpoints), messagesHash (recorded at submission), minInterval, maxUnits
// and rewardRate (recorded at submission), prover (msg.sender) and paying
// totalUnits·rewardRate. Timestamps are the devices' own clocks: the sequencer bounds skew.
// The circuit does not forbid an op and a message slot on the same device in one batch;
// they apply in order (ops first), as the sequencer builds them.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "../lib/comparators.circom";
include "../lib/merkle.circom";
include "../lib/message.circom";

template BatchProof(R, D, K, STATE_DEPTH) {
    assert(R >= 1);
    assert(D >= 1);
    assert(K >= 1);
    assert(STATE_DEPTH >= 1);
    assert(STATE_DEPTH <= 32);

    // ---- public signals, in DESIGN.md §3's order ----
    signal input domain;
    signal input oldStateRoot;
    signal input newStateRoot;
    signal input opsChainFrom;
    signal input opsChainTo;
    signal input messagesHash;
    signal input totalUnits;
    signal input prover;
    signal input minInterval;
    signal input maxUnits;
    signal input rewardRate;

    // ---- registry ops ----
    signal input opEnabled[R];
    signal input opIndex[R];
    signal input opKeyHash[R];
    // The leaf before the op: keyHash, cumulativeUnits, lastTimestamp, accruedReward.
    signal input opLeaf[R][4];
    signal input opSiblings[R][STATE_DEPTH];

    // ---- device slots ----
    signal input devEnabled[D];
    signal input devId[D];
    signal input devIndex[D];
    signal input devAx[D];
    signal input devAy[D];
    signal input devLeaf[D][4];
    signal input devSiblings[D][STATE_DEPTH];
    signal input msgEnabled[D][K];
    signal input msgTimestamp[D][K];
    signal input msgUnits[D][K];
    signal input msgPayloadHash[D][K];
    signal input msgR8x[D][K];
    signal input msgR8y[D][K];
    signal input msgS[D][K];

    // The settling prover is a public input that no equation uses; square it so that every
    // proof system binds it.
    signal proverSquared <== prover * prover;

    // Settings are range-checked once; comparisons below rely on it.
    RangeCheck(32)(minInterval);
    RangeCheck(64)(maxUnits);
    RangeCheck(128)(rewardRate);

    // ---- 1. registry ops ----
    signal root[R + D + 1];
    signal chain[R + 1];
    signal opOldLeaf[R];
    signal opNewLeaf[R];
    signal opNextChain[R];
    component opPath[R];
    root[0] <== oldStateRoot;
    chain[0] <== opsChainFrom;

    for (var r = 0; r < R; r++) {
        opEnabled[r] * (opEnabled[r] - 1) === 0;

        opOldLeaf[r] <== Poseidon(4)(opLeaf[r]);
        opNewLeaf[r] <== Poseidon(4)([opKeyHash[r], opLeaf[r][1], opLeaf[r][2], opLeaf[r][3]]);
        opPath[r] = MerklePathUpdate(STATE_DEPTH);
        opPath[r].index <== opIndex[r];
        opPath[r].oldLeaf <== opOldLeaf[r];
        opPath[r].newLeaf <== opNewLeaf[r];
        opPath[r].siblings <== opSiblings[r];

        // An enabled op starts from the running root; a padding op leaves it as it is.
        opEnabled[r] * (opPath[r].oldRoot - root[r]) === 0;
        root[r + 1] <== root[r] + opEnabled[r] * (opPath[r].newRoot - root[r]);

        opNextChain[r] <== Poseidon(3)([chain[r], opIndex[r], opKeyHash[r]]);
        chain[r + 1] <== chain[r] + opEnabled[r] * (opNextChain[r] - chain[r]);
    }
    chain[R] === opsChainTo;

    // ---- 2. device slots and their messages ----
    signal msgChain[D * K + 1];
    signal unitsSum[D][K + 1];
    signal lastTs[D][K + 1];
    signal batchUnits[D + 1];
    signal devKeyHash[D];
    signal devRevoked[D];
    signal devReward[D];
    signal devOldLeaf[D];
    signal devNewLeaf[D];
    component devPath[D];
    signal unitsOk[D][K];
    signal spacedOk[D][K];
    signal digest[D][K];
    signal nextMsgChain[D][K];
    msgChain[0] <== 0;
    batchUnits[0] <== 0;

    for (var d = 0; d < D; d++) {
        devEnabled[d] * (devEnabled[d] - 1) === 0;

        // The slot's key is the leaf's: non-zero (not revoked) and bound to deviceId.
        devKeyHash[d] <== Poseidon(3)([devId[d], devAx[d], devAy[d]]);
        devEnabled[d] * (devKeyHash[d] - devLeaf[d][0]) === 0;
        devRevoked[d] <== IsZero()(devLeaf[d][0]);
        devEnabled[d] * devRevoked[d] === 0;

        RangeCheck(64)(devLeaf[d][2]);
        unitsSum[d][0] <== 0;
        lastTs[d][0] <== devLeaf[d][2];

        for (var k = 0; k < K; k++) {
            var i = d * K + k;
            msgEnabled[d][k] * (msgEnabled[d][k] - 1) === 0;
            // Only inside an enabled slot, and only as a prefix of the slot.
            msgEnabled[d][k] * (1 - devEnabled[d]) === 0;
            if (k > 0) {
                msgEnabled[d][k] * (1 - msgEnabled[d][k - 1]) === 0;
            }

            // units <= maxUnits (maxUnits range-checked above).
            unitsOk[d][k] <== AtMost(64)(msgUnits[d][k], maxUnits);
            msgEnabled[d][k] * (1 - unitsOk[d][k]) === 0;

            // previous + minInterval <= timestamp; previous is the leaf's lastTimestamp for
            // the first message (prefix rule: for k > 0 the previous message is enabled).
            RangeCheck(64)(msgTimestamp[d][k]);
            spacedOk[d][k] <== LessEqThan(65)([lastTs[d][k] + minInterval, msgTimestamp[d][k]]);
            msgEnabled[d][k] * (1 - spacedOk[d][k]) === 0;

            digest[d][k] <== SignedMessage()(
                msgEnabled[d][k],
                devAx[d],
                devAy[d],
                msgR8x[d][k],
                msgR8y[d][k],
                msgS[d][k],
                domain,
                devId[d],
                msgTimestamp[d][k],
                msgUnits[d][k],
                msgPayloadHash[d][k]
            );

            nextMsgChain[d][k] <== Poseidon(2)([msgChain[i], digest[d][k]]);
            msgChain[i + 1] <== msgChain[i] + msgEnabled[d][k] * (nextMsgChain[d][k] - msgChain[i]);
            unitsSum[d][k + 1] <== unitsSum[d][k] + msgEnabled[d][k] * msgUnits[d][k];
            lastTs[d][k + 1] <== lastTs[d][k] + msgEnabled[d][k] * (msgTimestamp[d][k] - lastTs[d][k]);
        }

        // The leaf after the slot, on the same path.
        devReward[d] <== unitsSum[d][K] * rewardRate;
        devOldLeaf[d] <== Poseidon(4)(devLeaf[d]);
        devNewLeaf[d] <== Poseidon(4)(
            [devLeaf[d][0], devLeaf[d][1] + unitsSum[d][K], lastTs[d][K], devLeaf[d][3] + devReward[d]]
        );
        devPath[d] = MerklePathUpdate(STATE_DEPTH);
        devPath[d].index <== devIndex[d];
        devPath[d].oldLeaf <== devOldLeaf[d];
        devPath[d].newLeaf <== devNewLeaf[d];
        devPath[d].siblings <== devSiblings[d];

        devEnabled[d] * (devPath[d].oldRoot - root[R + d]) === 0;
        root[R + d + 1] <== root[R + d] + devEnabled[d] * (devPath[d].newRoot - root[R + d]);
        batchUnits[d + 1] <== batchUnits[d] + unitsSum[d][K];
    }

    // ---- 3. outputs ----
    root[R + D] === newStateRoot;
    msgChain[D * K] === messagesHash;
    batchUnits[D] === totalUnits;
}
