pragma circom 2.2.0;

// SignedMessage
//
// Proves, when `enabled` = 1: the device key (Ax, Ay) signed
// digest = Poseidon(domain, deviceId, timestamp, units, payloadHash)
// with EdDSA-Poseidon (circomlib's EdDSAPoseidonVerifier: S below the subgroup order, A not
// of small order, S·B8 = R8 + 8·h·A). With `enabled` = 0 the signature is not checked;
// the digest is still output.
//
// NOTE: nothing here ties (Ax, Ay) to a device, range-checks `timestamp` or `units`, or
// orders messages: the batch circuit does that. The digest format is DESIGN.md §3's.

include "circomlib/circuits/eddsaposeidon.circom";
include "circomlib/circuits/poseidon.circom";

template MessageDigest() {
    signal input domain;
    signal input deviceId;
    signal input timestamp;
    signal input units;
    signal input payloadHash;
    signal output out;

    out <== Poseidon(5)([domain, deviceId, timestamp, units, payloadHash]);
}

template SignedMessage() {
    signal input enabled;
    signal input Ax;
    signal input Ay;
    signal input R8x;
    signal input R8y;
    signal input S;
    signal input domain;
    signal input deviceId;
    signal input timestamp;
    signal input units;
    signal input payloadHash;
    signal output digest;

    digest <== MessageDigest()(domain, deviceId, timestamp, units, payloadHash);
    EdDSAPoseidonVerifier()(enabled, Ax, Ay, S, R8x, R8y, digest);
}
