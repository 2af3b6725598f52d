package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;

/** A straight run of decoded instructions ending at a control transfer; reused until its bytes are written. */
final class Block {
    static final int MAX = 64;
    final long start;
    long end;
    final Instruction[] insns;
    int count;
    boolean valid = true;
    /** Times run by the interpreter loop, up to {@link BlockCompiler#HOT}. */
    int runs;
    /** The block as JVM bytecode once it is hot, else null. */
    CompiledBlock compiled;

    Block(long start, int capacity) {
        this.start = start;
        this.insns = new Instruction[capacity];
    }
}
