// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BATCH_PUBLIC_SIGNALS, IBatchVerifier} from "../interfaces/IBatchVerifier.sol";

/// @notice Test helper: the execution gas of one IBatchVerifier call (adapter + generated verifier).
contract VerifierGasProbe {
    function measure(
        IBatchVerifier verifier,
        uint256[BATCH_PUBLIC_SIGNALS] calldata signals,
        bytes calldata proof
    ) external view returns (bool ok, uint256 gasUsed) {
        uint256 before = gasleft();
        ok = verifier.verify(signals, proof);
        gasUsed = before - gasleft();
    }

    /// @notice The execution gas of a raw call (a generated verifier's verifyProof), the
    /// call's own cost (cold account access) included.
    function measureCall(
        address target,
        bytes calldata data
    ) external view returns (bool ok, uint256 gasUsed) {
        uint256 before = gasleft();
        (bool success, bytes memory ret) = target.staticcall(data);
        gasUsed = before - gasleft();
        ok = success && ret.length == 32 && abi.decode(ret, (bool));
    }
}
