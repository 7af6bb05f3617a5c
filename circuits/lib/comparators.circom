pragma circom 2.2.0;

// Range checks and comparisons over range-checked values.
//
// circomlib's LessThan(n)/LessEqThan(n) are sound only when both inputs are below 2^n:
// for larger inputs the subtraction wraps and the answer can be forged. The templates here
// range-check with Num2Bits before comparing, or document which input the caller has
// already range-checked (so that a bound shared by many comparisons is checked once).

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// Constrains `in` < 2^N.
template RangeCheck(N) {
    assert(N >= 1);
    assert(N <= 252);
    signal input in;
    signal bits[N] <== Num2Bits(N)(in);
}

// out = 1 iff value <= bound, for value range-checked here to N bits.
// NOTE: `bound` must be range-checked to N bits by the caller.
template AtMost(N) {
    assert(N >= 1);
    assert(N <= 252);
    signal input value;
    signal input bound;
    signal output out;

    RangeCheck(N)(value);
    out <== LessEqThan(N)([value, bound]);
}
