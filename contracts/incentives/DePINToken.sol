// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

import {IDePINToken} from "../interfaces/IDePINToken.sol";

/// @title DePINToken
/// @notice See {IDePINToken}. Permit (EIP-2612) lets a funder approve the reward pool
/// without a separate transaction.
contract DePINToken is ERC20Capped, ERC20Permit, AccessControl, IDePINToken {
    /// @notice The role allowed to mint released emission.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @dev After this many halvings the rate of any 256-bit start is below one unit.
    uint256 private constant MAX_HALVINGS = 256;

    uint64 private immutable _emissionStart;
    uint256 private immutable _initialRate;
    uint64 private immutable _halvingInterval;
    /// @dev The schedule's total: the cap less the premint.
    uint256 private immutable _emissionCap;
    uint256 private _emissionMinted;

    /// @notice The token's parameters.
    /// @param cap the most that can ever exist.
    /// @param premint minted to `admin` at deployment (counts against the cap).
    /// @param emissionStart when the schedule starts.
    /// @param initialRate tokens per second in the first period.
    /// @param halvingInterval seconds per period (0: the rate never halves).
    struct Params {
        string name;
        string symbol;
        uint256 cap;
        uint256 premint;
        address admin;
        uint64 emissionStart;
        uint256 initialRate;
        uint64 halvingInterval;
    }

    constructor(Params memory p) ERC20(p.name, p.symbol) ERC20Capped(p.cap) ERC20Permit(p.name) {
        if (p.initialRate == 0 || p.premint > p.cap || p.admin == address(0)) revert InvalidSchedule();
        _emissionStart = p.emissionStart;
        _initialRate = p.initialRate;
        _halvingInterval = p.halvingInterval;
        _emissionCap = p.cap - p.premint;
        _grantRole(DEFAULT_ADMIN_ROLE, p.admin);
        if (p.premint > 0) _mint(p.admin, p.premint);
    }

    /// @inheritdoc IDePINToken
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        uint256 available = _mintable();
        if (amount > available) revert ExceedsEmission(amount, available);
        _emissionMinted += amount;
        _mint(to, amount);
        emit EmissionMinted(msg.sender, to, amount);
    }

    /// @inheritdoc IDePINToken
    function released(uint256 timestamp) public view returns (uint256 total) {
        if (timestamp <= _emissionStart) return 0;
        uint256 elapsed = timestamp - _emissionStart;
        uint256 rate = _initialRate;
        if (_halvingInterval == 0) {
            total = _mulCapped(rate, elapsed);
        } else {
            for (uint256 k = 0; k < MAX_HALVINGS && elapsed > 0 && rate > 0; ++k) {
                uint256 span = elapsed < _halvingInterval ? elapsed : _halvingInterval;
                uint256 part = _mulCapped(rate, span);
                // total < cap here, so adding at most what is left cannot overflow.
                if (part >= _emissionCap - total) return _emissionCap;
                total += part;
                elapsed -= span;
                rate >>= 1;
            }
        }
        return total < _emissionCap ? total : _emissionCap;
    }

    /// @inheritdoc IDePINToken
    function mintable() external view returns (uint256) {
        return _mintable();
    }

    /// @inheritdoc IDePINToken
    function emissionMinted() external view returns (uint256) {
        return _emissionMinted;
    }

    /// @inheritdoc IDePINToken
    function emissionStart() external view returns (uint64) {
        return _emissionStart;
    }

    /// @inheritdoc IDePINToken
    function initialRate() external view returns (uint256) {
        return _initialRate;
    }

    /// @inheritdoc IDePINToken
    function halvingInterval() external view returns (uint64) {
        return _halvingInterval;
    }

    function _mintable() private view returns (uint256) {
        return released(block.timestamp) - _emissionMinted;
    }

    /// @dev rate × span, saturating at the schedule's total (no overflow for any inputs).
    function _mulCapped(uint256 rate, uint256 span) private view returns (uint256) {
        if (span != 0 && rate > _emissionCap / span) return _emissionCap;
        return rate * span;
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Capped) {
        super._update(from, to, value);
    }
}
