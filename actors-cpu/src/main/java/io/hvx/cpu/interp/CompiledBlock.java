package io.hvx.cpu.interp;

/** A decoded block translated to JVM bytecode by {@link BlockCompiler}. */
interface CompiledBlock {
    /**
     * Runs the block from its first instruction. Returns the number of instructions completed, plus the
     * {@link ExecStatus} of the last one shifted left by 16 when it is not CONTINUE. A {@code GuestFault}
     * propagates with {@link Interpreter#blockIndex} naming the faulting instruction, RIP not yet restored.
     */
    int run(Interpreter in, Block block);
}
