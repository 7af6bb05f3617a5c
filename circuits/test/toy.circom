pragma circom 2.2.0;

// Toy(N): c = a * b^N. A circuit small enough to set up with a 2^12 tau file in tests of
// the setup pipeline; it proves nothing of the kit's.
template Toy(N) {
    signal input a;
    signal input b;
    signal output c;
    signal t[N + 1];
    t[0] <== a;
    for (var i = 0; i < N; i++) {
        t[i + 1] <== t[i] * b;
    }
    c <== t[N];
}

component main {public [a]} = Toy(64);
