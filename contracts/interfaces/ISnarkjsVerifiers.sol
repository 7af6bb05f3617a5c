// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BATCH_PUBLIC_SIGNALS} from "./IBatchVerifier.sol";

/// @notice The entry point of a snarkjs-generated Groth16 verifier with 11 public signals.
interface IGroth16Verifier11 {
    function verifyProof(
        uint256[2] memory pA,
        uint256[2][2] memory pB,
        uint256[2] memory pC,
        uint256[BATCH_PUBLIC_SIGNALS] memory pubSignals
    ) external view returns (bool);
}

/// @notice The entry point of a snarkjs-generated PLONK verifier with 11 public signals.
interface IPlonkVerifier11 {
    function verifyProof(
        uint256[24] memory proof,
        uint256[BATCH_PUBLIC_SIGNALS] memory pubSignals
    ) external view returns (bool);
}

/// @notice The entry point of a snarkjs-generated FFLONK verifier with 11 public signals.
interface IFflonkVerifier11 {
    function verifyProof(
        bytes32[24] memory proof,
        uint256[BATCH_PUBLIC_SIGNALS] memory pubSignals
    ) external view returns (bool);
}
